import { errorLog as sharedErrorLog } from '@ix/kernel-testing';

import { cudaBackend, type CudaBackend, type CudaOptions } from '../src/index.js';

/**
 * Whether this machine has a usable CUDA device. Without one (CI, most build machines) the device
 * tests skip, printing why; IX_CUDA_REQUIRED=1 (the GPU check script) turns a skip into a failure.
 */
export const probe = await cudaBackend.probe();
export const skipReason = probe.available ? undefined : `no usable CUDA device: ${probe.reason}`;
if (skipReason) {
  if (process.env.IX_CUDA_REQUIRED === '1') throw new Error(`IX_CUDA_REQUIRED=1 but ${skipReason}`);
  console.warn(`[backend-cuda] skipping device tests: ${skipReason}`);
}
export const hasDevice = !skipReason;

export function makeCuda(options: CudaOptions = {}): CudaBackend {
  return cudaBackend.create(options) as CudaBackend;
}

export { bytesOf, expectClose, maxAbsErr, randomF32, reference, rng, runBoth, runOn, tensorOn, type Constant, type GraphBuilder } from '@ix/kernel-testing';

/** Errors recorded by tests, printed once at the end of a file for the report. */
export const errorLog = (title: string) => sharedErrorLog('backend-cuda', title);
