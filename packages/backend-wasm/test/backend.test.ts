import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { InvalidArgumentError } from '@ix/core';
import { describe, expect, it } from 'vitest';

import { resolveOptions } from '../src/options.js';
import { hasModule, ISAS, makeWasm, skipReason, wasmBackend } from './helpers.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const EXPECTED = readFileSync(new URL('../../../models/stories260K/greedy-200.txt', import.meta.url), 'utf8');

describe.skipIf(!hasModule)(`wasm backend${skipReason ? ` (${skipReason})` : ''}`, () => {
  it('probes as available on SIMD128, below cpu-avx and above the reference', async () => {
    const p = await wasmBackend.probe();
    expect(p.available).toBe(true);
    expect(p.features).toEqual(['simd128', ...(Number(p.details?.threads) > 1 ? ['threads'] : [])]);
    expect(p.details?.isa).toBe('wasm-simd128');
    expect(ISAS).toEqual(['wasm-simd128', 'scalar']);
    expect(wasmBackend.priority).toBeGreaterThan(0);
    expect(wasmBackend.priority).toBeLessThan(100);
  });

  it('ix run --backend wasm prints the published greedy text of stories260K', async () => {
    const r = await promisify(execFile)(process.execPath, ['packages/cli/dist/ix.js', 'run', 'models/stories260K/stories260K.gguf', '--temp', '0', '-n', '200', '--backend', 'wasm'], { cwd: REPO });
    expect(r.stderr).toContain('backend "wasm"');
    expect(r.stdout).toBe(EXPECTED + '\n');
  });

  it('a GGUF from a Blob (a browser File): no path, no mapping, the published text', async () => {
    const { loadModel } = await import('@ix/llm');
    const bytes = readFileSync(new URL('../../../models/stories260K/stories260K.gguf', import.meta.url));
    const m = await loadModel(new Blob([bytes]), { backend: 'wasm' });
    try {
      expect(m.backend.name).toBe('wasm');
      let text = '';
      for await (const chunk of m.createSession({ contextLength: 512 }).generate('', { temperature: 0, maxTokens: 200 })) text += chunk.text;
      expect(text).toBe(EXPECTED);
    } finally {
      await m.dispose();
    }
  });

  it('bad options, foreign or freed buffers and a disposed backend are clear errors, not crashes', async () => {
    expect(() => resolveOptions(ISAS, { isa: 'avx2' as 'scalar' })).toThrow(/unknown ISA "avx2"/);
    expect(() => resolveOptions(ISAS, {}, { IX_WASM_ACCURACY: 'sloppy' })).toThrow(/accuracy/);
    expect(() => resolveOptions(ISAS, {}, { IX_WASM_COMPACT_LOOPS: 'yes' })).toThrow(/IX_WASM_COMPACT_LOOPS must be 0 or 1/);
    expect(resolveOptions(ISAS, {}, { IX_WASM_COMPACT_LOOPS: '0' }).compactLoops).toBe(false);
    expect(resolveOptions(ISAS, { compactLoops: true }, { IX_WASM_COMPACT_LOOPS: '0' }).compactLoops).toBe(true);
    const be = makeWasm();
    const other = makeWasm();
    const buf = be.allocate(64);
    expect(() => be.upload(buf, 60, new Uint8Array(8))).toThrow(InvalidArgumentError);
    expect(() => be.upload(buf, 60, new Uint8Array(8))).toThrow(/out of range|outside|bounds/i);
    expect(() => other.download(buf, 0, 4)).toThrow(/does not belong/);
    be.free(buf);
    expect(() => be.download(buf, 0, 4)).toThrow(/does not belong to this backend or was freed/);
    // a hostile program straight to the engine (past EngineBackend's own checks): decoded and
    // bounds-checked in the module before anything runs; a clear error, and the engine lives on
    const { WasmInstance } = await import('../src/wasm.js');
    const { loadModule } = await import('../src/load.js');
    const engine = (await WasmInstance.create((await loadModule()).module!)).engine('scalar', 1, false, true);
    const id = engine.allocate(16);
    const tensor = (buffer: number, offset: number) => [buffer, offset, 0, 1, 4]; // F32 [4]
    const add = (a: number[], b: number[], c: number[]) => Float64Array.of(1, 1, 3, 3, ...a, ...b, ...c, 0);
    expect(() => engine.compute(add(tensor(id, 0), tensor(id, 0), tensor(999, 0)))).toThrow(/buffer/i);
    expect(() => engine.compute(add(tensor(id, 8), tensor(id, 0), tensor(id, 0)))).toThrow(/outside|out of range|bounds|exceeds/i);
    expect(() => engine.compute(Float64Array.of(7, 1))).toThrow(/version/i);
    engine.compute(add(tensor(id, 0), tensor(id, 0), tensor(id, 0)));
    engine.dispose();
    be.dispose();
    expect(() => be.allocate(8)).toThrow(/disposed/);
    other.dispose();
  });
});
