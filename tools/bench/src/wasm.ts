/**
 * ix's WebAssembly backend against llama.cpp's WebAssembly builds (@wllama/wllama 2.3.7 and 3.8.1) on the same GGUF,
 * in one headless Chromium run (Debian's chromium; --chromium or IX_CHROMIUM for another), on
 * --threads threads each (default 1; more: ix's threaded module and wllama's multi-thread builds,
 * on a cross-origin isolated page): prompt processing and generation tokens/s, medians of
 * --repeats after a warm-up, as ratios to wllama 2.3.7's wasm32 build.
 *   node tools/bench/dist/wasm.js --model model.gguf [-p 64] [-n 16] [-r 3] [-t 1]
 */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

import type { SideResult } from './wasm-page.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    prompt: { type: 'string', short: 'p', default: '64' },
    gen: { type: 'string', short: 'n', default: '16' },
    repeats: { type: 'string', short: 'r', default: '3' },
    threads: { type: 'string', short: 't', default: '1' },
    chromium: { type: 'string', default: process.env.IX_CHROMIUM ?? '/usr/bin/chromium' },
  },
});
if (!values.model) {
  console.error('usage: node tools/bench/dist/wasm.js --model model.gguf [-p 64] [-n 16] [-r 3] [-t 1] [--chromium path]');
  process.exit(2);
}

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const require = createRequire(import.meta.url);
const { bundleForBrowser, copyWasm } = (await import(path.join(REPO, 'examples/browser/build.mjs'))) as {
  bundleForBrowser(entry: string, outdir: string): Promise<void>;
  copyWasm(root: string): Promise<void>;
};
const { serveStatic } = (await import(path.join(REPO, 'examples/browser/serve.mjs'))) as { serveStatic(root: string): Promise<{ url: string; close(): Promise<void> }> };

const site = mkdtempSync(path.join(tmpdir(), 'ix-wasm-bench-'));
try {
  await bundleForBrowser(fileURLToPath(new URL('../src/wasm-page.ts', import.meta.url)), path.join(site, 'dist'));
  await copyWasm(site);
  copyFileSync(path.join(path.dirname(require.resolve('@wllama/wllama/package.json')), 'esm/wasm/wllama.wasm'), path.join(site, 'wllama.wasm'));
  copyFileSync(path.join(path.dirname(require.resolve('wllama2/package.json')), 'esm/single-thread/wllama.wasm'), path.join(site, 'wllama2.wasm'));
  copyFileSync(path.join(path.dirname(require.resolve('wllama2/package.json')), 'esm/multi-thread/wllama.wasm'), path.join(site, 'wllama2-mt.wasm'));
  copyFileSync(values.model, path.join(site, 'model.gguf'));
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
    const cfg = { model: 'model.gguf', wllamaWasm: `${server.url}wllama.wasm`, wllama2Wasm: `${server.url}wllama2.wasm`, wllama2MtWasm: `${server.url}wllama2-mt.wasm`, threads: Number(values.threads), prompt: Number(values.prompt), gen: Number(values.gen), repeats: Number(values.repeats) };
    const results = (await page.evaluate((c) => (window as unknown as { ixWasmBench(c: unknown): Promise<unknown> }).ixWasmBench(c), cfg)) as SideResult[];
    report(results);
  } finally {
    await browser.close();
    await server.close();
  }
} finally {
  rmSync(site, { recursive: true, force: true });
}

function median(a: number[]): number {
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

function report(results: SideResult[]): void {
  // the peer: llama.cpp's wasm32 build (the memory64 one pays a bounds check on every access)
  const peer = results.find((r) => r.name.startsWith('wllama 2'))!;
  console.log(`${path.basename(values.model!)}, headless Chromium, ${values.threads} thread(s) each, CPU: ${cpus()[0]?.model ?? 'unknown'}`);
  console.log(`medians of ${values.repeats} after a warm-up; prompt tokens: ${results.map((r) => `${r.name} ${r.promptTokens}`).join(', ')}`);
  console.log('side                       pp t/s    tg t/s    pp ratio  tg ratio');
  for (const r of results) {
    const pp = median(r.pp), tg = median(r.tg);
    console.log(`${r.name.padEnd(26)} ${pp.toFixed(2).padStart(7)}   ${tg.toFixed(2).padStart(7)}   ${(pp / median(peer.pp)).toFixed(2).padStart(7)}x  ${(tg / median(peer.tg)).toFixed(2).padStart(7)}x`);
  }
}
