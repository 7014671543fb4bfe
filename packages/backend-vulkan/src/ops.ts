import { opSupport, type DTypeName, type GraphNode, type OpName } from '@ix/core';

/** Weight types the fused matvec / tiled matmul / get_rows shaders decode. */
export const WEIGHT_DTYPES = ['F32', 'F16', 'Q8_0', 'Q4_0', 'Q4_K', 'Q6_K'] as const satisfies readonly DTypeName[];

/** Largest head dimension attention.comp handles (DPT x WG). */
export const MAX_HEAD_DIM = 512;

// soft-capping (op and attention option) and sliding windows run on the fallback backend
const support = opSupport(WEIGHT_DTYPES, { omit: ['softcap', 'swiglu_oai', 'sum_rows', 'sqrt', 'slice', 'gaussian_top_k'], plainAttentionOnly: true, plainRopeOnly: true });
/** shaders index with 32-bit integers */
const MAX_ELEMENTS = 2 ** 31;

/** For `probe()`: each op with the dtypes it accepts (weights for matmul/get_rows, caches for attention/write_rows). */
export const SUPPORTED_OPS: Partial<Record<OpName, readonly DTypeName[]>> = support.ops;

/** Exactly the (op, input dtypes) combinations the shaders implement: the op set within the shaders' limits. */
export function supportsNode(node: GraphNode, dt: readonly DTypeName[]): boolean {
  if (node.shape.reduce((a, b) => a * b, 1) >= MAX_ELEMENTS) return false;
  // attention.comp reads K and V with one element type and at most MAX_HEAD_DIM per head
  if (node.op === 'attention' && (dt[2] !== dt[1] || node.shape[2]! > MAX_HEAD_DIM)) return false;
  return support.supports(node, dt);
}
