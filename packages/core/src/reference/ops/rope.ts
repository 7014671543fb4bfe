import type { Kernel } from './kernel.js';

/**
 * Rotary position embedding on x[T, H, D]: pair i (< dims/2) of every head of token t turns by
 * pos[t]·freqScale·base^(-2i/dims) / freqFactors[i]. 'normal' pairs elements (2i, 2i+1), 'neox'
 * pairs (i, i + dims/2); elements from `dims` on are copied unchanged.
 */
export const rope: Kernel<'rope'> = ({ mode, dims, base, freqScale }, [x, pos, freqFactors], out) => {
  const [tokens, heads, headDim] = x!.shape as [number, number, number];
  const xs = x!.f32();
  const ps = pos!.i32();
  const factors = freqFactors?.f32();
  const ys = out.f32();
  const half = dims / 2;
  for (let t = 0; t < tokens; t++) {
    for (let h = 0; h < heads; h++) {
      const o = (t * heads + h) * headDim;
      for (let i = dims; i < headDim; i++) ys[o + i] = xs[o + i]!;
      for (let i = 0; i < half; i++) {
        const theta = (ps[t]! * freqScale * base ** (-2 * i / dims)) / (factors ? factors[i]! : 1);
        const a = mode === 'normal' ? o + 2 * i : o + i;
        const b = mode === 'normal' ? a + 1 : a + half;
        const x0 = xs[a]!;
        const x1 = xs[b]!;
        ys[a] = x0 * Math.cos(theta) - x1 * Math.sin(theta);
        ys[b] = x0 * Math.sin(theta) + x1 * Math.cos(theta);
      }
    }
  }
};
