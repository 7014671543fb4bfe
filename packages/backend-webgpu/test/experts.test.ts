import { expertsSuite } from '@ix/kernel-testing';
import { afterAll } from 'vitest';

import { WEIGHT_DTYPES } from '../src/index.js';
import { device, errorLog, hasDevice, skipReason } from './helpers.js';

/** A mixture-of-experts block (router, top_k, gather, mul_mat_id, weighted_sum) against the reference (the shared suite). */
const log = errorLog('experts');
afterAll(() => log.print());

expertsSuite({ label: 'WebGPU', hasDevice, skipReason, make: () => device, log, dtypes: WEIGHT_DTYPES.filter((d) => d !== 'F32'), tolerance: () => 2e-6 });
