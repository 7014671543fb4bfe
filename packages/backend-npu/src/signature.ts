import type { GraphSplit, Tensor } from '@ix/core';

import { readersOutside, readsLive } from './lower.js';

/**
 * A split's structure as a string: two splits with the same signature lower to the same ONNX model
 * (same ops, shapes, params and constants), so they share one session. Positions that move between
 * runs (attention pos0/kvLen, write_rows' row) are left out: they are fed each run.
 */
const tensorIds = new WeakMap<Tensor, number>();
let nextTensorId = 0;

function tensorId(t: Tensor): number {
  let id = tensorIds.get(t);
  if (id === undefined) tensorIds.set(t, (id = nextTensorId++));
  return id;
}

const MOVING = new Set(['pos0', 'kvLen', 'row']);

/**
 * `constantId(tensor, baked)` names a constant operand: baked ones (weights) by identity, live
 * ones (caches, fed each run) may all share a name. Default: a per-process id of the tensor.
 */
export function splitSignature(split: GraphSplit, constantId: (t: Tensor, baked: boolean) => string = (t) => String(tensorId(t))): string {
  const local = new Map(split.nodes.map((n, i) => [n.id, i]));
  const parts: string[] = [];
  for (const node of split.nodes) {
    const ins = node.inputs.map((id, index) => {
      const k = local.get(id);
      if (k !== undefined) return `#${k}`;
      const src = split.graph.node(id);
      const where = src.op === 'constant' ? `c${constantId(split.tensorOf(id), !readsLive(node.op, index))}` : `v${id}`;
      return `${where}:${src.dtype}[${src.shape.join(',')}]`;
    });
    const params = JSON.stringify(node.params, (k, v) => (MOVING.has(k) ? undefined : v));
    parts.push(`${node.op}(${ins.join(' ')})${params}${node.dtype}[${node.shape.join(',')}]`);
  }
  const outside = readersOutside(split, new Set(local.keys()));
  const outs = split.nodes.map((n, i) => ((split.outputs?.has(n.id) ?? true) || outside.has(n.id) ? i : -1)).filter((i) => i >= 0);
  return `${parts.join(';')}|out:${outs.join(',')}`;
}
