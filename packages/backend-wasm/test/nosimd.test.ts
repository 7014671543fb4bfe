/**
 * The module without SIMD128 (wasm/ix_cpu_nosimd.wasm), what runtimes that cannot compile SIMD
 * instructions get: IX_WASM_MODULE=nosimd picks it here. It offers the scalar kernels only, runs the
 * shared decoder suite and stories260K's published text, and holds no SIMD instruction (read back
 * by binaryen's wasm-dis, which Debian's emscripten brings).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { decoderSuite, storiesSuite } from '@ix/kernel-testing';
import { afterAll, describe, expect, it } from 'vitest';

process.env.IX_WASM_MODULE = 'nosimd';
// imported after the variable is set: the module is chosen when first loaded
const { errorLog, hasModule, ISAS, makeWasm, skipReason } = await import('./helpers.js');
const { loadModule, hasSimd128 } = await import('../src/load.js');
const { wasmBackend } = await import('../src/index.js');

const decoderLog = errorLog('decoder (no SIMD module)');
const storiesLog = errorLog('stories260K (no SIMD module)');
afterAll(() => [decoderLog, storiesLog].forEach((l) => l.print()));

describe.skipIf(!hasModule)('the module without SIMD128', () => {
  it('is the one loaded, offers the scalar kernels only, and says so in probe()', async () => {
    const load = await loadModule();
    expect(load.simd).toBe(false);
    expect(load.source).toMatch(/ix_cpu_nosimd\.wasm$/);
    expect(ISAS).toEqual(['scalar']);
    const p = await wasmBackend.probe();
    expect(p.available).toBe(true);
    expect(p.features).toEqual([]);
    expect(p.details).toMatchObject({ isa: 'scalar', isas: 'scalar' });
    // this runtime has SIMD128: the choice above was the variable's
    expect(hasSimd128()).toBe(true);
  });

  it('holds no SIMD instruction (wasm-dis)', (ctx) => {
    const file = fileURLToPath(new URL('../wasm/ix_cpu_nosimd.wasm', import.meta.url));
    const r = spawnSync('wasm-dis', [file], { encoding: 'utf8', maxBuffer: 256 << 20 });
    if (r.error) ctx.skip();
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/\(func /);
    expect(r.stdout).not.toMatch(/v128|[if](8|16|32|64)x\d+\./);
  });
});

decoderSuite({
  label: 'wasm (no SIMD module)', hasDevice: hasModule, skipReason, log: decoderLog, make: () => makeWasm(),
  cases: [{ upType: 'Q4_0', fallbacks: 0, prefill: 4, variant: 'wasm', tol: 3e-5 }],
});
storiesSuite({ label: 'wasm (no SIMD module)', backend: 'wasm', tag: 'backend-wasm', hasDevice: hasModule, skipReason, log: storiesLog });
