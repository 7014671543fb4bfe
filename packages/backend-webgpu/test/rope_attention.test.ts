import { ropeAttentionSuite } from '@ix/kernel-testing';
import { afterAll } from 'vitest';

import { device, errorLog, hasDevice, skipReason } from './helpers.js';

/** rope, write_rows into F32/F16 caches and attention against the reference (the shared suite). */
const log = errorLog('rope / write_rows / attention');
afterAll(() => log.print());

// f32 angles: |theta| <= 300 rad carries ~2e-5 rad of rounding
ropeAttentionSuite({ label: 'WebGPU', hasDevice, skipReason, make: () => device, log, ropeTolerance: 3e-5 });
