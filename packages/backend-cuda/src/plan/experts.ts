import { tensorByteSize } from '@ix/core';

import { alignOf, BLOCK } from '../program.js';
import type { PlanContext } from './context.js';

/** Slots (and weight rows) per block of mul_mat_id: kMatvecRows in native/kernels/matvec.cuh. */
const SLOTS_PER_CHUNK = 8;
const ROUTE_THREADS = 256;

/**
 * y[T, U, N]: moe_route sorts the slots by expert into chunks of up to 8 on the device, then one
 * block per (chunk, 8 weight rows) decodes each row once for its chunk's slots.
 */
export function planMulMatId({ b, input, out }: PlanContext): void {
  const x = input(0), w = input(1), ids = input(2);
  const [e, n, k] = w.shape as [number, number, number];
  const [t, u] = ids.shape as [number, number];
  const slots = t * u;
  if (slots === 0 || n === 0) return;
  // each bucket (E experts, and one for ids outside them) ends at most one partial chunk
  const maxChunks = Math.floor(slots / SLOTS_PER_CHUNK) + Math.min(slots, e + 1);
  const route = b.scratch((2 * (e + 1) + 1 + 3 * maxChunks + slots) * 4);
  b.launch('moe_route', 1, ROUTE_THREADS, [b.ptr(ids, 4), route], [slots, e, maxChunks]);
  const wp = e > 0 ? b.ptr(w, alignOf(w.dtype)) : b.ptr(out, 4); // no experts: every id is outside, never read
  b.launch(`mul_mat_id_${w.dtype.toLowerCase()}`, [maxChunks, Math.ceil(n / SLOTS_PER_CHUNK)], 32 * SLOTS_PER_CHUNK, [b.ptr(x, 4), wp, b.ptr(out, 4), route], [
    k, n, tensorByteSize([1, k], w.dtype), e, u, x.shape.length === 3 ? 1 : 0, maxChunks,
  ]);
}

/** out[r, j] = x[r, ids[r, j]] (an id outside the row gives 0) */
export function planGather({ b, input, out }: PlanContext): void {
  const x = input(0), ids = input(1);
  const n = ids.numElements;
  if (n === 0) return;
  const c = x.shape[x.shape.length - 1]!;
  b.launch('gather', Math.ceil(n / BLOCK), BLOCK, [c > 0 ? b.ptr(x, 4) : b.ptr(out, 4), b.ptr(ids, 4), b.ptr(out, 4)], [n, c, ids.shape[ids.shape.length - 1]!]);
}

/** y[T, N] = Σ_j w[T, j] · x[T, j, N] */
export function planWeightedSum({ b, input, out }: PlanContext): void {
  const x = input(0), w = input(1);
  const [, u, n] = x.shape as [number, number, number];
  const total = out.numElements;
  if (total === 0) return;
  b.launch('weighted_sum', Math.ceil(total / BLOCK), BLOCK, [b.ptr(x, 4), b.ptr(w, 4), b.ptr(out, 4)], [total, u, n]);
}
