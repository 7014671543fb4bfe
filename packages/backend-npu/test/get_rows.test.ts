import { canQuantize, type DTypeName } from '@ix/core';
import { expectGetRowsMatch, expectZeroRowsForOutOfRangeIds } from '@ix/kernel-testing';
import { afterAll, describe, it } from 'vitest';

import { device as be, errorLog, hasDevice, skipReason } from './helpers.js';

/** get_rows: the table decoded to float32 by core's dequantizer once, gathered by ONNX Runtime. */
const log = errorLog('get_rows');
afterAll(() => log.print());

const TYPES = (['F32', 'F16', 'BF16', 'Q4_0', 'Q8_0', 'Q4_K', 'Q6_K', 'IQ4_NL'] as DTypeName[]).filter((t) => t === 'F32' || canQuantize(t));

describe.skipIf(!hasDevice)(`get_rows on ONNX Runtime${skipReason ? ` (${skipReason})` : ''}`, () => {
  // decoded by core's dequantizer, gathered by ONNX Runtime: the reference's values exactly
  it.each(TYPES)('%s table, repeated and unordered ids, at an unaligned offset', async (dtype) => {
    log.add(dtype, await expectGetRowsMatch(be, dtype, 0));
  });

  it('writes zero rows for ids outside the table (ONNX Gather would fail the run)', () => expectZeroRowsForOutOfRangeIds(be));
});
