import { storiesSuite } from '@ix/kernel-testing';
import { afterAll } from 'vitest';

import '../src/index.js';
import { errorLog, hasDevice, skipReason } from './helpers.js';

/** stories260K end to end on WebGPU vs the reference backend (the shared suite). */
const log = errorLog('stories260K');
afterAll(() => log.print());

storiesSuite({ label: 'WebGPU', backend: 'webgpu', tag: 'backend-webgpu', hasDevice, skipReason, log });
