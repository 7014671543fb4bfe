import { errorLog as sharedErrorLog, type DecoderCase } from '@ix/kernel-testing';

import { WasmBackend, WasmInstance, wasmBackend } from '../src/index.js';
import { loadModule } from '../src/load.js';
import { resolveOptions, type WasmOptions } from '../src/options.js';

/**
 * The module is built by this package's build (emscripten). Without it the tests skip, printing why;
 * IX_WASM_REQUIRED=1 (CI) turns the skip into a failure.
 */
const load = await loadModule();
export const skipReason = load.module ? undefined : load.error;
if (skipReason) {
  if (process.env.IX_WASM_REQUIRED === '1') throw new Error(`IX_WASM_REQUIRED=1 but ${skipReason}`);
  console.warn(`[backend-wasm] skipping: ${skipReason}`);
}
export const hasModule = !skipReason;

/** one instance for the synchronous make() the shared suites want: engines share its memory */
const instance = load.module ? await WasmInstance.create(load.module) : undefined;
export const ISAS = instance?.isas() ?? [];

export function makeWasm(options: WasmOptions = {}): WasmBackend {
  const settings = resolveOptions(ISAS, options);
  return new WasmBackend(settings, { kind: 'cpu', name: 'WebAssembly (test)' }, instance!);
}

export { wasmBackend };
export const errorLog = (title: string) => sharedErrorLog('backend-wasm', title);

/** the decoder suite's cases on this backend (one thread and the threaded module alike) */
export const DECODER_CASES: DecoderCase[] = [
  { upType: 'Q4_0', fallbacks: 0, prefill: 4, variant: 'wasm', tol: 3e-5 },
  { upType: 'Q5_K', fallbacks: 0, prefill: 4, variant: 'wasm', tol: 3e-5 },
];
