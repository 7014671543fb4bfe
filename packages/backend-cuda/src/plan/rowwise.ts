import type { OpParams } from '@ix/core';

import { f32 } from '../program.js';
import type { PlanContext } from './context.js';

const ROWWISE = { rms_norm: 0, layer_norm: 1, softmax: 2, sum_rows: 4, gaussian_top_k: 5 } as const;

/** Threads for a row of `c` elements: enough to cover it, at most 1024. */
export function rowBlock(c: number): number {
  return Math.min(1024, Math.max(32, Math.ceil(c / 32 / 4) * 32));
}

/** the float parameter of a row op */
function rowParam(node: PlanContext['node']): number {
  switch (node.op) {
    case 'softmax':
      return (node.params as OpParams['softmax']).scale;
    case 'gaussian_top_k':
      return (node.params as OpParams['gaussian_top_k']).stdMultiplier;
    case 'sum_rows':
      return 0;
    default:
      return (node.params as OpParams['rms_norm']).eps;
  }
}

/** rms_norm, layer_norm, softmax, sum_rows, gaussian_top_k: one block per row of the last dimension */
export function planNormLike({ b, node, input, out }: PlanContext): void {
  const x = input(0);
  const c = x.shape[x.shape.length - 1]!;
  const rows = c ? x.numElements / c : 0;
  if (rows === 0) return;
  const param = rowParam(node);
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
