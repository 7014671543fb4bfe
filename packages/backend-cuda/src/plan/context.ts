import type { GraphNode, Tensor } from '@ix/core';

import type { ProgramBuilder } from '../program.js';

/** What a planner sees of one node: its tensors and the program being built. */
export interface PlanContext {
  readonly b: ProgramBuilder;
  readonly node: GraphNode;
  /** the tensor of input k */
  input(k: number): Tensor;
  /** the node's own tensor */
  readonly out: Tensor;
  /** 'fast' allows f16 tensor-core tiles for prefill matmuls */
  readonly accuracy: 'exact' | 'fast';
}

export type Planner = (ctx: PlanContext) => void;
