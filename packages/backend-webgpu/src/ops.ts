import { opSupport, type DTypeName, type GraphNode, type OpName } from '@ix/core';

import { MAX_HEAD_DIM } from './kernels/attention.js';
import { WEIGHT_DTYPES } from './kernels/dequant.js';
import { planAttention } from './kernels/attention.js';
import type { Planner } from './kernels/dispatch.js';
import { planBinary, planUnary } from './kernels/elementwise.js';
import { planGather, planMulMatId, planTopK, planWeightedSum } from './kernels/experts.js';
import { planMatmul } from './kernels/matmul.js';
import { planRope } from './kernels/rope.js';
import { planArgmax, planRowwise } from './kernels/rowwise.js';
import { planConcat, planCopy, planGetRows, planView, planWriteRows } from './kernels/rows.js';

export { WEIGHT_DTYPES } from './kernels/dequant.js';

/** The dispatches of each op the shaders implement. */
export const PLANNERS: Partial<Record<OpName, Planner>> = {
  matmul: planMatmul,
  get_rows: planGetRows,
  add: planBinary,
  mul: planBinary,
  swiglu: planBinary,
  swiglu_oai: planBinary,
  scale: planUnary,
  silu: planUnary,
  gelu: planUnary,
  sigmoid: planUnary,
  softcap: planUnary,
  rms_norm: planRowwise,
  layer_norm: planRowwise,
  softmax: planRowwise,
  argmax: planArgmax,
  rope: planRope,
  write_rows: planWriteRows,
  attention: planAttention,
  concat: planConcat,
  copy: planCopy,
  view: planView,
  top_k: planTopK,
  gather: planGather,
  mul_mat_id: planMulMatId,
  weighted_sum: planWeightedSum,
};

// Gemma 3n's row ops run on the fallback backend
const support = opSupport(WEIGHT_DTYPES, { omit: ['sum_rows', 'sqrt', 'slice', 'gaussian_top_k'] });
/** shaders index with 32-bit integers */
const MAX_ELEMENTS = 2 ** 31;

/** For `probe()`: each op with the dtypes it accepts. */
export const SUPPORTED_OPS: Partial<Record<OpName, readonly DTypeName[]>> = { ...support.ops, concat: ['F32', 'I32'] };

/** Exactly the (op, input dtypes) combinations the shaders implement. */
export function supportsNode(node: GraphNode, dt: readonly DTypeName[]): boolean {
  if (!PLANNERS[node.op]) return false;
  if (node.shape.reduce((a, b) => a * b, 1) >= MAX_ELEMENTS) return false;
  // one K/V element type, at most MAX_HEAD_DIM per head (4 dims per thread)
  if (node.op === 'attention' && (dt[2] !== dt[1] || node.shape[2]! > MAX_HEAD_DIM)) return false;
  // concat moves 4-byte elements
  if (node.op === 'concat' && dt[0] === 'F16') return false;
  return support.supports(node, dt);
}
