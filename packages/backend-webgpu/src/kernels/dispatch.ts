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
  /** the device has subgroup operations (reductions then need one barrier instead of six) */
  subgroups: boolean;
}

export type Planner = (ctx: PlanContext) => Dispatch[];

/** The standard head of a kernel: linear group id and local id, leaving groups past the grid. */
export const MAIN = `@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nw: vec3u, @builtin(local_invocation_index) lid: u32) {
  let g = group_index(wg, nw);
  if (g >= P.ngroups) { return; }`;

/** MAIN with the subgroup lane kept in `sg_lane` (for REDUCE_SG), under `enable subgroups`. */
export const MAIN_SG = `var<private> sg_lane: u32;
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nw: vec3u, @builtin(local_invocation_index) lid: u32, @builtin(subgroup_invocation_id) sid: u32) {
  sg_lane = sid;
  let g = group_index(wg, nw);
  if (g >= P.ngroups) { return; }`;

/**
 * Workgroup sum / max through subgroups: each subgroup reduces in registers, its first lane leaves
 * the result in its own slot (subgroups need not be contiguous in lid), one barrier, then every
 * thread adds the 64 slots. Same signatures as REDUCE_SUM.
 */
export const REDUCE_SG = `
var<workgroup> red: array<f32, 64>;
fn reduce_sum(lid: u32, v: f32) -> f32 {
  let s = subgroupAdd(v);
  red[lid] = select(0.0, s, sg_lane == 0u);
  workgroupBarrier();
  var t = 0.0;
  for (var i = 0u; i < 64u; i++) { t = t + red[i]; }
  workgroupBarrier();
  return t;
}
fn reduce_max(lid: u32, v: f32) -> f32 {
  let s = subgroupMax(v);
  red[lid] = select(-3.4028e38, s, sg_lane == 0u);
  workgroupBarrier();
  var t = -3.4028e38;
  for (var i = 0u; i < 64u; i++) { t = max(t, red[i]); }
  workgroupBarrier();
  return t;
}`;

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
