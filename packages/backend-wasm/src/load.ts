/**
 * The compiled module, once per process: wasm/ix_cpu.wasm (SIMD128) where the runtime validates
 * SIMD128, else wasm/ix_cpu_nosimd.wasm (the same engine without a SIMD instruction: the scalar
 * kernels), beside dist/; read with Node's fs where there is one, else fetched by URL (browsers,
 * Deno). IX_WASM_MODULE=nosimd picks the second anyway (tests, comparisons). Reports (never throws)
 * why no module can be had.
 */
export type ModuleLoad = { module: WebAssembly.Module; source: string; simd: boolean; error?: undefined } | { module?: undefined; source?: undefined; simd?: undefined; error: string };

const SIMD_URL = new URL('../wasm/ix_cpu.wasm', import.meta.url);
const NO_SIMD_URL = new URL('../wasm/ix_cpu_nosimd.wasm', import.meta.url);

// (module (func (result v128) (v128.const i32x4 0 0 0 0))): valid only where SIMD128 is
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 22, 1, 20, 0, 253, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 11]);

/** does this runtime validate SIMD128 instructions? */
export function hasSimd128(): boolean {
  return WebAssembly.validate(SIMD_PROBE);
}

let cached: Promise<ModuleLoad> | undefined;

export function loadModule(): Promise<ModuleLoad> {
  return (cached ??= compile(wantsSimd()));
}

function wantsSimd(): boolean {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  return env?.IX_WASM_MODULE !== 'nosimd' && hasSimd128();
}

async function compile(simd: boolean): Promise<ModuleLoad> {
  const url = simd ? SIMD_URL : NO_SIMD_URL;
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
    return { module: await WebAssembly.compile(bytes), source: url.href, simd };
  } catch (err) {
    // e.g. a runtime without wasm exceptions
    return { error: `this runtime cannot compile the engine's WebAssembly module${simd ? '' : ' (without SIMD128)'}: wasm exceptions are needed: ${err instanceof Error ? err.message : String(err)}` };
  }
}
