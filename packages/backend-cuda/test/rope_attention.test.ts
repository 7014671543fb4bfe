import { ropeAttentionSuite } from '@ix/kernel-testing';
import { afterAll } from 'vitest';

import { errorLog, hasDevice, makeCuda, skipReason } from './helpers.js';

/** rope, write_rows into F32/F16 caches and attention against the reference (the shared suite). */
const log = errorLog('rope / write_rows / attention');
afterAll(() => log.print());

// angles in double precision, as the reference
ropeAttentionSuite({ label: 'CUDA', hasDevice, skipReason, make: () => makeCuda(), log, ropeTolerance: 1e-6 });
