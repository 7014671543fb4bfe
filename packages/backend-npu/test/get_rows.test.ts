import { canQuantize, quantize, type DTypeName } from '@ix/core';
import { expectZeroRowsForOutOfRangeIds } from '@ix/kernel-testing';
import { afterAll, describe, it } from 'vitest';

import { device as be, errorLog, expectClose, hasDevice, randomF32, rng, runBoth, skipReason } from './helpers.js';

/** get_rows: the table decoded to float32 by core's dequantizer once, gathered by ONNX Runtime. */
const log = errorLog('get_rows');
afterAll(() => log.print());

const TYPES = (['F32', 'F16', 'BF16', 'Q4_0', 'Q8_0', 'Q4_K', 'Q6_K', 'IQ4_NL'] as DTypeName[]).filter((t) => t === 'F32' || canQuantize(t));
const blockOf = (t: DTypeName) => (t.endsWith('_K') ? 256 : t.startsWith('Q') || t.startsWith('IQ') ? 32 : 1);

describe.skipIf(!hasDevice)(`get_rows on ONNX Runtime${skipReason ? ` (${skipReason})` : ''}`, () => {
  it.each(TYPES)('%s table, repeated and unordered ids, at an unaligned offset', async (dtype) => {
    const c = blockOf(dtype) === 1 ? 77 : blockOf(dtype) * 3;
    const r = 29;
    const w = randomF32(r * c, rng(5), 3);
    const bytes = dtype === 'F32' ? new Uint8Array(w.buffer) : quantize(dtype, w);
    const ids = Int32Array.from([28, 0, 5, 5, 17, 3, 28]);
    for (const offset of [0, dtype === 'F32' ? 12 : 2]) {
      const { ours, ref } = await runBoth(be, [{ shape: [r, c], dtype, bytes, offset }], (g, k) => [g.getRows(k(0), g.input('ids', [ids.length], 'I32'))], { ids });
      log.add(`${dtype} C=${c} offset ${offset}`, expectClose(ours[0]!, ref[0]!, 0, dtype));
    }
  });

  it('writes zero rows for ids outside the table (ONNX Gather would fail the run)', () => expectZeroRowsForOutOfRangeIds(be));
});
