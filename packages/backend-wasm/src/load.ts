/**
 * A compiled module, once per process and kind: wasm/ix_cpu.wasm (SIMD128) where the runtime
 * validates SIMD128, else wasm/ix_cpu_nosimd.wasm (the same engine without a SIMD instruction: the
 * scalar kernels); asked for threads, wasm/ix_cpu_mt.wasm (SIMD128, shared memory, pthreads); beside
 * dist/; read with Node's fs where there is one, else fetched by URL (browsers, Deno).
 * IX_WASM_MODULE=nosimd picks the scalar one anyway (tests, comparisons). Reports (never throws) why
 * no module can be had.
 */
export type ModuleLoad =
  | { module: WebAssembly.Module; source: string; simd: boolean; threaded: boolean; error?: undefined }
  | { module?: undefined; source?: undefined; simd?: undefined; threaded?: undefined; error: string };

type Kind = 'simd' | 'nosimd' | 'threads';
const URLS: Record<Kind, URL> = {
  simd: new URL('../wasm/ix_cpu.wasm', import.meta.url),
  nosimd: new URL('../wasm/ix_cpu_nosimd.wasm', import.meta.url),
  threads: new URL('../wasm/ix_cpu_mt.wasm', import.meta.url),
};

// (module (func (result v128) (v128.const i32x4 0 0 0 0))): valid only where SIMD128 is
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 22, 1, 20, 0, 253, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 11]);

/** does this runtime validate SIMD128 instructions? */
export function hasSimd128(): boolean {
  return WebAssembly.validate(SIMD_PROBE);
}

const cached = new Map<Kind, Promise<ModuleLoad>>();

/** The module for one thread, or with `threaded` the one that runs threads (it needs SIMD128). */
export function loadModule(threaded = false): Promise<ModuleLoad> {
  const simd = wantsSimd();
  if (threaded && !simd) return Promise.resolve({ error: 'the threaded module needs SIMD128' });
  const kind: Kind = threaded ? 'threads' : simd ? 'simd' : 'nosimd';
  let load = cached.get(kind);
  if (!load) cached.set(kind, (load = compile(kind)));
  return load;
}

function wantsSimd(): boolean {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  return env?.IX_WASM_MODULE !== 'nosimd' && hasSimd128();
}

async function compile(kind: Kind): Promise<ModuleLoad> {
  const url = URLS[kind];
  const simd = kind !== 'nosimd';
  let bytes: ArrayBuffer | Uint8Array<ArrayBuffer>;
  try {
    if (url.protocol === 'file:') {
      const { readFile } = await import('node:fs/promises');
      bytes = new Uint8Array(await readFile(url));
    } else {
      const res = await fetch(url);
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      bytes = await res.arrayBuffer();
    }
  } catch (err) {
    return { error: `the engine's WebAssembly module ${url.href} could not be read (${err instanceof Error ? err.message : String(err)}); build it with \`npm run build\` in @ix/backend-wasm (needs emscripten)` };
  }
  try {
    return { module: await WebAssembly.compile(bytes), source: url.href, simd, threaded: kind === 'threads' };
  } catch (err) {
    // e.g. a runtime without wasm exceptions
    return { error: `this runtime cannot compile the engine's WebAssembly module${simd ? '' : ' (without SIMD128)'}: wasm exceptions${kind === 'threads' ? ' and threads (shared memory)' : ''} are needed: ${err instanceof Error ? err.message : String(err)}` };
  }
}
