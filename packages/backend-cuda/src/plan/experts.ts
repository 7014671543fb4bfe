import { tensorByteSize, type Tensor } from '@ix/core';

import { alignOf, BLOCK, type Ptr, type ProgramBuilder } from '../program.js';
import type { PlanContext } from './context.js';

/** Slots (and weight rows) per block of mul_mat_id: kMatvecRows in native/kernels/matvec.cuh. */
const SLOTS_PER_CHUNK = 8;
const ROUTE_THREADS = 256;

/** One expert-routed matmul launch, and the GLU fused into it. */
export interface MulMatIdLaunch {
  /** x[T, K] or [T, U, K] */
  x: Tensor;
  /** experts [E, N, K] */
  w: Tensor;
  /** ids [T, U] and the node that computes them (a program sorts each ids node's slots once) */
  ids: Tensor;
  idsNode: number;
  /** y[T, U, N] */
  out: Tensor;
  /** GLU: out = silu(x · wᵀ) * (x · upᵀ), up shaped and typed as w */
  up?: Tensor;
}

/**
 * moe_route sorts the slots by expert into chunks of up to 8 on the device (once per ids node in a
 * program: a layer's gate, up and down share it), then one block per (chunk, 8 weight rows) decodes
 * each row once for its chunk's slots.
 */
export function emitMulMatId(b: ProgramBuilder, { x, w, ids, idsNode, out, up }: MulMatIdLaunch): void {
  const [e, n, k] = w.shape as [number, number, number];
  const [t, u] = ids.shape as [number, number];
  const slots = t * u;
  if (slots === 0 || n === 0) return;
  // each bucket (E experts, and one for ids outside them) ends at most one partial chunk
  const maxChunks = Math.floor(slots / SLOTS_PER_CHUNK) + Math.min(slots, e + 1);
  const route = b.memo<Ptr>(`route ${idsNode} ${e}`, () => {
    const table = b.scratch((2 * (e + 1) + 1 + 3 * maxChunks + slots) * 4);
    b.launch('moe_route', 1, ROUTE_THREADS, [b.ptr(ids, 4), table], [slots, e, maxChunks]);
    return table;
  });
  const weights = (m: Tensor) => (e > 0 ? b.ptr(m, alignOf(m.dtype)) : b.ptr(out, 4)); // no experts: every id is outside, never read
  const ptrs = [b.ptr(x, 4), weights(w), b.ptr(out, 4), route, ...(up ? [weights(up)] : [])];
  b.launch(`${up ? 'mul_mat_id_glu' : 'mul_mat_id'}_${w.dtype.toLowerCase()}`, [maxChunks, Math.ceil(n / SLOTS_PER_CHUNK)], 32 * SLOTS_PER_CHUNK, ptrs, [
    k, n, tensorByteSize([1, k], w.dtype), e, u, x.shape.length === 3 ? 1 : 0, maxChunks,
  ]);
}

/** y[T, U, N]: each slot's row of x times its expert's matrix */
export function planMulMatId({ b, node, input, out }: PlanContext): void {
  emitMulMatId(b, { x: input(0), w: input(1), ids: input(2), idsNode: node.inputs[2]!, out });
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
