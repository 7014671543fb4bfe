import type { Kernel } from './kernel.js';

/** index of the first maximum of each row */
export const argmax: Kernel<'argmax'> = (_params, [x], out) => {
  const n = x!.rowLength;
  const xs = x!.f32();
  const ys = out.i32();
  for (let r = 0; r < x!.rows; r++) {
    let best = 0;
    for (let i = 1; i < n; i++) if (xs[r * n + i]! > xs[r * n + best]!) best = i;
    ys[r] = best;
  }
};

/** indices of the k largest of each row, largest first; equal values keep index order */
export const topK: Kernel<'top_k'> = ({ k }, [x], out) => {
  const n = x!.rowLength;
  const xs = x!.f32();
  const ys = out.i32();
  for (let r = 0; r < x!.rows; r++) {
    const row = xs.subarray(r * n, (r + 1) * n);
    // NaN ranks as -Infinity (never above a number), as the native backends treat it
    const v = (i: number) => (row[i]! === row[i]! ? row[i]! : -Infinity);
    const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => v(j) - v(i) || i - j);
    ys.set(order.slice(0, k), r * k);
  }
};
