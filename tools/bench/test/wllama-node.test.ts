/**
 * The WebAssembly peer in Node (src/wllama-node.ts): @wllama/wllama 2.3.7, llama.cpp compiled to
 * WebAssembly, on worker_threads, single-thread and multi-thread builds. It must reproduce
 * stories260K's published greedy text, so the benchmark's Node side measures a peer that
 * really runs (and runs the threads it reports).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

import { quiet } from '../src/wasm-sides.js';
import { installWebWorker } from '../src/wllama-node.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const EXPECTED = readFileSync(path.join(REPO, 'models/stories260K/greedy-200.txt'), 'utf8');
const wllamaDir = path.join(path.dirname(createRequire(import.meta.url).resolve('wllama2/package.json')), 'esm');

describe('wllama 2.3.7 in Node (the WebAssembly peer of tools/bench/wasm.js --runtime node)', () => {
  it.each([1, 2])('stories260K\'s published greedy text on %i thread(s)', async (threads) => {
    const uninstall = installWebWorker();
    try {
      const { Wllama } = await import('wllama2/esm/index.js');
      const file = (p: string) => pathToFileURL(path.join(wllamaDir, p)).href;
      const w = new Wllama({ 'single-thread/wllama.wasm': file('single-thread/wllama.wasm'), 'multi-thread/wllama.wasm': file('multi-thread/wllama.wasm') }, { suppressNativeLog: true, logger: quiet });
      await w.loadModel([new Blob([readFileSync(path.join(REPO, 'models/stories260K/stories260K.gguf'))])], { n_threads: threads, n_ctx: 256, n_batch: 256 });
      try {
        expect(w.getNumThreads()).toBe(threads);
        await w.samplingInit({ temp: 0 });
        await w.decode([w.getBOS()], {});
        const tokens: number[] = [];
        while (tokens.length < 200) {
          const { token } = await w.samplingSample();
          if (token === w.getEOS()) break;
          tokens.push(token);
          await w.decode([token], {});
        }
        // the first piece is "▁Once": llama.cpp drops that space only when it detokenizes after BOS
        expect(new TextDecoder().decode(await w.detokenize(tokens)).replace(/^ /, '')).toBe(EXPECTED);
      } finally {
        await w.exit();
      }
    } finally {
      uninstall();
    }
  }, 120_000);
});
