import type { Kernel } from './kernel.js';

/**
 * softmax(values · scale) in float64, written into out[at..]. Subtracting the maximum keeps exp()
 * finite for any input; -Infinity entries get probability 0. A `sink` is one more logit in the
 * denominator whose probability is dropped (attention sinks).
 */
export function softmaxInto(values: ArrayLike<number>, from: number, n: number, scale: number, out: { [i: number]: number }, at: number, sink = -Infinity): void {
  let max = sink;
  for (let i = 0; i < n; i++) max = Math.max(max, values[from + i]! * scale);
  let sum = sink === -Infinity ? 0 : Math.exp(sink - max);
  const e = new Float64Array(n);
  for (let i = 0; i < n; i++) sum += e[i] = Math.exp(values[from + i]! * scale - max);
  for (let i = 0; i < n; i++) out[at + i] = e[i]! / sum;
}

export const softmax: Kernel<'softmax'> = ({ scale }, [x], out) => {
  const n = x!.rowLength;
  const xs = x!.f32();
  const ys = out.f32();
  for (let r = 0; r < x!.rows; r++) softmaxInto(xs, r * n, n, scale, ys, r * n);
};
