import { Executor, Graph, type Backend, type DTypeName } from '@ix/core';
import { expect } from 'vitest';

import { randomF32, rng, tensorOn } from '../helpers.js';
import { checkMatmul, FAST_BLOCK, matmulCase } from '../matmul-bound.js';

/**
 * Three activation rows that quantized activations get wrong first: the first 256 elements zero
 * (a quantizer's all-zero block, 32 or 256 wide); per 32 elements one value a million times the
 * others (the block's scale is the large one's); random.
 */
function hardActivations(K: number, seed: number): Float32Array {
  const x = randomF32(3 * K, rng(seed + 3));
  x.fill(0, 0, Math.min(256, K));
  for (let k = 0; k < K; k++) x[K + k]! *= k % 32 === 5 ? 1e3 : 1e-3;
  return x;
}

/**
 * A random weight of `dtype` (matmul-bound.ts' matmulCase) times x with M = 1 (decode), 7 and 69
 * (prefill) random rows and 3 hard ones (hardActivations) on `be`, each output within the bound of
 * the reference dequantizer for `accuracy` (exact mode: also within the probable f32 bound).
 * `report` gets each M's worst error / bound and relative RMS error.
 */
export async function expectMatmulWithinBound(
  be: Backend,
  dtype: DTypeName,
  accuracy: 'exact' | 'fast',
  seed: number,
  report?: (m: number, worst: number, relRms: number) => void,
): Promise<void> {
  const c = matmulCase(dtype, seed);
  const w = tensorOn(be, [c.N, c.K], dtype, c.bytes, 0, 'w');
  try {
    for (const M of [1, 7, 69, 3]) {
      const x = M === 3 ? hardActivations(c.K, seed) : randomF32(M * c.K, rng(seed + M));
      const g = new Graph();
      const out = g.matmul(g.input('x', [M, c.K]), g.constant(w));
      const [y] = await new Executor(be).run(g, { x }, [out]);
      const { worst, worstProbable, relRms } = checkMatmul(c, x, M, y as Float32Array, accuracy, FAST_BLOCK[dtype] ?? 1);
      report?.(M, worst, relRms);
      expect(worst, `M=${M} worst error / bound`).toBeLessThanOrEqual(1);
      if (accuracy === 'exact') expect(worstProbable, `M=${M} worst error / probable f32 bound`).toBeLessThanOrEqual(1);
    }
  } finally {
    be.free(w.buffer);
  }
}
