import { tensorByteSize } from '@ix/core';

import { alignOf } from '../program.js';
import type { PlanContext } from './context.js';

/** Activation rows up to which the fused float32 matvec runs in fast mode; above, tensor-core tiles. */
export const MATVEC_MAX_ROWS = 8;
const MATVEC_ROWS_PER_BLOCK = 8;
const TILE = 64;

/** x[..., K] · w[N, K]ᵀ: float32 matvec blocks (8 weight rows x 8 activation rows each), or f16 tiles in fast mode */
export function planMatmul({ b, input, out, accuracy }: PlanContext): void {
  const x = input(0), w = input(1);
  const [n, k] = w.shape as [number, number];
  const m = x.numElements / k;
  if (m === 0 || n === 0) return;
  const t = w.dtype.toLowerCase();
  const rowBytes = tensorByteSize([1, k], w.dtype);
  const ptrs = [b.ptr(x, 4), b.ptr(w, alignOf(w.dtype)), b.ptr(out, 4)];
  const args = [k, n, m, n, 0, rowBytes];
  if (m <= MATVEC_MAX_ROWS || accuracy === 'exact') {
    b.launch(`matvec_${t}`, [Math.ceil(n / MATVEC_ROWS_PER_BLOCK), Math.ceil(m / MATVEC_MAX_ROWS)], 32 * MATVEC_ROWS_PER_BLOCK, ptrs, args);
  } else {
    b.launch(`matmul_${t}`, [Math.ceil(n / TILE), Math.ceil(m / TILE)], 128, ptrs, args);
  }
}
