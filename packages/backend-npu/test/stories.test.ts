import { storiesSuite } from '@ix/kernel-testing';
import { afterAll } from 'vitest';

import '../src/index.js';
import { errorLog, hasDevice, skipReason } from './helpers.js';

/** stories260K end to end on ONNX Runtime's CPU EP vs the reference backend (the shared suite). */
const log = errorLog('stories260K');
afterAll(() => log.print());

storiesSuite({ label: 'ONNX Runtime', backend: 'npu', tag: 'backend-npu', hasDevice, skipReason, log });
