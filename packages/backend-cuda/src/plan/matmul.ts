import { InvalidArgumentError, tensorByteSize, type Tensor } from '@ix/core';

import { alignOf, type ProgramBuilder } from '../program.js';
import type { PlanContext } from './context.js';

/** Activation rows up to which the fused float32 matvec runs; above, tiles (f32 in exact mode, f16 tensor cores in fast). */
export const MATVEC_MAX_ROWS = 8;
const MATVEC_ROWS_PER_BLOCK = 8;
const TILE = 64;

/** One matmul launch and what is fused into it. */
export interface MatmulLaunch {
  /** activations [..., K] */
  x: Tensor;
  /** weights [N, K] */
  w: Tensor;
  /** where y = x · wᵀ (+ residual) lands: [..., N] */
  out: Tensor;
  /** added to the product: same shape as out */
  residual?: Tensor;
  /** GLU: out = silu(x · wᵀ) * (x · upᵀ), up shaped and typed as w (matvec only) */
  up?: Tensor;
}

export function emitMatmul(b: ProgramBuilder, accuracy: 'exact' | 'fast', { x, w, out, residual, up }: MatmulLaunch): void {
  const [n, k] = w.shape as [number, number];
  const m = x.numElements / k;
  if (m === 0 || n === 0) return;
  const t = w.dtype.toLowerCase();
  const rowBytes = tensorByteSize([1, k], w.dtype);
  const ptrs = [b.ptr(x, 4), b.ptr(w, alignOf(w.dtype)), b.ptr(out, 4), residual ? b.ptr(residual, 4) : b.none()];
  const args = [k, n, m, n, 0, rowBytes];
  if (m <= MATVEC_MAX_ROWS) {
    if (up) ptrs.push(b.ptr(up, alignOf(up.dtype)));
    b.launch(`${up ? 'matvec_glu' : 'matvec'}_${t}`, [Math.ceil(n / MATVEC_ROWS_PER_BLOCK), Math.ceil(m / MATVEC_MAX_ROWS)], 32 * MATVEC_ROWS_PER_BLOCK, ptrs, args);
    return;
  }
  if (up) throw new InvalidArgumentError('cuda: a fused GLU needs the matvec path (at most 8 activation rows)');
  if (accuracy === 'exact') b.launch(`matmul_exact_${t}`, [Math.ceil(n / TILE), Math.ceil(m / TILE)], 256, ptrs, args);
  else b.launch(`matmul_${t}`, [Math.ceil(n / TILE), Math.ceil(m / TILE)], 128, ptrs, args);
}

/** x[..., K] · w[N, K]ᵀ: matvec blocks (8 weight rows x 8 activation rows each), or 64 x 64 tiles */
export function planMatmul({ b, input, out, accuracy }: PlanContext): void {
  emitMatmul(b, accuracy, { x: input(0), w: input(1), out });
}
