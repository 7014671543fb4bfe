import { dtypeInfo, quantize, type DTypeName } from '@ix/core';
import { afterAll, describe, expect, it } from 'vitest';

import { WEIGHT_DTYPES } from '../src/index.js';
import { MATVEC_MAX_ROWS } from '../src/plan/matmul.js';
import { errorLog, expectClose, hasDevice, makeCuda, randomF32, rng, runBoth, skipReason } from './helpers.js';

/**
 * Fused dequant x matvec (float32: decode, and prefill in exact mode) and the tensor-core matmul (fast
 * mode, more than 8 rows: weights and activations rounded to f16, f32 accumulation) for every weight
 * type, against the reference backend (f64 sums over the same dequantized weights) on random data with
 * odd sizes. Tolerance relative to max |y|: f32 accumulation order, or f16 rounding of both operands.
 */
const log = errorLog('matmul');
afterAll(() => log.print());

const blockOf = (t: DTypeName) => dtypeInfo(t).blockSize;
const plainBytes = (t: DTypeName, w: Float32Array) => (t === 'F32' ? new Uint8Array(w.buffer) : quantize(t, w));

describe.skipIf(!hasDevice).each(['exact', 'fast'] as const)(`matmul on CUDA, %s${skipReason ? ` (${skipReason})` : ''}`, (accuracy) => {
  const be = hasDevice ? makeCuda({ accuracy }) : undefined!;
  afterAll(() => be?.dispose());
  const tolerance = (m: number) => (m <= MATVEC_MAX_ROWS || accuracy === 'exact' ? 2e-6 : 3e-3);

  describe.each([...WEIGHT_DTYPES])('%s weights', (dtype) => {
    // K: a few blocks (odd count) for quantized types, an odd number for F32/F16; N odd too
    const k = blockOf(dtype) === 1 ? 173 : blockOf(dtype) * 3;
    const n = 131; // over two 64-row tiles, odd
    const w = randomF32(n * k, rng(7), 1);
    const bytes = plainBytes(dtype, w);

    it.each([1, 3, MATVEC_MAX_ROWS, MATVEC_MAX_ROWS + 1, 37, 130])('x with %i rows', async (m) => {
      const x = randomF32(m * k, rng(100 + m), 2);
      const { ours, ref } = await runBoth(be, [{ shape: [n, k], dtype, bytes }], (g, c) => [g.matmul(g.input('x', [m, k]), c(0))], { x });
      log.add(`${accuracy} ${dtype} K=${k} N=${n} M=${m}`, expectClose(ours[0]!, ref[0]!, tolerance(m), `${dtype} M=${m}`));
    });
  });

  it('keeps leading dims of x', async () => {
    const w = randomF32(5 * 64, rng(3));
    const x = randomF32(2 * 3 * 64, rng(4));
    const { ours, ref } = await runBoth(be, [{ shape: [5, 64], dtype: 'Q8_0', bytes: quantize('Q8_0', w) }], (g, c) => [g.matmul(g.input('x', [2, 3, 64]), c(0))], { x });
    expect(ours[0]!.length).toBe(30);
    expectClose(ours[0]!, ref[0]!, tolerance(6), 'leading dims');
  });
});
