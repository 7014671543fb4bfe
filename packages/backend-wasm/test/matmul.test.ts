import { Executor, Graph, type DTypeName } from '@ix/core';
import { WEIGHT_DTYPES } from '@ix/cpu-engine';
import { checkMatmul, FAST_BLOCK, matmulCase, randomF32, rng, tensorOn } from '@ix/kernel-testing';
import { afterAll, describe, expect, it } from 'vitest';

import { hasModule, ISAS, makeWasm } from './helpers.js';
import type { WasmBackend } from '../src/index.js';

/**
 * Every weight type's fused matmul in the module against @ix/core's reference dequantizer (y in f64),
 * within the bounds of tools/kernel-testing's matmul-bound.ts, on both kernel tables of the build
 * (SIMD128 and the portable scalar one) and in both accuracy modes; M = 1 (decode), 7, 69 (prefill).
 */
describe.each(['wasm-simd128', 'scalar'] as const)('matmul on %s', (isa) => {
  const supported = hasModule && ISAS.includes(isa);
  const backends: WasmBackend[] = [];
  afterAll(() => backends.forEach((b) => b.dispose()));
  const cases = WEIGHT_DTYPES.flatMap((dtype, i) => (['exact', 'fast'] as const).map((accuracy) => ({ dtype: dtype as DTypeName, accuracy, seed: 2000 + i })));
  it.skipIf(!supported).each(cases)('$dtype, $accuracy: within the bound of the reference dequantizer', async ({ dtype, accuracy, seed }) => {
    const be = makeWasm({ isa, accuracy });
    backends.push(be);
    const c = matmulCase(dtype, seed);
    const w = tensorOn(be, [c.N, c.K], dtype, c.bytes, 0, 'w');
    for (const M of [1, 7, 69]) {
      const x = randomF32(M * c.K, rng(seed + M));
      const g = new Graph();
      const out = g.matmul(g.input('x', [M, c.K]), g.constant(w));
      const [y] = await new Executor(be).run(g, { x }, [out]);
      expect(checkMatmul(c, x, M, y as Float32Array, accuracy, FAST_BLOCK[dtype] ?? 1).worst, `M=${M} worst error / bound`).toBeLessThanOrEqual(1);
    }
  });
});
