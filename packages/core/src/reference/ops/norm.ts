import type { Kernel } from './kernel.js';

/** x / sqrt(mean(x²) + eps) over each row; sums in float64 */
export const rmsNorm: Kernel<'rms_norm'> = ({ eps }, [x], out) => {
  const n = x!.rowLength;
  const xs = x!.f32();
  const ys = out.f32();
  for (let r = 0; r < x!.rows; r++) {
    const o = r * n;
    let sumSq = 0;
    for (let i = 0; i < n; i++) sumSq += xs[o + i]! * xs[o + i]!;
    const rms = Math.sqrt(sumSq / n + eps);
    for (let i = 0; i < n; i++) ys[o + i] = xs[o + i]! / rms;
  }
};

/** (x - mean) / sqrt(var + eps) over each row (population variance); sums in float64 */
export const layerNorm: Kernel<'layer_norm'> = ({ eps }, [x], out) => {
  const n = x!.rowLength;
  const xs = x!.f32();
  const ys = out.f32();
  for (let r = 0; r < x!.rows; r++) {
    const o = r * n;
    const { mean, sumSq } = centered(xs, o, n);
    const std = Math.sqrt(sumSq / n + eps);
    for (let i = 0; i < n; i++) ys[o + i] = (xs[o + i]! - mean) / std;
  }
};

/** each row's sum, in float64 */
export const sumRows: Kernel<'sum_rows'> = (_params, [x], out) => {
  const n = x!.rowLength;
  const xs = x!.f32();
  const ys = out.f32();
  for (let r = 0; r < x!.rows; r++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += xs[r * n + i]!;
    ys[r] = sum;
  }
};

/** max(0, x - (mean + k·std)) over each row, std the sample standard deviation; float64 sums */
export const gaussianTopK: Kernel<'gaussian_top_k'> = ({ stdMultiplier }, [x], out) => {
  const n = x!.rowLength;
  const xs = x!.f32();
  const ys = out.f32();
  for (let r = 0; r < x!.rows; r++) {
    const o = r * n;
    const { mean, sumSq } = centered(xs, o, n);
    const cutoff = mean + stdMultiplier * Math.sqrt(sumSq / (n - 1));
    for (let i = 0; i < n; i++) ys[o + i] = Math.max(0, xs[o + i]! - cutoff);
  }
};

/** the mean of xs[o .. o + n) and the sum of squared distances from it (two passes, float64) */
function centered(xs: Float32Array, o: number, n: number): { mean: number; sumSq: number } {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += xs[o + i]!;
  const mean = sum / n;
  let sumSq = 0;
  for (let i = 0; i < n; i++) sumSq += (xs[o + i]! - mean) ** 2;
  return { mean, sumSq };
}
