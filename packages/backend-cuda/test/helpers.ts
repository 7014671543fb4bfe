import { errorLog as sharedErrorLog } from '@ix/kernel-testing';

import { cudaBackend, emulatorLibrary, type CudaBackend, type CudaOptions } from '../src/index.js';

const EMULATOR = emulatorLibrary();

/**
 * The device the tests run on: a real GPU when the driver has one; else the emulator, which runs the
 * same kernels as host code (every test, slowly, at CPU speed: index math, barriers, fusion, graphs);
 * else none, and the device tests skip saying why. IX_CUDA_REQUIRED=1 (the GPU check script) demands
 * a real GPU; IX_CUDA_EMULATOR=0 never uses the emulator.
 */
async function pickDevice() {
  const real = await cudaBackend.probe();
  if (real.available || process.env.IX_CUDA_LIBRARY || process.env.IX_CUDA_REQUIRED === '1' || process.env.IX_CUDA_EMULATOR === '0' || !EMULATOR) {
    return { probe: real, emulated: false };
  }
  process.env.IX_CUDA_LIBRARY = EMULATOR;
  return { probe: await cudaBackend.probe(), emulated: true, why: real.reason };
}
const picked = await pickDevice();
export const probe = picked.probe;
/** the tests run on the CPU emulator, not a GPU */
export const emulated = picked.emulated;
export const skipReason = probe.available ? undefined : `no usable CUDA device: ${probe.reason}`;
if (skipReason) {
  if (process.env.IX_CUDA_REQUIRED === '1') throw new Error(`IX_CUDA_REQUIRED=1 but ${skipReason}`);
  // CI: the emulator is built wherever nvcc is, so the device tests must run on it at least
  if (process.env.IX_CUDA_EMULATED_REQUIRED === '1') throw new Error(`IX_CUDA_EMULATED_REQUIRED=1 but ${skipReason} and no emulator was built (native/emu)`);
  console.warn(`[backend-cuda] skipping device tests: ${skipReason}`);
} else if (emulated) {
  console.warn(`[backend-cuda] no GPU (${picked.why}): the device tests run on the CPU emulator, native/emu`);
}
export const hasDevice = !skipReason;

export function makeCuda(options: CudaOptions = {}): CudaBackend {
  return cudaBackend.create(options) as CudaBackend;
}

export { bytesOf, expectClose, maxAbsErr, randomF32, reference, rng, runBoth, runOn, tensorOn, type Constant, type GraphBuilder } from '@ix/kernel-testing';

/** Errors recorded by tests, printed once at the end of a file for the report. */
export const errorLog = (title: string) => sharedErrorLog('backend-cuda', title);
