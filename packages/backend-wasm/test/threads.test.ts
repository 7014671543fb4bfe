/**
 * The threaded module (wasm/ix_cpu_mt.wasm): the engine's thread pool on workers over one shared
 * memory. Three threads (more than this machine's cores, so tasks interleave and split unevenly):
 * every weight type's matmul against the reference dequantizer, the shared rope/attention, decoder
 * and stories260K suites, the same tokens and logits as the one-thread module, a process that ends
 * with its workers, and the fallback to one thread where threads cannot run.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import type { DTypeName } from '@ix/core';
import { WEIGHT_DTYPES } from '@ix/cpu-engine';
import { decoderSuite, expectMatmulWithinBound, ropeAttentionSuite, storiesSuite } from '@ix/kernel-testing';
import { afterAll, describe, expect, it } from 'vitest';

// stories260K below loads through the backend factory: IX_THREADS is its thread count
process.env.IX_THREADS = '3';
const { DECODER_CASES, errorLog, hasModule, ISAS, skipReason } = await import('./helpers.js');
const { WasmBackend, WasmInstance, wasmBackend } = await import('../src/index.js');
const { loadModule } = await import('../src/load.js');
const { resolveOptions } = await import('../src/options.js');
type WasmOptions = import('../src/index.js').WasmOptions;

const THREADS = 3;
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const MODEL = fileURLToPath(new URL('../../../models/stories260K/stories260K.gguf', import.meta.url));

const threaded = hasModule ? await loadModule(true) : undefined;
if (hasModule && !threaded?.module) throw new Error(`the threaded module does not load: ${threaded?.error}`);
// instances for the suites' synchronous make(): an instance's two workers serve one live engine at
// a time, and the suites keep theirs alive, so each live backend gets an instance of its own
const instances = threaded?.module ? await Promise.all([1, 2, 3].map(() => WasmInstance.create(threaded.module!, { threads: THREADS }))) : [];
afterAll(() => instances.forEach((i) => i.close()));

function makeThreaded(options: WasmOptions = {}) {
  const instance = instances.find((i) => i.freeThreads === THREADS);
  if (!instance) throw new Error('every test instance holds a live engine: dispose one, or add an instance');
  const be = new WasmBackend(resolveOptions(ISAS, { ...options, threads: THREADS }), { kind: 'cpu', name: 'WebAssembly threads (test)' }, instance);
  expect(be.threads).toBe(THREADS);
  return be;
}

const ropeLog = errorLog('rope / write_rows / attention (3 threads)');
const decoderLog = errorLog('decoder (3 threads)');
const storiesLog = errorLog('stories260K (3 threads)');
afterAll(() => [ropeLog, decoderLog, storiesLog].forEach((l) => l.print()));

describe.skipIf(!hasModule)('the threaded module', () => {
  it('is a module of its own that imports a shared memory, and runs the asked threads', async () => {
    expect(threaded!.threaded).toBe(true);
    expect(threaded!.source).toMatch(/ix_cpu_mt\.wasm$/);
    expect(WasmInstance.isThreaded(threaded!.module!)).toBe(true);
    const be = (await wasmBackend.create({ threads: THREADS })) as InstanceType<typeof WasmBackend>;
    expect(be.threads).toBe(THREADS);
    expect(be.device.name).toBe('WebAssembly SIMD128, 3 threads');
    be.dispose();
    // a second live engine of one instance finds its workers taken: it runs on the calling thread alone
    const instance = await WasmInstance.create(threaded!.module!, { threads: THREADS });
    expect(instance.threads).toBe(THREADS);
    const first = new WasmBackend(resolveOptions(ISAS, { threads: THREADS }), be.device, instance);
    const second = new WasmBackend(resolveOptions(ISAS, { threads: THREADS }), be.device, instance);
    expect([first.threads, second.threads]).toEqual([THREADS, 1]);
    first.dispose();
    second.dispose();
    expect(instance.freeThreads).toBe(THREADS);
    instance.close();
  });

  const cases = WEIGHT_DTYPES.flatMap((dtype, i) => (['exact', 'fast'] as const).map((accuracy) => ({ dtype: dtype as DTypeName, accuracy, seed: 3000 + i })));
  it.each(cases)('matmul $dtype, $accuracy: within the bound of the reference dequantizer', async ({ dtype, accuracy, seed }) => {
    const be = makeThreaded({ accuracy });
    try {
      await expectMatmulWithinBound(be, dtype, accuracy, seed);
    } finally {
      be.dispose(); // its threads end and their workers go back to the instance
    }
  });

  it('the same greedy tokens as one thread, and logits within the reference tolerance of its', async () => {
    const { loadModel } = await import('@ix/llm');
    const one = await loadModel(MODEL, { backend: 'wasm', threads: 1 });
    const many = await loadModel(MODEL, { backend: 'wasm', threads: THREADS });
    try {
      expect(one.backend.device.name).toMatch(/, 1 thread$/);
      expect(many.backend.device.name).toMatch(/, 3 threads$/);
      const greedy = async (m: typeof one) => {
        const s = m.createSession({ contextLength: 256, kvType: 'F32' });
        const tokens: number[] = [];
        const logits: Float32Array[] = [];
        let step = await s.evaluate(m.tokenizer.encode('Once upon a time, there was a little dog'));
        for (let i = 0; i < 24; i++) {
          logits.push(step.slice());
          let best = 0;
          for (let j = 1; j < step.length; j++) if (step[j] > step[best]) best = j;
          tokens.push(best);
          step = await s.evaluate([best]);
        }
        return { tokens, logits };
      };
      const [a, b] = [await greedy(one), await greedy(many)];
      expect(b.tokens).toEqual(a.tokens);
      // close, not bit for bit (measured 5.7e-6 of logits up to 16): how rows and tokens are split
      // into tasks follows the thread count, and the threaded module is a build of its own
      let maxDiff = 0, maxAbs = 0;
      for (let i = 0; i < a.logits.length; i++) {
        for (let j = 0; j < a.logits[i].length; j++) {
          maxDiff = Math.max(maxDiff, Math.abs(a.logits[i][j] - b.logits[i][j]));
          maxAbs = Math.max(maxAbs, Math.abs(a.logits[i][j]));
        }
      }
      expect(maxDiff).toBeLessThanOrEqual(2e-5 * maxAbs);
    } finally {
      await one.dispose();
      await many.dispose();
    }
  });

  it('a process with live threads ends by itself, disposed or not', async () => {
    const script = (dispose: boolean) => `
      const { wasmBackend } = await import(${JSON.stringify(new URL('../dist/index.js', import.meta.url).href)});
      const be = await wasmBackend.create({ threads: 3 });
      const buf = be.allocate(16);
      be.upload(buf, 0, new Uint8Array(16).fill(7));
      console.log(be.device.name, be.download(buf, 0, 16).join(''));
      ${dispose ? 'be.dispose();' : ''}`;
    for (const dispose of [true, false]) {
      const r = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script(dispose)], { cwd: REPO, timeout: 30_000 });
      expect(r.stdout.trim()).toBe(`WebAssembly SIMD128, 3 threads ${'7'.repeat(16)}`);
    }
  });

  it('where threads cannot run (a page that is not cross-origin isolated): one thread, and the device says why', async () => {
    const g = globalThis as { crossOriginIsolated?: boolean };
    g.crossOriginIsolated = false;
    try {
      const be = await wasmBackend.create({ threads: 2 });
      expect(be.device.name).toMatch(/1 thread \(one thread: the page is not cross-origin isolated/);
      expect((be as InstanceType<typeof WasmBackend>).threads).toBe(1);
      be.dispose();
      const p = await wasmBackend.probe();
      expect(p.features).not.toContain('threads');
    } finally {
      delete g.crossOriginIsolated;
    }
  });

  it('bad thread counts are clear errors', () => {
    for (const threads of [0, 1.5, 257]) expect(() => resolveOptions(ISAS, { threads })).toThrow(/threads must be an integer in 1\.\.256/);
    expect(() => resolveOptions(ISAS, {}, { IX_THREADS: 'many' })).toThrow(/threads must be an integer/);
  });
});

ropeAttentionSuite({ label: 'wasm, 3 threads', hasDevice: hasModule, skipReason, make: () => makeThreaded(), log: ropeLog, ropeTolerance: 1e-6 });
decoderSuite({
  label: 'wasm, 3 threads', hasDevice: hasModule, skipReason, log: decoderLog, make: () => makeThreaded(),
  cases: DECODER_CASES,
});
storiesSuite({
  label: 'wasm, 3 threads', backend: 'wasm', tag: 'backend-wasm', hasDevice: hasModule, skipReason, log: storiesLog,
  after: (m) => expect(m.backend.device.name).toMatch(/, 3 threads$/),
});
