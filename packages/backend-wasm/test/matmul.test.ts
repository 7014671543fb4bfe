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
 * SIMD128 twice for the kernels that have two loop shapes (options.ts, compactLoops).
 */
describe.each([
  { isa: 'wasm-simd128', compactLoops: false, types: WEIGHT_DTYPES },
  { isa: 'wasm-simd128', compactLoops: true, types: ['Q4_K', 'Q5_K', 'Q6_K'] },
  { isa: 'scalar', compactLoops: false, types: WEIGHT_DTYPES },
] as const)('matmul on $isa (compact loops: $compactLoops)', ({ isa, compactLoops, types }) => {
  const supported = hasModule && ISAS.includes(isa);
  const backends: WasmBackend[] = [];
  afterAll(() => backends.forEach((b) => b.dispose()));
  const cases = types.flatMap((dtype) => (['exact', 'fast'] as const).map((accuracy) => ({ dtype: dtype as DTypeName, accuracy, seed: 2000 + WEIGHT_DTYPES.indexOf(dtype) })));
  it.skipIf(!supported).each(cases)('$dtype, $accuracy: within the bound of the reference dequantizer', async ({ dtype, accuracy, seed }) => {
    const be = makeWasm({ isa, accuracy, compactLoops });
    backends.push(be);
    await expectMatmulWithinBound(be, dtype, accuracy, seed);
  });
});
