import type { DTypeName } from './dtype.js';
import type { GraphNode, OpName, OpParams } from './graph.js';

/**
 * The dtype rules of the op set, shared by every backend: activations are F32 (ids and positions
 * I32), KV caches F32 or F16, and only matmul / get_rows vary by backend — in the weight types
 * their kernels decode. A backend adds its own limits (sizes, head dims) on top of `supports`.
 */
export interface OpSupport {
  /** for `probe()`: each op with the dtypes of its main input (weights, caches, joined values) */
  ops: Partial<Record<OpName, readonly DTypeName[]>>;
  /** does the op set accept this node with these input dtypes, given the backend's weight types? */
  supports(node: GraphNode, inputDTypes: readonly DTypeName[]): boolean;
}

const CACHE: readonly DTypeName[] = ['F32', 'F16'];
const F32: readonly DTypeName[] = ['F32'];
const JOINABLE: readonly DTypeName[] = ['F32', 'F16', 'I32'];

/** What of the op set a backend leaves out (it runs on a fallback backend instead). */
export interface OpSupportLimits {
  /** ops it does not implement */
  omit?: readonly OpName[];
  /** attention it runs only without soft-capping, a sliding window or sinks */
  plainAttentionOnly?: boolean;
  /** rope it runs only without YaRN scaling */
  plainRopeOnly?: boolean;
}

export function opSupport(weightDTypes: readonly DTypeName[], limits: OpSupportLimits = {}): OpSupport {
  const ops: Partial<Record<OpName, readonly DTypeName[]>> = {
    matmul: weightDTypes,
    get_rows: weightDTypes,
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
    swiglu_oai: F32,
    softcap: F32,
    sigmoid: F32,
    gather: F32,
    mul_mat_id: weightDTypes,
    weighted_sum: F32,
    sum_rows: F32,
    sqrt: F32,
    slice: F32,
    gaussian_top_k: F32,
    write_rows: CACHE,
    attention: CACHE,
    concat: JOINABLE,
    copy: CACHE,
    view: ['F32', 'I32'],
    argmax: F32,
    top_k: F32,
  };
  for (const op of limits.omit ?? []) delete ops[op];
  const is = (list: readonly DTypeName[] | undefined, d: DTypeName | undefined) => d !== undefined && list !== undefined && list.includes(d);
  const supports = (node: GraphNode, dt: readonly DTypeName[]): boolean => {
    switch (node.op) {
      case 'matmul':
        return dt[0] === 'F32' && is(weightDTypes, dt[1]);
      case 'get_rows':
        return is(weightDTypes, dt[0]) && dt[1] === 'I32';
      case 'mul_mat_id':
        return dt[0] === 'F32' && is(ops.mul_mat_id, dt[1]) && dt[2] === 'I32';
      case 'gather':
        return is(ops.gather, dt[0]) && dt[1] === 'I32';
      case 'weighted_sum':
        return is(ops.weighted_sum, dt[0]) && dt[1] === 'F32';
      case 'add':
      case 'mul':
      case 'swiglu':
      case 'swiglu_oai':
        return is(ops[node.op], dt[0]) && dt[1] === 'F32';
      case 'rope':
        if (limits.plainRopeOnly && (node.params as OpParams['rope']).yarn) return false;
        return dt[0] === 'F32' && dt[1] === 'I32' && (dt.length === 2 || dt[2] === 'F32');
      case 'write_rows':
        return is(CACHE, dt[0]) && dt[1] === 'F32';
      case 'attention': {
        const p = node.params as OpParams['attention'];
        if (limits.plainAttentionOnly && (p.softcap !== undefined || p.window !== undefined || dt.length > 3)) return false;
        return dt[0] === 'F32' && is(CACHE, dt[1]) && is(CACHE, dt[2]) && (dt.length === 3 || dt[3] === 'F32');
      }
      case 'concat':
        return dt[0] === dt[1] && is(JOINABLE, dt[0]);
      case 'copy':
        return is(CACHE, dt[0]) && is(CACHE, node.dtype);
      case 'input':
      case 'constant':
        return false;
      default:
        return is(ops[node.op], dt[0]);
    }
  };
  return { ops, supports };
}
