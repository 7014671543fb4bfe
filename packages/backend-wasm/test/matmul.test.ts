import type { DTypeName } from '@ix/core';
import { WEIGHT_DTYPES } from '@ix/cpu-engine';
import { expectMatmulWithinBound } from '@ix/kernel-testing';
import { afterAll, describe, it } from 'vitest';

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
    await expectMatmulWithinBound(be, dtype, accuracy, seed);
  });
});
