import { expertsSuite } from '@ix/kernel-testing';
import { afterAll } from 'vitest';

import { errorLog, hasDevice, makeVulkan, skipReason } from './helpers.js';
import { WEIGHT_DTYPES } from '../src/ops.js';

const log = errorLog('mixture of experts');
afterAll(() => log.print());

// f32 sums in another order than the reference's f64 ones
expertsSuite({ label: 'vulkan', hasDevice, skipReason, make: () => makeVulkan(), log, dtypes: WEIGHT_DTYPES, tolerance: () => 2e-5 });
