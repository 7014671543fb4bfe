import { canQuantize, quantize, type DTypeName } from '@ix/core';
import { expectMatmulWithinBound } from '@ix/kernel-testing';
import { afterAll, describe, expect, it } from 'vitest';

import { npuBackend, type NpuBackend } from '../src/index.js';
import { device, errorLog, expectClose, hasDevice, randomF32, rng, runBoth, skipReason } from './helpers.js';

/**
 * matmul lowered to ONNX for every weight type, against @ix/core's reference dequantizer (y in f64)
 * within the bounds of tools/kernel-testing's matmul-bound.ts: Q4_0 / Q8_0 / Q4_K through
 * MatMulNBits (exact: f32 activations; fast: ONNX Runtime's 8-bit activations, accuracy_level 4),
 * the other types decoded to float32 for Gemm. M = 1 (decode), 7, 69 (prefill).
 */
const TYPES: DTypeName[] = (['F32', 'F16', 'BF16', 'Q4_0', 'Q4_1', 'Q5_0', 'Q5_1', 'Q8_0', 'Q2_K', 'Q3_K', 'Q4_K', 'Q5_K', 'Q6_K', 'IQ4_NL', 'IQ4_XS'] as DTypeName[]).filter(
  (t) => t === 'F32' || canQuantize(t),
);
const log = errorLog('matmul');
afterAll(() => log.print());

describe.skipIf(!hasDevice)(`matmul on ONNX Runtime${skipReason ? ` (${skipReason})` : ''}`, () => {
  const backends: NpuBackend[] = [];
  afterAll(() => backends.forEach((b) => b.dispose()));
  const cases = TYPES.flatMap((dtype, i) => (['exact', 'fast'] as const).map((accuracy) => ({ dtype, accuracy, seed: 3000 + i })));

  it.each(cases)('$dtype, $accuracy: within the bound of the reference dequantizer', async ({ dtype, accuracy, seed }) => {
    const be = (await npuBackend.create({ executionProviders: ['cpu'], accuracy })) as NpuBackend;
    backends.push(be);
    await expectMatmulWithinBound(be, dtype, accuracy, seed, (M, worst, relRms) => log.add(`${dtype} ${accuracy} M=${M} (worst/bound ${worst.toFixed(3)}, rel rms)`, relRms));
  });

  it('keeps leading dims of x, and a weight at an unaligned byte offset', async () => {
    const w = randomF32(5 * 64, rng(3));
    const x = randomF32(2 * 3 * 64, rng(4));
    const { ours, ref } = await runBoth(device, [{ shape: [5, 64], dtype: 'Q8_0', bytes: quantize('Q8_0', w), offset: 6 }], (g, c) => [g.matmul(g.input('x', [2, 3, 64]), c(0))], { x });
    expect(ours[0]!.length).toBe(30);
    expectClose(ours[0]!, ref[0]!, 2e-6, 'leading dims');
  });

  it('multiplies by a computed right-hand side (Gemm on two values)', async () => {
    const a = randomF32(3 * 40, rng(5));
    const m = randomF32(7 * 40, rng(6));
    const { ours, ref } = await runBoth(device, [], (g) => [g.matmul(g.input('a', [3, 40]), g.scale(g.input('m', [7, 40]), 2))], { a, m });
    expectClose(ours[0]!, ref[0]!, 2e-6, 'computed weights');
  });
});
