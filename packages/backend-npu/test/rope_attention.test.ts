import { attentionOptionsSuite, ropeAttentionSuite } from '@ix/kernel-testing';
import { afterAll } from 'vitest';

import { errorLog, hasDevice, make, skipReason, VARIANTS } from './helpers.js';

/**
 * rope, write_rows into F32/F16 caches and attention (GQA, causal, positions; soft-capping, windows,
 * sinks, replayed positions) against the reference (the shared suites), with both lowerings:
 * dynamic shapes (attention sliced to kvLen) and static ones (the whole cache under a mask).
 */
const log = errorLog('rope / write_rows / attention');
afterAll(() => log.print());

// the host makes the angles in float64 as the reference does; the rotation is f32 arithmetic
for (const [name, options] of VARIANTS) {
  ropeAttentionSuite({ label: `ONNX Runtime, ${name}`, hasDevice, skipReason, make: () => make(options), log, ropeTolerance: 2e-6 });
  attentionOptionsSuite({ label: `ONNX Runtime, ${name}`, hasDevice, skipReason, make: () => make(options), log });
}
