import { InvalidArgumentError, tensorByteSize } from '@ix/core';

import { alignOf, unitOf } from '../program.js';
import type { PlanContext } from './context.js';

const WG = 256;

/**
 * y[T, U, N]: each slot's row of x times its expert's matrix of w[E, N, K], one weight row per
 * workgroup (as matvec). An expert tensor larger than one binding is bound in chunks of whole experts.
 */
export function planMulMatId({ b, input, out }: PlanContext): void {
  const x = input(0), w = input(1), ids = input(2);
  const [e, n, k] = w.shape as [number, number, number];
  const [t, u] = ids.shape as [number, number];
  const slots = t * u;
  if (slots === 0 || n === 0) return;
  const expertBytes = tensorByteSize([n, k], w.dtype);
  const chunk = Math.floor((b.limits.maxRange - b.limits.align) / expertBytes);
  if (chunk < 1) throw new InvalidArgumentError(`vulkan: one expert of ${w.name ?? 'a weight'} (${expertBytes} bytes) exceeds a binding`);
  if (slots > b.limits.maxGroups) throw new InvalidArgumentError(`vulkan: ${slots} routed rows exceed the device's grid`);
  const xb = b.bind(x, 4), ib = b.bind(ids, 4), yb = b.bind(out, 4);
  const perSlot = x.shape.length === 3 ? 1 : 0;
  const [gx, gy] = b.grid(n);
  for (let e0 = 0; e0 < e; e0 += chunk) {
    const ne = Math.min(chunk, e - e0);
    const wb = b.bind(w, unitOf(w.dtype), e0 * expertBytes, ne * expertBytes, alignOf(w.dtype));
    b.dispatch(`mul_mat_id_${w.dtype.toLowerCase()}`, [gx, gy, slots], [xb.binding, wb.binding, ib.binding, yb.binding], [k, n, xb.base, wb.base, ib.base, yb.base, u, perSlot, e0, ne, e, e0 === 0 ? 1 : 0]);
  }
}

/** out[r, j] = x[r, ids[r, j]] */
export function planGather({ b, input, out }: PlanContext): void {
  const x = input(0), ids = input(1);
  const n = ids.numElements;
  if (n === 0) return;
  const xb = b.bind(x, 4), ib = b.bind(ids, 4), yb = b.bind(out, 4);
  b.dispatch('gather', b.grid(Math.ceil(n / WG)), [xb.binding, ib.binding, yb.binding], [n, x.shape[x.shape.length - 1]!, ids.shape[ids.shape.length - 1]!, xb.base, ib.base, yb.base]);
}

/** y[T, N] = Σ_j w[T, j] · x[T, j, N] */
export function planWeightedSum({ b, input, out }: PlanContext): void {
  const x = input(0), w = input(1);
  const [, u, n] = x.shape as [number, number, number];
  const total = out.numElements;
  if (total === 0) return;
  const xb = b.bind(x, 4), wb = b.bind(w, 4), yb = b.bind(out, 4);
  b.dispatch('weighted_sum', b.grid(Math.ceil(total / WG)), [xb.binding, wb.binding, yb.binding], [total, u, n, xb.base, wb.base, yb.base]);
}
