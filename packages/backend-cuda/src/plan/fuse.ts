import type { Graph, GraphNode, GraphSplit, OpParams, Tensor } from '@ix/core';

import { f32, type ProgramBuilder } from '../program.js';
import { emitMulMatId } from './experts.js';
import { emitMatmul, MATVEC_MAX_ROWS, type MatmulLaunch } from './matmul.js';
import { rowBlock } from './rowwise.js';

/**
 * Runs of nodes planned as one launch, as llama.cpp's CUDA backend fuses them, so a decode step makes
 * fewer, fuller launches:
 *   rms_norm → mul(weight row)             one rowwise pass
 *   [view →] matmul [→ view | → add(residual)]   the product written in place of the view, read
 *                                           through the input view, or added to the residual
 *   matmul(gate) → matmul(up) → swiglu      one matvec over both weights (decode)
 *   mul_mat_id(gate) → mul_mat_id(up) → swiglu   one expert launch over both (any token count)
 * A fused-away value is never written, so it must be read by nothing but the next node of the run
 * and not be an output (GraphSplit.outputs; without it nothing is fused). The arena may give a
 * node's tensor bytes that an earlier node of the run still reads, so a fused launch whose output
 * overlaps a tensor it reads is not fused.
 */
export interface FuseContext {
  b: ProgramBuilder;
  split: GraphSplit;
  accuracy: 'exact' | 'fast';
}

/** Plans a fused run starting at nodes[i]: the number of nodes it covers, or 0 when none applies. */
export function planFused(ctx: FuseContext, i: number): number {
  if (!ctx.split.outputs) return 0;
  return fuseNormMul(ctx, i) || fuseMatmul(ctx, i) || fuseExpertGlu(ctx, i);
}

const readersCache = new WeakMap<Graph, Map<number, number[]>>();

/** ids of the nodes that read each value, over the whole graph */
function readers(graph: Graph): Map<number, number[]> {
  let r = readersCache.get(graph);
  if (!r) {
    r = new Map();
    for (const n of graph.nodes) for (const id of n.inputs) (r.get(id) ?? r.set(id, []).get(id)!).push(n.id);
    readersCache.set(graph, r);
  }
  return r;
}

/** Is `node`'s value seen by `reader` alone (not another node, not the caller)? */
function onlyFor(split: GraphSplit, node: GraphNode, reader: GraphNode): boolean {
  const r = readers(split.graph).get(node.id) ?? [];
  return !split.outputs!.has(node.id) && r.length > 0 && r.every((id) => id === reader.id);
}

function overlaps(a: Tensor, b: Tensor): boolean {
  return a.buffer === b.buffer && a.offset < b.offset + b.byteLength && b.offset < a.offset + a.byteLength;
}

/** same bytes exactly (an elementwise in-place update is safe) or none in common */
function sameOrApart(a: Tensor, b: Tensor): boolean {
  return (a.buffer === b.buffer && a.offset === b.offset && a.byteLength === b.byteLength) || !overlaps(a, b);
}

function fuseNormMul({ b, split }: FuseContext, i: number): number {
  const norm = split.nodes[i]!, mul = split.nodes[i + 1];
  if (norm.op !== 'rms_norm' || mul?.op !== 'mul' || mul.inputs[0] !== norm.id || !onlyFor(split, norm, mul)) return 0;
  const x = split.tensorOf(norm.inputs[0]!), weight = split.tensorOf(mul.inputs[1]!), out = split.tensorOf(mul.id);
  const c = x.shape[x.shape.length - 1]!;
  if (weight.dtype !== 'F32' || weight.numElements !== c || c === 0 || !sameOrApart(out, x) || overlaps(out, weight)) return 0;
  const eps = (norm.params as OpParams['rms_norm']).eps;
  b.launch('rowwise', x.numElements / c, rowBlock(c), [b.ptr(x, 4), b.ptr(out, 4), b.ptr(weight, 4)], [c, 3, f32(eps)]);
  return 2;
}

const isReshape = (n: GraphNode | undefined): n is GraphNode<'view'> => n?.op === 'view' && (n.params as OpParams['view']).offset === 0;

