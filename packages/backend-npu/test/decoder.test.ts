import { decoderSuite } from '@ix/kernel-testing';
import { afterAll } from 'vitest';

import { errorLog, hasDevice, make, skipReason, VARIANTS } from './helpers.js';

/** A two-layer decoder with random quantized weights, prefill then decode, lowered whole to ONNX, against the reference (the shared suite). */
const log = errorLog('decoder');
afterAll(() => log.print());

const byName = new Map(VARIANTS);
decoderSuite({
  label: 'ONNX Runtime', hasDevice, skipReason, log, make: (variant) => make(byName.get(variant)),
  cases: [
    { upType: 'Q4_0', fallbacks: 0, prefill: 4, variant: 'dynamic shapes, contrib ops', tol: 3e-5 },
    { upType: 'Q5_K', fallbacks: 0, prefill: 12, variant: 'dynamic shapes, contrib ops', tol: 3e-5 },
    { upType: 'Q8_0', fallbacks: 0, prefill: 7, variant: 'static shapes, standard ops', tol: 3e-5 },
  ],
});
