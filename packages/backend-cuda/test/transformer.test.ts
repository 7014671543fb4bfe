import { decoderSuite } from '@ix/kernel-testing';
import { afterAll } from 'vitest';

import { errorLog, hasDevice, makeCuda, skipReason } from './helpers.js';

/**
 * A two-layer decoder with random quantized weights, prefill then decode, against the reference (the
 * shared suite), with fused launches and without. A 4-token prefill runs the float32 matvec; a
 * 12-token one the float32 tiles (exact) or the f16 tensor-core tiles (fast, looser tolerance).
 */
const log = errorLog('decoder');
afterAll(() => log.print());

decoderSuite({
  label: 'CUDA', hasDevice, skipReason, log,
  // variants: accuracy, and '-unfused' for one launch per node (src/plan/fuse.ts off)
  make: (variant) => makeCuda({ accuracy: variant.startsWith('fast') ? 'fast' : 'exact', fuse: !variant.endsWith('-unfused') }),
  cases: [
    { upType: 'Q4_0', fallbacks: 0, prefill: 4, variant: 'fast', tol: 3e-5 },
    { upType: 'Q4_0', fallbacks: 0, prefill: 4, variant: 'exact-unfused', tol: 3e-5 },
    { upType: 'Q4_0', fallbacks: 0, prefill: 12, variant: 'exact', tol: 3e-5 }, // float32 tiles
    { upType: 'Q5_K', fallbacks: 0, prefill: 12, variant: 'exact-unfused', tol: 3e-5 },
    { upType: 'Q5_0', fallbacks: 2, prefill: 4, variant: 'fast', tol: 3e-5 }, // one matmul per step falls back to the reference
    { upType: 'Q5_K', fallbacks: 0, prefill: 12, variant: 'exact', tol: 3e-5 },
    { upType: 'Q5_K', fallbacks: 0, prefill: 12, variant: 'fast', tol: 1e-2 }, // f16 tensor-core prefill
  ],
});
