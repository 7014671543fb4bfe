import { decoderSuite, ropeAttentionSuite, rowOpsSuite, storiesSuite } from '@ix/kernel-testing';
import { afterAll } from 'vitest';

import '../src/index.js';
import { DECODER_CASES, errorLog, hasModule, makeWasm, skipReason } from './helpers.js';

/** The shared suites every backend runs: rope/attention, a quantized two-layer decoder, stories260K. */
const ropeLog = errorLog('rope / write_rows / attention');
const decoderLog = errorLog('decoder');
const storiesLog = errorLog('stories260K');
afterAll(() => [ropeLog, decoderLog, storiesLog].forEach((l) => l.print()));

ropeAttentionSuite({ label: 'wasm', hasDevice: hasModule, skipReason, make: () => makeWasm(), log: ropeLog, ropeTolerance: 1e-6 });
rowOpsSuite({ label: 'wasm', hasDevice: hasModule, skipReason, make: () => makeWasm(), log: ropeLog });
decoderSuite({
  label: 'wasm', hasDevice: hasModule, skipReason, log: decoderLog, make: () => makeWasm(),
  cases: DECODER_CASES,
});
storiesSuite({ label: 'wasm', backend: 'wasm', tag: 'backend-wasm', hasDevice: hasModule, skipReason, log: storiesLog });
