import { expectZeroSlotsForOutOfRangeIds, expertsSuite } from '@ix/kernel-testing';
import { afterAll, describe, it } from 'vitest';

import { errorLog, hasDevice, makeCuda, skipReason } from './helpers.js';
import { WEIGHT_DTYPES } from '../src/ops.js';

const log = errorLog('mixture of experts');
afterAll(() => log.print());

// f32 sums in another order than the reference's f64 ones
expertsSuite({ label: 'cuda', hasDevice, skipReason, make: () => makeCuda(), log, dtypes: WEIGHT_DTYPES, tolerance: () => 2e-5 });

describe.skipIf(!hasDevice)(`expert ids outside the experts on cuda${skipReason ? ` (${skipReason})` : ''}`, () => {
  it('mul_mat_id and gather write zeros there instead of reading out of bounds (the reference refuses them)', async () => {
    const be = makeCuda();
    try {
      await expectZeroSlotsForOutOfRangeIds(be);
    } finally {
      be.dispose();
    }
  });
});
