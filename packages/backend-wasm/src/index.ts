import { BackendUnavailableError, registerBackend, type BackendFactory, type DeviceInfo, type ProbeResult } from '@ix/core';
import { EngineBackend, SUPPORTED_OPS } from '@ix/cpu-engine';

import { physicalCores } from './cores.js';
import { loadModule } from './load.js';
import { resolveOptions, type ResolvedWasmOptions, type WasmOptions } from './options.js';
import { threadsUnavailable } from './threads.js';
import { WasmInstance, type WasmEngineContext } from './wasm.js';

export { WasmInstance, type InstanceOptions, type WasmEngineContext } from './wasm.js';
export { physicalCores } from './cores.js';
export type { Accuracy, WasmIsa, WasmOptions } from './options.js';

export const BACKEND_NAME = 'wasm';

/** The CPU engine compiled to WebAssembly (SIMD128): weights and activations in the module's linear memory. */
export class WasmBackend extends EngineBackend<WasmEngineContext> {
  constructor(
    readonly settings: ResolvedWasmOptions,
    device: DeviceInfo,
    private readonly instance: WasmInstance,
    /** an instance of its own, closed (its workers ended) with the backend */
    private readonly ownsInstance = false,
  ) {
    super(BACKEND_NAME, device, () => instance.engine(settings.isa, Math.min(settings.threads, instance.threads), settings.accuracy === 'fast', true, settings.compactLoops));
  }

  /** the threads it runs: settings.threads where the threaded module runs here and its workers are free, else fewer */
  get threads(): number {
    return this.context().threads;
  }

  override dispose(): void {
    super.dispose();
    if (this.ownsInstance) this.instance.close();
  }
}

/** the IX_* variables the engine reads (IX_CPU_PROFILE, ...), where there is a process environment */
function engineEnv(): Record<string, string> {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ?? {};
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[0].startsWith('IX_') && e[1] !== undefined));
}

const device = (s: ResolvedWasmOptions, threads: number, why?: string): DeviceInfo => ({
  kind: 'cpu',
  name: `WebAssembly ${s.isa === 'scalar' ? 'scalar' : 'SIMD128'}, ${threads} thread${threads === 1 ? '' : 's'}${why ? ` (${why})` : ''}`,
});

/** For more than one thread: the threaded module, or why this runtime runs one thread (neither: one was asked). */
async function threadedModule(threads: number): Promise<{ module?: WebAssembly.Module; why?: string }> {
  if (threads <= 1) return {};
  const unavailable = threadsUnavailable();
  if (unavailable) return { why: `one thread: ${unavailable}` };
  const load = await loadModule(true);
  return load.module ? { module: load.module } : { why: `one thread: ${load.error}` };
}

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
      settings = resolveOptions(isas, {}, engineEnv(), await physicalCores());
    } catch (err) {
      return { available: false, reason: err instanceof Error ? err.message : String(err), device: unknown, features: [], ops: {} };
    }
    const { why } = await threadedModule(settings.threads);
    const threads = why ? 1 : settings.threads;
    return {
      available: true,
      device: device(settings, threads, why),
      features: [...(settings.isa === 'scalar' ? [] : ['simd128']), ...(threads > 1 ? ['threads'] : [])],
      ops: SUPPORTED_OPS,
      details: { isa: settings.isa, isas: isas.join(','), accuracy: settings.accuracy, threads, compactLoops: settings.compactLoops, module: load.source },
    };
  },
  async create(options?: WasmOptions) {
    const env = engineEnv();
    const single = await loadModule();
    if (!single.module) throw new BackendUnavailableError(BACKEND_NAME, single.error);
    const settings = resolveOptions(await isasOf(single.module), options, env, await physicalCores());
    // more than one thread: the threaded module on workers, where this runtime can run it
    const threaded = await threadedModule(settings.threads);
    let why = threaded.why;
    if (threaded.module) {
      try {
        const instance = await WasmInstance.create(threaded.module, { env, threads: settings.threads });
        return new WasmBackend(settings, device(settings, settings.threads), instance, true);
      } catch (err) {
        why = `one thread: ${err instanceof Error ? err.message : String(err)}`;
      }
    }
    const instance = await WasmInstance.create(single.module, { env });
    return new WasmBackend(settings, device(settings, 1, why), instance, true);
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
