import type { OpParams } from '@ix/core';

import { elementBytes, f32 } from '../program.js';
import type { PlanContext } from './context.js';

/** One block per (query, head); the whole cache is bound, the kernel reads pos0/kvLen at run time. */
export function planAttention({ b, node, input, out }: PlanContext): void {
  const q = input(0), k = input(1), v = input(2);
  const p = node.params as OpParams['attention'];
  const [t, hq, d] = q.shape as [number, number, number];
  const hkv = k.shape[1]!;
  if (t * hq * d === 0) return;
  const u = elementBytes(k.dtype);
  const pos = b.position(node);
  b.launch(`attention_${k.dtype.toLowerCase()}`, t * hq, 128, [b.ptr(q, 4), b.ptr(k, u), b.ptr(v, u), b.ptr(out, 4), pos.ptr], [
    t, hq, hkv, d, p.causal ? 1 : 0, f32(p.scale), pos.index,
  ]);
}
