import { Executor, Graph, type Backend, type DTypeName } from '@ix/core';
import { expect } from 'vitest';

import { randomF32, rng, tensorOn } from '../helpers.js';
import { checkMatmul, FAST_BLOCK, matmulCase } from '../matmul-bound.js';

/**
 * A random weight of `dtype` (matmul-bound.ts' matmulCase) times x with M = 1 (decode), 7 and 69
 * (prefill) rows on `be`, each output within the bound of the reference dequantizer for `accuracy`.
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
    for (const M of [1, 7, 69]) {
      const x = randomF32(M * c.K, rng(seed + M));
      const g = new Graph();
      const out = g.matmul(g.input('x', [M, c.K]), g.constant(w));
      const [y] = await new Executor(be).run(g, { x }, [out]);
      const { worst, relRms } = checkMatmul(c, x, M, y as Float32Array, accuracy, FAST_BLOCK[dtype] ?? 1);
      report?.(M, worst, relRms);
      expect(worst, `M=${M} worst error / bound`).toBeLessThanOrEqual(1);
    }
  } finally {
    be.free(w.buffer);
  }
}
