import type { DTypeName, GraphNode, OpName } from '@ix/core';

/** Weight types the fused matvec / tiled matmul / get_rows shaders decode. */
export const WEIGHT_DTYPES = ['F32', 'F16', 'Q8_0', 'Q4_0', 'Q4_K', 'Q6_K'] as const satisfies readonly DTypeName[];

/** Largest head dimension attention.comp handles (DPT x WG). */
export const MAX_HEAD_DIM = 512;

const CACHE: readonly DTypeName[] = ['F32', 'F16'];
const F32: readonly DTypeName[] = ['F32'];

/** For `probe()`: each op with the dtypes it accepts (weights for matmul/get_rows, caches for attention/write_rows). */
export const SUPPORTED_OPS: Partial<Record<OpName, readonly DTypeName[]>> = {
  matmul: WEIGHT_DTYPES,
  get_rows: WEIGHT_DTYPES,
  add: F32, mul: F32, scale: F32, rms_norm: F32, layer_norm: F32, rope: F32, softmax: F32,
  silu: F32, gelu: F32, swiglu: F32,
  write_rows: CACHE,
  attention: CACHE,
  concat: ['F32', 'F16', 'I32'],
  copy: CACHE,
  view: ['F32', 'I32'],
  argmax: F32,
  top_k: F32,
};

const weight = new Set<DTypeName>(WEIGHT_DTYPES);
const cache = (d: DTypeName | undefined) => d === 'F32' || d === 'F16';
/** shaders index with 32-bit integers */
const MAX_ELEMENTS = 2 ** 31;

/** Exactly the (op, input dtypes) combinations the shaders implement. */
export function supportsNode(node: GraphNode, dt: readonly DTypeName[]): boolean {
  if (node.shape.reduce((a, b) => a * b, 1) >= MAX_ELEMENTS) return false;
  switch (node.op) {
    case 'matmul': return dt[0] === 'F32' && weight.has(dt[1]!);
    case 'get_rows': return weight.has(dt[0]!) && dt[1] === 'I32';
    case 'add': case 'mul': case 'swiglu': return dt[0] === 'F32' && dt[1] === 'F32';
    case 'scale': case 'rms_norm': case 'layer_norm': case 'softmax': case 'silu': case 'gelu': case 'argmax': case 'top_k':
      return dt[0] === 'F32';
    case 'rope': return dt[0] === 'F32' && dt[1] === 'I32' && (dt.length === 2 || dt[2] === 'F32');
    case 'write_rows': return cache(dt[0]) && dt[1] === 'F32';
    case 'attention': return dt[0] === 'F32' && cache(dt[1]) && dt[2] === dt[1] && node.shape[2]! <= MAX_HEAD_DIM;
    case 'concat': return dt[0] === dt[1] && (dt[0] === 'F32' || dt[0] === 'F16' || dt[0] === 'I32');
    case 'copy': return cache(dt[0]) && cache(node.dtype);
    case 'view': return dt[0] === 'F32' || dt[0] === 'I32';
    default: return false;
  }
}
