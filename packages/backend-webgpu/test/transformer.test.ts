import { decoderSuite } from '@ix/kernel-testing';
import { afterAll } from 'vitest';

import { device, errorLog, hasDevice, skipReason } from './helpers.js';

/** A two-layer decoder with random quantized weights, prefill then decode, against the reference (the shared suite). */
const log = errorLog('decoder');
afterAll(() => log.print());

decoderSuite({
  label: 'WebGPU', hasDevice, skipReason, log, make: () => device,
  cases: [
    { upType: 'Q4_0', fallbacks: 0, prefill: 4, variant: 'webgpu', tol: 3e-5 },
    { upType: 'Q5_K', fallbacks: 0, prefill: 12, variant: 'webgpu', tol: 3e-5 },
    { upType: 'Q5_0', fallbacks: 2, prefill: 4, variant: 'webgpu', tol: 3e-5 }, // one matmul per step falls back to the reference
  ],
});