function fuseMatmul({ b, split, accuracy }: FuseContext, i: number): number {
  const nodes = split.nodes;
  let at = i;
  // an input view that only reshapes: read its source
  let source: Tensor | undefined;
  if (isReshape(nodes[at]) && nodes[at + 1]?.op === 'matmul' && nodes[at + 1]!.inputs[0] === nodes[at]!.id && onlyFor(split, nodes[at]!, nodes[at + 1]!)) {
    source = split.tensorOf(nodes[at]!.inputs[0]!);
    at++;
  }
  const mm = nodes[at];
  if (mm?.op !== 'matmul') return 0;
  const x = source ?? split.tensorOf(mm.inputs[0]!), w = split.tensorOf(mm.inputs[1]!);
  const next = nodes[at + 1], third = nodes[at + 2];
  const candidates: { launch: MatmulLaunch; covers: number }[] = [];
  // gate → up → swiglu(gate, up), decode only
  if (next?.op === 'matmul' && third?.op === 'swiglu' && source === undefined && next.inputs[0] === mm.inputs[0] && third.inputs[0] === mm.id && third.inputs[1] === next.id &&
      onlyFor(split, mm, third) && onlyFor(split, next, third) && x.numElements / w.shape[1]! <= MATVEC_MAX_ROWS) {
    const up = split.tensorOf(next.inputs[1]!);
    if (up.dtype === w.dtype && up.shape[0] === w.shape[0] && up.shape[1] === w.shape[1]) candidates.push({ launch: { x, w, out: split.tensorOf(third.id), up }, covers: at + 3 - i });
  }
  if (next?.op === 'add' && onlyFor(split, mm, next)) {
    const other = next.inputs[0] === mm.id ? next.inputs[1]! : next.inputs[0]!;
    const residual = split.tensorOf(other);
    if (other !== mm.id && residual.dtype === 'F32' && residual.numElements === split.tensorOf(mm.id).numElements) {
      candidates.push({ launch: { x, w, out: split.tensorOf(next.id), residual }, covers: at + 2 - i });
    }
  }
  if (isReshape(next) && next.inputs[0] === mm.id && onlyFor(split, mm, next)) candidates.push({ launch: { x, w, out: split.tensorOf(next.id) }, covers: at + 2 - i });
  if (source) candidates.push({ launch: { x, w, out: split.tensorOf(mm.id) }, covers: at + 1 - i });
  for (const { launch, covers } of candidates) {
    const reads = [launch.x, launch.w, launch.up].filter((t): t is Tensor => t !== undefined);
    if (reads.some((t) => overlaps(launch.out, t)) || (launch.residual && !sameOrApart(launch.out, launch.residual))) continue;
    emitMatmul(b, accuracy, launch);
    return covers;
  }
  return 0;
}

/** gate and up experts of the same rows and ids, then swiglu of the two: one launch */
function fuseExpertGlu({ b, split }: FuseContext, i: number): number {
  const gate = split.nodes[i]!, up = split.nodes[i + 1], glu = split.nodes[i + 2];
  if (gate.op !== 'mul_mat_id' || up?.op !== 'mul_mat_id' || glu?.op !== 'swiglu') return 0;
  if (up.inputs[0] !== gate.inputs[0] || up.inputs[2] !== gate.inputs[2] || glu.inputs[0] !== gate.id || glu.inputs[1] !== up.id) return 0;
  if (!onlyFor(split, gate, glu) || !onlyFor(split, up, glu)) return 0;
  const x = split.tensorOf(gate.inputs[0]!), w = split.tensorOf(gate.inputs[1]!), wUp = split.tensorOf(up.inputs[1]!);
  const ids = split.tensorOf(gate.inputs[2]!), out = split.tensorOf(glu.id);
  if (wUp.dtype !== w.dtype || wUp.shape.some((d, k) => d !== w.shape[k]) || [x, w, wUp, ids].some((t) => overlaps(out, t))) return 0;
  emitMulMatId(b, { x, w, ids, idsNode: gate.inputs[2]!, out, up: wUp });
  return 3;
}
