import type { OpParams } from '@ix/core';

import { f32, unitOf } from '../program.js';
import type { PlanContext } from './context.js';

/** One workgroup per (query, head); only the first kvLen cache rows are bound. */
export function planAttention({ b, node, input, out }: PlanContext): void {
  const q = input(0), k = input(1), v = input(2);
  const p = node.params as OpParams['attention'];
  const [t, hq, d] = q.shape as [number, number, number];
  const hkv = k.shape[1]!;
  if (t * hq * d === 0) return;
  const u = unitOf(k.dtype);
  const kvBytes = p.kvLen * hkv * d * u;
  const qb = b.bind(q, 4), kb = b.bind(k, u, 0, kvBytes), vb = b.bind(v, u, 0, kvBytes), yb = b.bind(out, 4);
  b.dispatch(`attention_${k.dtype.toLowerCase()}`, b.grid(t * hq), [qb.binding, kb.binding, vb.binding, yb.binding], [
    t, hq, hkv, d, p.kvLen, p.pos0, p.causal ? 1 : 0, qb.base, kb.base, vb.base, yb.base, f32(p.scale),
  ]);
}
