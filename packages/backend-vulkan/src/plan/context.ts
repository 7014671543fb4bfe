import type { GraphNode, Tensor } from '@ix/core';

import type { ProgramBuilder } from '../program.js';

/** What a planner sees of one node: its tensors, the program being built, and backend-owned tables. */
export interface PlanContext {
  readonly b: ProgramBuilder;
  readonly node: GraphNode;
  /** the tensor of input k */
  input(k: number): Tensor;
  /** the node's own tensor */
  readonly out: Tensor;
  /** device tensor of freqScale * base^(-2i/dims), i < dims/2, computed on the host in double precision */
  ropeTable(dims: number, base: number, freqScale: number): Tensor;
}

export type Planner = (ctx: PlanContext) => void;

