import { dot, type Kernel } from './kernel.js';

/** y[..., N] = x[..., K] · w[N, K]ᵀ; each weight row is decoded once, whatever its dtype. */
export const matmul: Kernel<'matmul'> = (_params, [x, w], y) => {
  const [n, k] = w!.shape as [number, number];
  const m = x!.size / k;
  const xs = x!.f32();
  const ys = y.f32();
  const wRow = new Float32Array(k);
  for (let j = 0; j < n; j++) {
    w!.row(j, wRow);
    for (let i = 0; i < m; i++) ys[i * n + j] = dot(xs, i * k, wRow, 0, k);
  }
};
