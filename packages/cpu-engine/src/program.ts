import { dtypeInfo, InvalidArgumentError, UnsupportedOpError, type GraphNode, type GraphSplit, type OpParams, type Tensor } from '@ix/core';

/**
 * Serialises a GraphSplit into the Float64Array that native `compute` runs in one call
 * (format: native/program.h). Op codes match native `enum Op`.
 */
const OP_CODES = {
  matmul: 1, get_rows: 2, add: 3, mul: 4, scale: 5, rms_norm: 6, layer_norm: 7, rope: 8, softmax: 9, silu: 10,
  gelu: 11, swiglu: 12, write_rows: 13, attention: 14, concat: 15, copy: 16, view: 17, argmax: 18, top_k: 19, softcap: 20,
  sigmoid: 21, gather: 22, mul_mat_id: 23, weighted_sum: 24, swiglu_oai: 25, sum_rows: 26, sqrt: 27, slice: 28, gaussian_top_k: 29,
} as const;

const PROGRAM_VERSION = 1;
const MAX_DIMS = 8;

/** Native buffer id of a tensor's buffer, or a throw when the buffer is not this backend's. */
export type BufferIdOf = (t: Tensor) => number;

/** A serialised split, and where the params of its nodes whose positions move (graph.ts) are written. */
export interface Program {
  code: Float64Array;
  positional: { at: number; node: GraphNode }[];
}

export function buildProgram(split: GraphSplit, bufferId: BufferIdOf): Program {
  const out: number[] = [PROGRAM_VERSION, split.nodes.length];
  const positional: Program['positional'] = [];
  for (const node of split.nodes) {
    const code = (OP_CODES as Record<string, number>)[node.op];
    if (code === undefined) throw new UnsupportedOpError(node.op, 'on the CPU engine');
    const tensors = [split.tensorOf(node.id), ...node.inputs.map((id) => split.tensorOf(id))];
    out.push(code, tensors.length);
    for (const t of tensors) pushTensor(out, t, bufferId);
    const params = paramsOf(node);
    out.push(params.length);
    if (node.op === 'attention' || node.op === 'write_rows') positional.push({ at: out.length, node });
    out.push(...params);
  }
  return { code: Float64Array.from(out), positional };
}

/** Bring a kept program's moving params up to date with its graph (the rest of a split never changes). */
export function updatePositions(program: Program): void {
  for (const { at, node } of program.positional) {
    if (node.op === 'write_rows') program.code[at] = (node.params as OpParams['write_rows']).row;
    else {
      const a = node.params as OpParams['attention'];
      program.code[at] = a.pos0;
      program.code[at + 1] = a.kvLen;
    }
  }
}

function pushTensor(out: number[], t: Tensor, bufferId: BufferIdOf): void {
  if (t.shape.length > MAX_DIMS) throw new InvalidArgumentError(`cpu engine: tensors of rank ${t.shape.length} are not supported (max ${MAX_DIMS})`);
  out.push(bufferId(t), t.offset, dtypeInfo(t.dtype).id, t.shape.length, ...t.shape);
}

function paramsOf(node: GraphNode): number[] {
  const p = node.params as OpParams[keyof OpParams];
  switch (node.op) {
    case 'scale': return [(p as OpParams['scale']).scale];
    case 'rms_norm': case 'layer_norm': return [(p as OpParams['rms_norm']).eps];
    case 'softmax': return [(p as OpParams['softmax']).scale];
    case 'rope': {
      const r = p as OpParams['rope'];
      const y = r.yarn;
      return [r.mode === 'neox' ? 1 : 0, r.dims, r.base, r.freqScale, y?.extFactor ?? 0, y?.attnFactor ?? 1, y?.corrDims[0] ?? 0, y?.corrDims[1] ?? 0];
    }
    case 'write_rows': return [(p as OpParams['write_rows']).row];
    case 'attention': {
      const a = p as OpParams['attention'];
      return [a.pos0, a.kvLen, a.scale, a.causal ? 1 : 0, a.softcap ?? 0, a.window ?? 0];
    }
    case 'concat': return [(p as OpParams['concat']).axis];
    case 'view': return [(p as OpParams['view']).offset];
    case 'top_k': return [(p as OpParams['top_k']).k];
    case 'softcap': return [(p as OpParams['softcap']).cap];
    case 'swiglu_oai': return [(p as OpParams['swiglu_oai']).alpha, (p as OpParams['swiglu_oai']).limit];
    case 'slice': return [(p as OpParams['slice']).start, (p as OpParams['slice']).length];
    case 'gaussian_top_k': return [(p as OpParams['gaussian_top_k']).stdMultiplier];
    default: return [];
  }
}
