import { quantize, type DTypeName } from '@ix/core';
import { afterAll, describe, expect, it } from 'vitest';

import { WEIGHT_DTYPES } from '../src/index.js';
import { device, errorLog, expectClose, hasDevice, probe, randomF32, rng, runBoth, skipReason, variants } from './helpers.js';

/**
 * The fused dequantize × matmul for every weight type, against the reference backend (f64 sums over
 * the reference dequantizer's weights) on random data with odd sizes: the matvec (one row), a
 * partial 8-row tile and several tiles, and a weight at an unaligned offset. Tolerance relative to
 * max |y|: f32 accumulation over K terms in another order.
 */
const log = errorLog('matmul');
afterAll(() => log.print());

const blockOf = (t: DTypeName) => (t.endsWith('_K') ? 256 : t.startsWith('Q') ? 32 : 1);

describe.skipIf(!hasDevice)(`matmul on WebGPU${skipReason ? ` (${skipReason})` : ''}`, () => {
  afterAll(() => variants.forEach(([, b]) => b.dispose()));

  it('runs both reduction paths where the adapter has subgroups', () => {
    expect(variants.map(([, b]) => b.subgroups)).toEqual(probe.features.includes('subgroups') ? [true, false] : [false]);
  });

  describe.each(variants.flatMap(([name, be]) => WEIGHT_DTYPES.map((dtype) => [`${dtype} weights, ${name}`, dtype, be] as const)))('%s', (_, dtype, be) => {
    // K: an odd count of blocks for quantized types, an odd number for F32/F16 (a partial last chunk); N odd
    const k = blockOf(dtype) === 1 ? 173 : blockOf(dtype) * 3;
    const n = 67;
    const w = randomF32(n * k, rng(7), 1);
    const bytes = dtype === 'F32' ? new Uint8Array(w.buffer) : quantize(dtype, w);

    // 1: matvec; 3: an 8-row tile, partly used; 19 and 40: the tiled prefill kernel, partial tiles
    it.each([1, 3, 19, 40])('x with %i rows', async (m) => {
      const x = randomF32(m * k, rng(100 + m), 2);
      const { ours, ref } = await runBoth(be, [{ shape: [n, k], dtype, bytes }], (g, c) => [g.matmul(g.input('x', [m, k]), c(0))], { x });
      log.add(`${dtype} K=${k} N=${n} M=${m}${be.subgroups ? ' sg' : ''}`, expectClose(ours[0]!, ref[0]!, 2e-6, `${dtype} M=${m}`));
    });

    it('a weight at an unaligned byte offset', async () => {
      const offset = dtype === 'F32' ? 20 : 6;
      const x = randomF32(2 * k, rng(9), 2);
      const { ours, ref } = await runBoth(be, [{ shape: [n, k], dtype, bytes, offset }], (g, c) => [g.matmul(g.input('x', [2, k]), c(0))], { x });
      log.add(`${dtype} at offset ${offset}`, expectClose(ours[0]!, ref[0]!, 2e-6, `${dtype} offset`));
    });
  });

  it('keeps leading dims of x', async () => {
    const be = device;
    const w = randomF32(5 * 64, rng(3));
    const x = randomF32(2 * 3 * 64, rng(4));
    const { ours, ref } = await runBoth(be, [{ shape: [5, 64], dtype: 'Q8_0', bytes: quantize('Q8_0', w) }], (g, c) => [g.matmul(g.input('x', [2, 3, 64]), c(0))], { x });
    expect(ours[0]!.length).toBe(30);
    expectClose(ours[0]!, ref[0]!, 2e-6, 'leading dims');
  });
});
