import type { Kernel } from './kernel.js';

/**
 * Rotary position embedding on x[T, H, D]: pair i (< dims/2) of every head of token t turns by
 * pos[t]·freqScale·base^(-2i/dims) / freqFactors[i]. 'normal' pairs elements (2i, 2i+1), 'neox'
 * pairs (i, i + dims/2); elements from `dims` on are copied unchanged. YaRN as graph.ts defines it.
 */
export const rope: Kernel<'rope'> = ({ mode, dims, base, freqScale, yarn }, [x, pos, freqFactors], out) => {
  const [tokens, heads, headDim] = x!.shape as [number, number, number];
  const xs = x!.f32();
  const ps = pos!.i32();
  const factors = freqFactors?.f32();
  const ys = out.f32();
  const half = dims / 2;
  // YaRN: each pair's share of the unscaled angle, and the magnitude of cos and sin
  const ext = yarn?.extFactor ?? 0;
  const [c0, c1] = yarn?.corrDims ?? [0, 0];
  const unscaled = (i: number) => ext * (1 - Math.min(1, Math.max(0, (i - c0) / Math.max(0.001, c1 - c0))));
  const mscale = (yarn?.attnFactor ?? 1) * (ext !== 0 ? 1 + 0.1 * Math.log(1 / freqScale) : 1);
  for (let t = 0; t < tokens; t++) {
    for (let h = 0; h < heads; h++) {
      const o = (t * heads + h) * headDim;
      for (let i = dims; i < headDim; i++) ys[o + i] = xs[o + i]!;
      for (let i = 0; i < half; i++) {
        const extrap = (ps[t]! * base ** (-2 * i / dims)) / (factors ? factors[i]! : 1);
        const m = ext !== 0 ? unscaled(i) : 0;
        const theta = freqScale * extrap * (1 - m) + extrap * m;
        const a = mode === 'normal' ? o + 2 * i : o + i;
        const b = mode === 'normal' ? a + 1 : a + half;
        const x0 = xs[a]!;
        const x1 = xs[b]!;
        const cos = Math.cos(theta) * mscale, sin = Math.sin(theta) * mscale;
        ys[a] = x0 * cos - x1 * sin;
        ys[b] = x0 * sin + x1 * cos;
      }
    }
  }
};
