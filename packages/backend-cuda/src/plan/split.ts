import { UnsupportedOpError, type GraphSplit } from '@ix/core';

import { supportsNode } from '../ops.js';
import type { ProgramBuilder } from '../program.js';
import type { PlanContext } from './context.js';
import { planFused } from './fuse.js';
import { PLANNERS } from './planners.js';

/** The launches of a split, in node order: fused runs where they apply (planFused), else one planner per node. */
export function planSplit(b: ProgramBuilder, split: GraphSplit, settings: { accuracy: 'exact' | 'fast'; fuse: boolean }): void {
  for (const node of split.nodes) {
    const dtypes = node.inputs.map((i) => split.graph.node(i).dtype);
    if (!PLANNERS[node.op] || !supportsNode(node, dtypes)) throw new UnsupportedOpError(node.op, `with inputs ${dtypes.join(', ')} on cuda`);
  }
  for (let i = 0; i < split.nodes.length; ) {
    const fused = settings.fuse ? planFused({ b, split, accuracy: settings.accuracy }, i) : 0;
    if (fused > 0) {
      i += fused;
      continue;
    }
    const node = split.nodes[i++]!;
    const ctx: PlanContext = { b, node, input: (k) => split.tensorOf(node.inputs[k]!), out: split.tensorOf(node.id), accuracy: settings.accuracy };
    PLANNERS[node.op]!(ctx);
  }
}
