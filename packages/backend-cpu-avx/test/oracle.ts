/**
 * Op semantics from the header of packages/core/src/graph.ts, written out plainly in f64.
 * Used as the independent truth for the native ops (inputs and outputs are flat row-major arrays).
 */
export function rowsOf(x: ArrayLike<number>, cols: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < x.length; i += cols) out.push(Array.from({ length: cols }, (_, j) => x[i + j]!));
  return out;
}

export const silu = (v: number) => v / (1 + Math.exp(-v));
export const gelu = (v: number) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * v * (1 + 0.044715 * v * v)));

export function rmsNorm(x: ArrayLike<number>, cols: number, eps: number): number[] {
  return rowsOf(x, cols).flatMap((r) => {
    const ms = r.reduce((s, v) => s + v * v, 0) / cols;
    return r.map((v) => v / Math.sqrt(ms + eps));
  });
}

export function layerNorm(x: ArrayLike<number>, cols: number, eps: number): number[] {
  return rowsOf(x, cols).flatMap((r) => {
    const mean = r.reduce((s, v) => s + v, 0) / cols;
    const v = r.reduce((s, a) => s + (a - mean) ** 2, 0) / cols;
    return r.map((a) => (a - mean) / Math.sqrt(v + eps));
  });
}

export function softmax(x: ArrayLike<number>, cols: number, scale: number): number[] {
  return rowsOf(x, cols).flatMap((r) => {
    const s = r.map((v) => v * scale);
    const m = Math.max(...s);
    const e = s.map((v) => Math.exp(v - m));
    const sum = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / sum);
  });
}

export function rope(
  x: ArrayLike<number>, [T, H, D]: number[], pos: ArrayLike<number>,
  p: { mode: 'normal' | 'neox'; dims: number; base: number; freqScale: number }, ff?: ArrayLike<number>,
): number[] {
  const y = Array.from(x);
  for (let t = 0; t < T; t++) {
    for (let h = 0; h < H; h++) {
      const o = (t * H + h) * D;
      for (let i = 0; i < p.dims / 2; i++) {
        const theta = (pos[t]! * p.freqScale * p.base ** ((-2 * i) / p.dims)) / (ff ? ff[i]! : 1);
        const [a, b] = p.mode === 'normal' ? [o + 2 * i, o + 2 * i + 1] : [o + i, o + i + p.dims / 2];
        const x0 = x[a]!, x1 = x[b]!;
        y[a] = x0 * Math.cos(theta) - x1 * Math.sin(theta);
        y[b] = x0 * Math.sin(theta) + x1 * Math.cos(theta);
      }
    }
  }
  return y;
}

export function attention(
  q: ArrayLike<number>, k: ArrayLike<number>, v: ArrayLike<number>, [T, Hq, D]: number[], Hkv: number,
  p: { pos0: number; kvLen: number; scale: number; causal: boolean; softcap?: number; window?: number },
  sinks?: ArrayLike<number>,
): number[] {
  const out: number[] = [];
  for (let t = 0; t < T; t++) {
    for (let h = 0; h < Hq; h++) {
      const kh = Math.floor((h * Hkv) / Hq);
      const seen: number[] = [];
      // a sliding window hides keys `window` or more positions behind the query (llama.cpp's is_masked_swa)
      // not causal, a window is symmetric: keys at most window / 2 away either side
      const inWindow = (j: number) => !p.window || (p.causal ? p.pos0 + t - j < p.window : Math.abs(j - (p.pos0 + t)) <= Math.floor(p.window / 2));
      for (let j = 0; j < p.kvLen && (!p.causal || j <= p.pos0 + t); j++) if (inWindow(j)) seen.push(j);
      const s = seen.map((j) => {
        let d = 0;
        for (let i = 0; i < D; i++) d += q[(t * Hq + h) * D + i]! * k[(j * Hkv + kh) * D + i]!;
        return p.softcap ? p.softcap * Math.tanh((d * p.scale) / p.softcap) : d * p.scale;
      });
      // a sink is one more logit in the denominator (gpt-oss): it takes weight, adds no value
      const sink = sinks ? sinks[h]! : -Infinity;
      const m = Math.max(sink, ...s);
      const e = s.map((a) => Math.exp(a - m));
      const sum = e.reduce((a, b) => a + b, Math.exp(sink - m));
      for (let i = 0; i < D; i++) out.push(seen.reduce((acc, j, n) => acc + (e[n]! / sum) * v[(j * Hkv + kh) * D + i]!, 0));
    }
  }
  return out;
}

/** indices of the k largest, largest first; ties by lower index */
export function topK(x: ArrayLike<number>, cols: number, k: number): number[] {
  return rowsOf(x, cols).flatMap((r) =>
    r.map((v, i) => [v, i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]).slice(0, k).map(([, i]) => i),
  );
}
