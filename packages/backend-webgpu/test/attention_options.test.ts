import { attentionOptionsSuite } from '@ix/kernel-testing';
import { afterAll } from 'vitest';

import { device, errorLog, hasDevice, skipReason } from './helpers.js';

/** soft-capping, sliding windows, sinks and replayed positions against the reference (the shared suite). */
const log = errorLog('attention options');
afterAll(() => log.print());

attentionOptionsSuite({ label: 'WebGPU', hasDevice, skipReason, make: () => device, log });
