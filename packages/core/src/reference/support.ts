import { DTYPES, type DTypeName } from '../dtype.js';
import type { GraphNode } from '../graph.js';
import type { ComputedOp } from './ops/index.js';

/** matmul / get_rows weights: every GGML type, decoded a row at a time */
const WEIGHTS: readonly DTypeName[] = DTYPES.map((t) => t.name);
const CACHE: readonly DTypeName[] = ['F32', 'F16'];
const F32: readonly DTypeName[] = ['F32'];

/** For `probe()`: each op with the dtypes of its main input (weights, caches, the joined values). */
export const REFERENCE_OPS: { readonly [O in ComputedOp]: readonly DTypeName[] } = {
  matmul: WEIGHTS,
  get_rows: WEIGHTS,
  add: F32,
  mul: F32,
  scale: F32,
  rms_norm: F32,
  layer_norm: F32,
  rope: F32,
  softmax: F32,
  silu: F32,
  gelu: F32,
  swiglu: F32,
  write_rows: CACHE,
  attention: CACHE,
  concat: ['F32', 'F16', 'I32'],
  copy: CACHE,
  view: ['F32', 'I32'],
  argmax: F32,
  top_k: F32,
};

const is = (list: readonly DTypeName[], d: DTypeName | undefined) => d !== undefined && list.includes(d);

/** Exactly the (op, input dtypes) combinations the kernels handle. */
export function referenceSupports(node: GraphNode, dt: readonly DTypeName[]): boolean {
  switch (node.op) {
    case 'matmul':
      return dt[0] === 'F32' && is(WEIGHTS, dt[1]);
    case 'get_rows':
      return is(WEIGHTS, dt[0]) && dt[1] === 'I32';
    case 'add':
    case 'mul':
    case 'swiglu':
      return dt[0] === 'F32' && dt[1] === 'F32';
    case 'rope':
      return dt[0] === 'F32' && dt[1] === 'I32' && (dt.length === 2 || dt[2] === 'F32');
    case 'write_rows':
      return is(CACHE, dt[0]) && dt[1] === 'F32';
    case 'attention':
      return dt[0] === 'F32' && is(CACHE, dt[1]) && is(CACHE, dt[2]);
    case 'concat':
      return dt[0] === dt[1] && is(REFERENCE_OPS.concat, dt[0]);
    case 'copy':
      return is(CACHE, dt[0]) && is(CACHE, node.dtype);
    case 'input':
    case 'constant':
      return false;
    default:
      return is(REFERENCE_OPS[node.op], dt[0]);
  }
}
