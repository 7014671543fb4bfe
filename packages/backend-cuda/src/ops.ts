import { opSupport, type DTypeName, type GraphNode, type OpName } from '@ix/core';

/** Weight types the matvec / matmul / get_rows kernels decode (native/kernels/dequant.h). */
export const WEIGHT_DTYPES = ['F32', 'F16', 'BF16', 'Q8_0', 'Q4_0', 'Q4_K', 'Q5_K', 'Q6_K', 'IQ4_NL', 'MXFP4'] as const satisfies readonly DTypeName[];

/** Largest head dimension attention.cuh handles. */
export const MAX_HEAD_DIM = 512;

const support = opSupport(WEIGHT_DTYPES);
/** kernels index elements with 32-bit integers */
const MAX_ELEMENTS = 2 ** 31;

/** For `probe()`: each op with the dtypes it accepts (weights for matmul/get_rows, caches for attention/write_rows). */
export const SUPPORTED_OPS: Partial<Record<OpName, readonly DTypeName[]>> = support.ops;

/** Exactly the (op, input dtypes) combinations the kernels implement, within their limits. */
export function supportsNode(node: GraphNode, dt: readonly DTypeName[]): boolean {
  if (node.shape.reduce((a, b) => a * b, 1) >= MAX_ELEMENTS) return false;
  if (node.op === 'attention' && (dt[2] !== dt[1] || node.shape[2]! > MAX_HEAD_DIM)) return false;
  return support.supports(node, dt);
}
