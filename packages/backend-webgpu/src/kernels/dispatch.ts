import type { GraphNode, Tensor } from '@ix/core';

import type { KernelSource, Operand } from '../shader.js';

/** One compute dispatch of a planned op. */
export interface Dispatch {
  kernel: KernelSource;
  operands: Operand[];
  /** the kernel's params in `kernel.params` order: evaluated on every compute (positions move) */
  params: () => number[];
  /** workgroups; every kernel finds its own with `group_index` and returns past `P.ngroups` */
  groups: number;
}

/** What a planner sees of a node: its input tensors and output tensor. */
export interface PlanContext {
  node: GraphNode;
  input(k: number): Tensor;
  out: Tensor;
  /** base^(-2i/dims) for i < dims/2, rounded once to f32, kept by the backend */
  ropeTable(dims: number, base: number): Tensor;
}

export type Planner = (ctx: PlanContext) => Dispatch[];

/** The standard head of a kernel: linear group id and local id, leaving groups past the grid. */
export const MAIN = `@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nw: vec3u, @builtin(local_invocation_index) lid: u32) {
  let g = group_index(wg, nw);
  if (g >= P.ngroups) { return; }`;

/** Reduce `red[0..64)` to `red[0]` (the whole workgroup calls it). */
export const REDUCE_SUM = `
var<workgroup> red: array<f32, 64>;
fn reduce_sum(lid: u32, v: f32) -> f32 {
  red[lid] = v;
  workgroupBarrier();
  for (var s = 32u; s > 0u; s = s >> 1u) {
    if (lid < s) { red[lid] = red[lid] + red[lid + s]; }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}
fn reduce_max(lid: u32, v: f32) -> f32 {
  red[lid] = v;
  workgroupBarrier();
  for (var s = 32u; s > 0u; s = s >> 1u) {
    if (lid < s) { red[lid] = max(red[lid], red[lid + s]); }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}`;

export function f32Bits(v: number): number {
  return new Uint32Array(Float32Array.of(v).buffer)[0]!;
}
