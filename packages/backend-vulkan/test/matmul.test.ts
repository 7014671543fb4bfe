import { quantize, tensorByteSize, type DTypeName } from '@ix/core';
import { afterAll, describe, expect, it } from 'vitest';

import { WEIGHT_DTYPES } from '../src/index.js';
import { MATVEC_MAX_ROWS } from '../src/plan/matmul.js';
import { errorLog, expectClose, hasDevice, makeVulkan, randomF32, rng, runBoth, skipReason } from './helpers.js';

/**
 * Fused dequant x matvec (x with <= 4 rows) and the tiled matmul (more rows) for every weight type,
 * against the reference backend (f64 sums over the same dequantized weights) on random data with
 * odd sizes. Tolerance relative to max |y|: f32 accumulation over K terms in another order.
 */
const log = errorLog('matmul');
afterAll(() => log.print());

const blockOf = (t: DTypeName) => (t === 'Q4_K' || t === 'Q6_K' ? 256 : t === 'Q8_0' || t === 'Q4_0' ? 32 : 1);

describe.skipIf(!hasDevice)(`matmul on Vulkan${skipReason ? ` (${skipReason})` : ''}`, () => {
  const be = hasDevice ? makeVulkan() : undefined!;
  afterAll(() => be?.dispose());

  describe.each([...WEIGHT_DTYPES])('%s weights', (dtype) => {
    // K: a few blocks (odd count) for quantized types, an odd number for F32/F16; N odd too
    const k = blockOf(dtype) === 1 ? 173 : blockOf(dtype) * 3;
    const n = 67;
    const w = randomF32(n * k, rng(7), 1);
    const bytes = dtype === 'F32' ? new Uint8Array(w.buffer) : quantize(dtype, w);

    it.each([1, 3, MATVEC_MAX_ROWS + 1, 37])('x with %i rows', async (m) => {
      const x = randomF32(m * k, rng(100 + m), 2);
      const { ours, ref } = await runBoth(be, [{ shape: [n, k], dtype, bytes }], (g, c) => [g.matmul(g.input('x', [m, k]), c(0))], { x });
      log.add(`${dtype} K=${k} N=${n} M=${m}`, expectClose(ours[0]!, ref[0]!, 2e-6, `${dtype} M=${m}`));
    });
  });

  it.each([...WEIGHT_DTYPES])('%s weights larger than one binding are split into row chunks, at an unaligned offset', async (dtype) => {
    const binding = 16384; // x [5, K] and y fit, the weight does not
    const small = makeVulkan({ maxBindingBytes: binding });
    try {
      const k = blockOf(dtype) === 1 ? 45 : blockOf(dtype) === 32 ? 256 : 512;
      const n = Math.ceil((3 * binding) / tensorByteSize([1, k], dtype)) | 1;
      const w = randomF32(n * k, rng(11), 1);
      const bytes = dtype === 'F32' ? new Uint8Array(w.buffer) : quantize(dtype, w);
      expect(bytes.byteLength).toBeGreaterThan(2 * binding); // several chunks
      const offset = dtype === 'F32' ? 20 : 6; // not a multiple of the binding alignment (16 on lavapipe)
      for (const m of [2, MATVEC_MAX_ROWS + 1]) {
        const x = randomF32(m * k, rng(12 + m), 2);
        const { ours, ref } = await runBoth(small, [{ shape: [n, k], dtype, bytes, offset }], (g, c) => [g.matmul(g.input('x', [m, k]), c(0))], { x });
        log.add(`${dtype} chunked M=${m}`, expectClose(ours[0]!, ref[0]!, 2e-6, `${dtype} chunked M=${m}`));
      }
    } finally {
      small.dispose();
    }
  });

  it('keeps leading dims of x', async () => {
    const w = randomF32(5 * 64, rng(3));
    const x = randomF32(2 * 3 * 64, rng(4));
    const { ours, ref } = await runBoth(be, [{ shape: [5, 64], dtype: 'Q8_0', bytes: quantize('Q8_0', w) }], (g, c) => [g.matmul(g.input('x', [2, 3, 64]), c(0))], { x });
    expect(ours[0]!.length).toBe(30);
    expectClose(ours[0]!, ref[0]!, 2e-6, 'leading dims');
  });
});
