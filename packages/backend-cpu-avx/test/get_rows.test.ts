import { dequantize, quantize, type DTypeName } from '@ix/core';
import { describe, expect, it } from 'vitest';

import { WEIGHT_DTYPES } from '../src/index.js';
import { isaMatrix, makeBackend, randomF32, rng, run, tensorOn } from './helpers.js';

/**
 * get_rows decodes whole rows, so it must equal core's reference dequantizer to within one
 * rounding of each decoded value (the kernels may fuse scale·q + min into one FMA): 2⁻²³ relative
 * to the row's largest magnitude.
 */
describe.each(isaMatrix())('get_rows on $isa', ({ isa, supported }) => {
  it.skipIf(!supported).each(WEIGHT_DTYPES.map((d) => d as DTypeName))('%s rows equal the reference dequantizer', async (dtype) => {
    const block = dtype.endsWith('_K') || dtype === 'IQ4_XS' ? 256 : dtype.startsWith('F') || dtype === 'BF16' ? 1 : 32;
    const R = 11;
    const C = block === 1 ? 45 : 2 * block;
    const src = randomF32(R * C, rng(7), 3);
    const bytes = quantize(dtype, src);
    const truth = dequantize(dtype, bytes, R * C);
    const be = makeBackend(isa);
    try {
      const table = tensorOn(be, [R, C], dtype, bytes);
      const ids = Int32Array.from([10, 0, 3, 3, 7]);
      const [y] = await run(be, (g) => [g.getRows(g.constant(table), g.input('ids', [ids.length], 'I32'))], { ids });
      for (let t = 0; t < ids.length; t++) {
        const row = truth.subarray(ids[t]! * C, (ids[t]! + 1) * C);
        const amax = row.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
        for (let c = 0; c < C; c++) expect(Math.abs(y![t * C + c]! - row[c]!)).toBeLessThanOrEqual(amax * 2 ** -23);
      }
    } finally {
      be.dispose();
    }
  });

  it.skipIf(!supported)('an id outside the table throws', async () => {
    const be = makeBackend(isa);
    try {
      const table = tensorOn(be, [4, 32], 'Q8_0', quantize('Q8_0', randomF32(128, rng(1))));
      for (const bad of [4, -1]) {
        await expect(run(be, (g) => [g.getRows(g.constant(table), g.input('ids', [1], 'I32'))], { ids: Int32Array.of(bad) })).rejects.toThrow(
          /outside table of 4 rows/,
        );
      }
    } finally {
      be.dispose();
    }
  });
});
