import { storiesSuite } from '@ix/kernel-testing';
import { afterAll, expect } from 'vitest';

import type { CudaBackend } from '../src/index.js';
import { errorLog, hasDevice, skipReason } from './helpers.js';

/** stories260K end to end on CUDA vs the reference backend (the shared suite); decode steps replay as CUDA graphs. */
const log = errorLog('stories260K');
afterAll(() => log.print());

storiesSuite({
  label: 'CUDA', backend: 'cuda', tag: 'backend-cuda', hasDevice, skipReason, log,
  // the decode step graphs ran again and again: replayed as CUDA graphs with moving positions
  after: (model) => expect((model.backend as CudaBackend).programStats.graphed).toBeGreaterThan(0),
});
