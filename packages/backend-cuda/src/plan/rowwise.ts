import type { OpParams } from '@ix/core';

import { f32 } from '../program.js';
import type { PlanContext } from './context.js';

const ROWWISE = { rms_norm: 0, layer_norm: 1, softmax: 2 } as const;

/** Threads for a row of `c` elements: enough to cover it, at most 1024. */
export function rowBlock(c: number): number {
  return Math.min(1024, Math.max(32, Math.ceil(c / 32 / 4) * 32));
}

/** rms_norm, layer_norm, softmax: one block per row of the last dimension */
export function planNormLike({ b, node, input, out }: PlanContext): void {
  const x = input(0);
  const c = x.shape[x.shape.length - 1]!;
  const rows = c ? x.numElements / c : 0;
  if (rows === 0) return;
  const param = node.op === 'softmax' ? (node.params as OpParams['softmax']).scale : (node.params as OpParams['rms_norm']).eps;
  b.launch('rowwise', rows, rowBlock(c), [b.ptr(x, 4), b.ptr(out, 4)], [c, ROWWISE[node.op as keyof typeof ROWWISE], f32(param)]);
}

/** argmax (k = 1) and top_k: one block per row */
export function planSelect({ b, node, input, out }: PlanContext): void {
  const x = input(0);
  const c = x.shape[x.shape.length - 1]!;
  const rows = c ? x.numElements / c : 0;
  if (rows === 0) return;
  const k = node.op === 'top_k' ? (node.params as OpParams['top_k']).k : 1;
  b.launch('select_top', rows, rowBlock(c), [b.ptr(x, 4), b.ptr(out, 4)], [c, k]);
}
