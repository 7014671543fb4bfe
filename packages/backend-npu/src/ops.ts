import { DTYPES, OPS, type DTypeName, type GraphNode, type OpName } from '@ix/core';

import { ELEM } from './lower.js';

/**
 * What the lowering handles. mul_mat_id has no ONNX form that reads only the chosen experts'
 * weights, so mixture-of-experts matmuls fall back to another backend per op (the executor's
 * scheduler); everything else lowers to standard ONNX ops and Microsoft's MatMulNBits.
 */
const UNSUPPORTED: ReadonlySet<OpName> = new Set<OpName>(['mul_mat_id']);
/** leaves: no computation */
const LEAVES: ReadonlySet<OpName> = new Set<OpName>(['input', 'constant']);
const VALUE_DTYPES: readonly DTypeName[] = ['F32', 'F16', 'I32'];
/** weights of any GGUF type: MatMulNBits for Q4_0 / Q8_0 / Q4_K, decoded to float32 otherwise */
const WEIGHT_DTYPES: readonly DTypeName[] = DTYPES.map((d) => d.name);

/** ops of this backend, with the dtypes of their weight or value operands */
export const SUPPORTED_OPS: Partial<Record<OpName, readonly DTypeName[]>> = Object.fromEntries(
  OPS.filter((op) => !UNSUPPORTED.has(op) && !LEAVES.has(op)).map((op) => [op, op === 'matmul' || op === 'get_rows' ? WEIGHT_DTYPES : VALUE_DTYPES]),
);

export function supportsNode(node: GraphNode, inputDTypes: readonly DTypeName[]): boolean {
  if (UNSUPPORTED.has(node.op)) return false;
  if (node.op === 'matmul') return inputDTypes[0] === 'F32';
  if (node.op === 'get_rows') return inputDTypes[1] === 'I32';
  // every value ONNX Runtime is handed must be F32, F16 or I32
  return ELEM[node.dtype] !== undefined && inputDTypes.every((d) => ELEM[d] !== undefined);
}
