import type { OpParams } from '@ix/core';

import { f32 } from '../program.js';
import type { PlanContext } from './context.js';

/** rms_norm, layer_norm, softmax: one workgroup per row of the last dimension */
export function planNormLike({ b, node, input, out }: PlanContext): void {
  const x = input(0);
  const c = x.shape[x.shape.length - 1]!;
  const rows = c ? x.numElements / c : 0;
  if (rows === 0) return;
  const param = node.op === 'softmax' ? (node.params as OpParams['softmax']).scale : (node.params as OpParams['rms_norm']).eps;
  const xb = b.bind(x, 4), yb = b.bind(out, 4);
  b.dispatch(node.op, b.grid(rows), [xb.binding, yb.binding], [c, rows, xb.base, yb.base, f32(param)]);
}

/** argmax and top_k: one workgroup per row */
export function planSelect({ b, node, input, out }: PlanContext): void {
  const x = input(0);
  const c = x.shape[x.shape.length - 1]!;
  const rows = c ? x.numElements / c : 0;
  if (rows === 0) return;
  const xb = b.bind(x, 4), yb = b.bind(out, 4);
  const push = node.op === 'top_k' ? [c, rows, (node.params as OpParams['top_k']).k, xb.base, yb.base] : [c, rows, xb.base, yb.base];
  b.dispatch(node.op, b.grid(rows), [xb.binding, yb.binding], push);
}
