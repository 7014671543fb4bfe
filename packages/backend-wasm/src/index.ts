import { BackendUnavailableError, registerBackend, type BackendFactory, type DeviceInfo, type ProbeResult } from '@ix/core';
import { EngineBackend, SUPPORTED_OPS, type EngineContext } from '@ix/cpu-engine';

import { loadModule } from './load.js';
import { resolveOptions, type ResolvedWasmOptions, type WasmOptions } from './options.js';
import { WasmInstance } from './wasm.js';

export { WasmInstance } from './wasm.js';
export type { Accuracy, WasmIsa, WasmOptions } from './options.js';

export const BACKEND_NAME = 'wasm';

/** The CPU engine compiled to WebAssembly (SIMD128): weights and activations in the module's linear memory. */
export class WasmBackend extends EngineBackend<EngineContext> {
  constructor(
    readonly settings: ResolvedWasmOptions,
    device: DeviceInfo,
    instance: WasmInstance,
  ) {
    super(BACKEND_NAME, device, () => instance.engine(settings.isa, settings.threads, settings.accuracy === 'fast', true));
  }
}

/** the IX_* variables the engine reads (IX_CPU_PROFILE, ...), where there is a process environment */
function engineEnv(): Record<string, string> {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ?? {};
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[0].startsWith('IX_') && e[1] !== undefined));
}

const device = (s: ResolvedWasmOptions): DeviceInfo => ({ kind: 'cpu', name: `WebAssembly ${s.isa === 'scalar' ? 'scalar' : 'SIMD128'}, ${s.threads} thread` });

export const wasmBackend: BackendFactory = {
  name: BACKEND_NAME,
  // below the native CPU backend, above the JavaScript reference
  priority: 10,
  async probe(): Promise<ProbeResult> {
    const unknown: DeviceInfo = { kind: 'cpu', name: 'WebAssembly' };
    const load = await loadModule();
    if (!load.module) return { available: false, reason: load.error, device: unknown, features: [], ops: {} };
    let isas: string[];
    let settings: ResolvedWasmOptions;
    try {
      isas = await isasOf(load.module);
      settings = resolveOptions(isas, {}, engineEnv());
    } catch (err) {
      return { available: false, reason: err instanceof Error ? err.message : String(err), device: unknown, features: [], ops: {} };
    }
    return {
      available: true,
      device: device(settings),
      features: settings.isa === 'scalar' ? [] : ['simd128'],
      ops: SUPPORTED_OPS,
      details: { isa: settings.isa, isas: isas.join(','), accuracy: settings.accuracy, threads: settings.threads, module: load.source },
    };
  },
  async create(options?: WasmOptions) {
    const load = await loadModule();
    if (!load.module) throw new BackendUnavailableError(BACKEND_NAME, load.error);
    const env = engineEnv();
    const instance = await WasmInstance.create(load.module, env);
    const settings = resolveOptions(instance.isas(), options, env);
    return new WasmBackend(settings, device(settings), instance);
  },
};

/** The kernel tables a module offers: asked of one instance (64 MB of memory) once per module, not per probe. */
const isaLists = new WeakMap<WebAssembly.Module, Promise<string[]>>();
function isasOf(module: WebAssembly.Module): Promise<string[]> {
  let list = isaLists.get(module);
  if (!list) {
    list = WasmInstance.create(module).then((instance) => instance.isas());
    // a failure is reported by this probe and tried again by the next
    list.catch(() => isaLists.delete(module));
    isaLists.set(module, list);
  }
  return list;
}

registerBackend(wasmBackend);
export default wasmBackend;
