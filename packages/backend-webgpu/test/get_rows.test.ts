import { expectGetRowsMatch, expectZeroRowsForOutOfRangeIds } from '@ix/kernel-testing';
import { afterAll, describe, it } from 'vitest';

import { WEIGHT_DTYPES } from '../src/index.js';
import { device as be, errorLog, hasDevice, skipReason } from './helpers.js';

/** get_rows decodes table rows as the reference dequantizer does (up to f32 rounding of d·q − m). */
const log = errorLog('get_rows');
afterAll(() => log.print());

describe.skipIf(!hasDevice)(`get_rows on WebGPU${skipReason ? ` (${skipReason})` : ''}`, () => {
  afterAll(() => be?.dispose());

  it.each([...WEIGHT_DTYPES])('%s table, repeated and unordered ids, at an unaligned offset', async (dtype) => {
    log.add(dtype, await expectGetRowsMatch(be, dtype, 1e-6));
  });

  it('writes zero rows for ids outside the table instead of reading out of bounds (the reference refuses them)', () => expectZeroRowsForOutOfRangeIds(be));
});
