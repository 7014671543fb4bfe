import type { OpName, OpParams } from '../../graph.js';
import type { HostTensor } from '../host-tensor.js';

/** Ops that compute something (inputs and constants are leaves). */
export type ComputedOp = Exclude<OpName, 'input' | 'constant'>;

/** Computes one node: reads `inputs` (in the node's input order) and writes `out`. */
export type Kernel<O extends ComputedOp> = (params: OpParams[O], inputs: readonly HostTensor[], out: HostTensor) => void;

/** Σ a[ai+i]·b[bi+i] for i < n, accumulated in float64 (each f32 product is exact in a double). */
export function dot(a: ArrayLike<number>, ai: number, b: ArrayLike<number>, bi: number, n: number): number {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += a[ai + i]! * b[bi + i]!;
  return sum;
}
