import { errorLog as sharedErrorLog } from '@ix/kernel-testing';

import { loadOrt, makeNpuBackend, npuBackend, type NpuBackend, type NpuOptions } from '../src/index.js';

/**
 * onnxruntime-node ships its CPU EP for linux-x64 in the npm package, so CI runs every test on it.
 * Where it does not load the tests skip, printing why; IX_NPU_REQUIRED=1 (set by CI) fails instead.
 */
export const probe = await npuBackend.probe();
export const skipReason = probe.available ? undefined : `ONNX Runtime unavailable: ${probe.reason}`;
if (skipReason) {
  if (process.env.IX_NPU_REQUIRED === '1') throw new Error(`IX_NPU_REQUIRED=1 but ${skipReason}`);
  console.warn(`[backend-npu] skipping tests: ${skipReason}`);
}
export const hasDevice = !skipReason;
const loaded = await loadOrt();

/** A backend on the CPU EP (synchronously: the shared suites make theirs inside describe). */
export function make(options: NpuOptions = {}): NpuBackend {
  if ('error' in loaded) throw new Error(loaded.error);
  return makeNpuBackend(loaded.ort, { executionProviders: ['cpu'], ...options });
}

/**
 * The two lowerings: the CPU EP's default (dynamic shapes, ONNX Runtime's com.microsoft ops) and
 * what NPU EPs get (static shapes, standard ONNX ops only, weights as float32).
 */
export const VARIANTS: [string, NpuOptions][] = [['dynamic shapes, contrib ops', {}], ['static shapes, standard ops', { staticShapes: true, contribOps: false }]];
export const device: NpuBackend = hasDevice ? make() : undefined!;
export const variants: [string, NpuBackend][] = hasDevice ? VARIANTS.map(([name, o]) => [name, make(o)]) : [];

export { expectClose, randomF32, rng, runBoth, runOn } from '@ix/kernel-testing';

/** Errors recorded by tests, printed once at the end of a file for the report. */
export const errorLog = (title: string) => sharedErrorLog('backend-npu', title);
