import { opSupport, type DTypeName, type GraphNode, type OpName } from '@ix/core';

/** Weight types the fused matmul / get_rows kernels decode. */
export const WEIGHT_DTYPES = [
  'F32', 'F16', 'BF16', 'Q4_0', 'Q4_1', 'Q5_0', 'Q5_1', 'Q8_0', 'Q2_K', 'Q3_K', 'Q4_K', 'Q5_K', 'Q6_K', 'IQ4_NL', 'IQ4_XS', 'MXFP4',
] as const satisfies readonly DTypeName[];

const support = opSupport(WEIGHT_DTYPES);

/** For `probe()`: each op with the dtypes it accepts (weights for matmul/get_rows, caches for attention/write_rows). */
export const SUPPORTED_OPS: Partial<Record<OpName, readonly DTypeName[]>> = support.ops;

/** Exactly the (op, input dtypes) combinations the native side implements: the op set, up to 8 dims. */
export function supportsNode(node: GraphNode, dt: readonly DTypeName[]): boolean {
  return node.shape.length <= 8 && support.supports(node, dt);
}
