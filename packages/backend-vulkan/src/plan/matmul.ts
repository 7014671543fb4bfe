import { InvalidArgumentError, tensorByteSize } from '@ix/core';

import { alignOf, unitOf } from '../program.js';
import type { PlanContext } from './context.js';

/** Activation rows up to which the fused matvec shader (one workgroup per weight row) beats tiling. */
export const MATVEC_MAX_ROWS = 4;

/**
 * x[..., K] · w[N, K]ᵀ. A weight larger than one binding is split into row chunks, each its own
 * dispatch writing its columns of y.
 */
export function planMatmul({ b, input, out }: PlanContext): void {
  const x = input(0), w = input(1);
  const [n, k] = w.shape as [number, number];
  const m = x.numElements / k;
  if (m === 0 || n === 0) return;
  const t = w.dtype.toLowerCase();
  const rowBytes = tensorByteSize([1, k], w.dtype);
  const chunkRows = Math.floor((b.limits.maxRange - b.limits.align) / rowBytes);
  if (chunkRows < 1) throw new InvalidArgumentError(`vulkan: one row of ${w.name ?? 'a weight'} (${rowBytes} bytes) exceeds a binding`);
  const xb = b.bind(x, 4);
  const yb = b.bind(out, 4);
  for (let n0 = 0; n0 < n; n0 += chunkRows) {
    const rows = Math.min(chunkRows, n - n0);
    const wb = b.bind(w, unitOf(w.dtype), n0 * rowBytes, rows * rowBytes, alignOf(w.dtype));
    const bindings = [xb.binding, wb.binding, yb.binding];
    if (m <= MATVEC_MAX_ROWS) {
      const [gx, gy] = b.grid(rows);
      b.dispatch(`matvec_${t}`, [gx, gy, m], bindings, [k, rows, xb.base, wb.base, yb.base, n, n0]);
    } else {
      b.dispatch(`matmul_${t}`, [Math.ceil(rows / 32), Math.ceil(m / 32), 1], bindings, [k, rows, m, xb.base, wb.base, yb.base, n, n0]);
    }
  }
}
