import { errorLog, rowOpsSuite } from '@ix/kernel-testing';
import { afterAll } from 'vitest';

import { isaMatrix, makeBackend } from './helpers.js';

// Gemma 3n's row ops (scalar loops, the same on every ISA; each ISA's build runs them)
const log = errorLog('backend-cpu-avx', 'row ops');
afterAll(() => log.print());

for (const { isa, supported } of isaMatrix()) {
  rowOpsSuite({ label: isa, hasDevice: supported, skipReason: supported ? undefined : 'not on this CPU', make: () => makeBackend(isa), log });
}
