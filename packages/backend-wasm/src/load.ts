/**
 * The compiled module, once per process: wasm/ix_cpu.wasm beside dist/, read with Node's fs where
 * there is one, else fetched by URL (browsers, Deno). Reports (never throws) why it cannot be had.
 */
export type ModuleLoad = { module: WebAssembly.Module; source: string; error?: undefined } | { module?: undefined; source?: undefined; error: string };

const MODULE_URL = new URL('../wasm/ix_cpu.wasm', import.meta.url);

let cached: Promise<ModuleLoad> | undefined;

export function loadModule(): Promise<ModuleLoad> {
  return (cached ??= compile());
}

async function compile(): Promise<ModuleLoad> {
  let bytes: ArrayBuffer | Uint8Array<ArrayBuffer>;
  try {
    if (MODULE_URL.protocol === 'file:') {
      const { readFile } = await import('node:fs/promises');
      bytes = new Uint8Array(await readFile(MODULE_URL));
    } else {
      const res = await fetch(MODULE_URL);
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      bytes = await res.arrayBuffer();
    }
  } catch (err) {
    return { error: `the engine's WebAssembly module ${MODULE_URL.href} could not be read (${err instanceof Error ? err.message : String(err)}); build it with \`npm run build\` in @ix/backend-wasm (needs emscripten)` };
  }
  try {
    return { module: await WebAssembly.compile(bytes), source: MODULE_URL.href };
  } catch (err) {
    // e.g. a runtime without SIMD128 or wasm exceptions
    return { error: `this runtime cannot compile the engine's WebAssembly module (SIMD128 and exceptions are needed): ${err instanceof Error ? err.message : String(err)}` };
  }
}
