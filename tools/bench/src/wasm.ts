/**
 * ix's WebAssembly backend against llama.cpp's WebAssembly builds (@wllama/wllama 2.3.7 and 3.8.1) on the same GGUF,
 * in one headless Chromium run (Debian's chromium; --chromium or IX_CHROMIUM for another) or, with
 * --runtime node, in this Node process (wllama 2.3.7 on worker_threads through wllama-node.ts;
 * 3.8.1 needs memory64, which Node 20 lacks), on --threads threads each (default 1; more: ix's
 * threaded module and wllama's multi-thread builds, on a cross-origin isolated page in Chromium):
 * prompt processing and generation tokens/s, medians of --repeats after a warm-up, as ratios to
 * wllama 2.3.7's wasm32 build.
 *   node tools/bench/dist/wasm.js --model model.gguf [-p 64] [-n 16] [-r 3] [-t 1] [--runtime chromium|node]
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { chromium } from 'playwright-core';

import type { Config, SideResult } from './wasm-sides.js';
import { median } from './stats.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    prompt: { type: 'string', short: 'p', default: '64' },
    gen: { type: 'string', short: 'n', default: '16' },
    repeats: { type: 'string', short: 'r', default: '3' },
    threads: { type: 'string', short: 't', default: '1' },
    chromium: { type: 'string', default: process.env.IX_CHROMIUM ?? '/usr/bin/chromium' },
    runtime: { type: 'string', default: 'chromium' },
  },
});
if (!values.model || !['chromium', 'node'].includes(values.runtime!)) {
  console.error('usage: node tools/bench/dist/wasm.js --model model.gguf [-p 64] [-n 16] [-r 3] [-t 1] [--runtime chromium|node] [--chromium path]');
  process.exit(2);
}

const require = createRequire(import.meta.url);
const wllamaDir = (pkg: string) => path.join(path.dirname(require.resolve(`${pkg}/package.json`)), 'esm');
const numbers = { threads: Number(values.threads), prompt: Number(values.prompt), gen: Number(values.gen), repeats: Number(values.repeats) };
const results = values.runtime === 'node' ? await inNode() : await inChromium();
report(results);

async function inNode(): Promise<SideResult[]> {
  const { ix, wllama2 } = await import('./wasm-sides.js');
  const file = (p: string) => pathToFileURL(p).href;
  const cfg: Config = {
    model: file(values.model!),
    wllamaWasm: file(path.join(wllamaDir('@wllama/wllama'), 'wasm/wllama.wasm')),
    wllama2Wasm: file(path.join(wllamaDir('wllama2'), 'single-thread/wllama.wasm')),
    wllama2MtWasm: file(path.join(wllamaDir('wllama2'), 'multi-thread/wllama.wasm')),
    ...numbers,
  };
  const blob = new Blob([readFileSync(values.model!)]);
  const out = [await ix(blob, cfg, 'exact'), await ix(blob, cfg, 'fast')];
  // wllama's Web Worker only while it runs (ix's backend takes worker_threads itself where there is no Worker)
  const { installWebWorker } = await import('./wllama-node.js');
  const uninstall = installWebWorker();
  try {
    out.push(await wllama2(blob, cfg));
  } finally {
    uninstall();
  }
  return out;
}

async function inChromium(): Promise<SideResult[]> {
  const REPO = fileURLToPath(new URL('../../../', import.meta.url));
  const { bundleForBrowser, copyWasm } = (await import(path.join(REPO, 'examples/browser/build.mjs'))) as {
    bundleForBrowser(entry: string, outdir: string): Promise<void>;
    copyWasm(root: string): Promise<void>;
  };
  const { serveStatic } = (await import(path.join(REPO, 'examples/browser/serve.mjs'))) as { serveStatic(root: string): Promise<{ url: string; close(): Promise<void> }> };
  const site = mkdtempSync(path.join(tmpdir(), 'ix-wasm-bench-'));
  try {
    await bundleForBrowser(fileURLToPath(new URL('../src/wasm-page.ts', import.meta.url)), path.join(site, 'dist'));
    await copyWasm(site);
    copyFileSync(path.join(wllamaDir('@wllama/wllama'), 'wasm/wllama.wasm'), path.join(site, 'wllama.wasm'));
    copyFileSync(path.join(wllamaDir('wllama2'), 'single-thread/wllama.wasm'), path.join(site, 'wllama2.wasm'));
    copyFileSync(path.join(wllamaDir('wllama2'), 'multi-thread/wllama.wasm'), path.join(site, 'wllama2-mt.wasm'));
    copyFileSync(values.model!, path.join(site, 'model.gguf'));
    writeFileSync(path.join(site, 'index.html'), '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><script type="module" src="./dist/wasm-page.js"></script>');
    const server = await serveStatic(site);
    const browser = await chromium.launch({
      executablePath: values.chromium,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = await browser.newPage();
      page.on('console', (m) => m.type() === 'error' && console.error(`[page] ${m.text()}`));
      await page.goto(server.url);
      await page.waitForFunction(() => 'ixWasmBench' in window);
      const cfg: Config = { model: 'model.gguf', wllamaWasm: `${server.url}wllama.wasm`, wllama2Wasm: `${server.url}wllama2.wasm`, wllama2MtWasm: `${server.url}wllama2-mt.wasm`, ...numbers };
      return (await page.evaluate((c) => (window as unknown as { ixWasmBench(c: unknown): Promise<unknown> }).ixWasmBench(c), cfg)) as SideResult[];
    } finally {
      await browser.close();
      await server.close();
    }
  } finally {
    rmSync(site, { recursive: true, force: true });
  }
}

function report(results: SideResult[]): void {
  // the peer: llama.cpp's wasm32 build (the memory64 one pays a bounds check on every access)
  const peer = results.find((r) => r.name.startsWith('wllama 2'))!;
  console.log(`${path.basename(values.model!)}, ${values.runtime === 'node' ? `Node ${process.version}` : 'headless Chromium'}, ${values.threads} thread(s) each, CPU: ${cpus()[0]?.model ?? 'unknown'}`);
  console.log(`medians of ${values.repeats} after a warm-up; prompt tokens: ${results.map((r) => `${r.name} ${r.promptTokens}`).join(', ')}`);
  console.log('side                       pp t/s    tg t/s    pp ratio  tg ratio');
  for (const r of results) {
    const pp = median(r.pp), tg = median(r.tg);
    console.log(`${r.name.padEnd(26)} ${pp.toFixed(2).padStart(7)}   ${tg.toFixed(2).padStart(7)}   ${(pp / median(peer.pp)).toFixed(2).padStart(7)}x  ${(tg / median(peer.tg)).toFixed(2).padStart(7)}x`);
  }
}
