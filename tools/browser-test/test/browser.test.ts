import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';


/**
 * examples/browser in headless Chromium (Debian's `chromium`; IX_CHROMIUM names another binary): the
 * page bundles @ix/llm and @ix/backend-wasm (examples/browser/build.mjs), so what runs is what a web
 * app gets. Without a Chromium the tests skip, printing why; IX_BROWSER_REQUIRED=1 (CI) fails instead.
 */
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const EXAMPLE = path.join(REPO, 'examples/browser');
const KERNELS = fileURLToPath(new URL('../src/', import.meta.url));
const EXPECTED = readFileSync(path.join(REPO, 'models/stories260K/greedy-200.txt'), 'utf8');
const CHROMIUM = process.env.IX_CHROMIUM ?? '/usr/bin/chromium';
const skipReason = existsSync(CHROMIUM) ? undefined : `no Chromium at ${CHROMIUM} (apt install chromium, or set IX_CHROMIUM)`;
if (skipReason) {
  if (process.env.IX_BROWSER_REQUIRED === '1') throw new Error(`IX_BROWSER_REQUIRED=1 but ${skipReason}`);
  console.warn(`[browser-test] skipping: ${skipReason}`);
}

let browser: Browser;
let gpuBrowser: Browser;
/** the flags a sandboxed, offline machine needs (no setuid sandbox as root, no background network) */
const OFFLINE = ['--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const WEBGPU_SWIFTSHADER = ['--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-webgpu-adapter=swiftshader', '--enable-unsafe-swiftshader'];
let site: { url: string; close(): Promise<void> };
/** the example without the cross-origin isolation headers: no SharedArrayBuffer, no threads */
let plainSite: { url: string; close(): Promise<void> };
let kernelSite: { url: string; close(): Promise<void> };

beforeAll(async () => {
  if (skipReason) return;
  const { serveStatic } = (await import(path.join(EXAMPLE, 'serve.mjs'))) as { serveStatic(root: string, port?: number, o?: { isolated?: boolean }): Promise<{ url: string; close(): Promise<void> }> };
  execFileSync(process.execPath, [path.join(EXAMPLE, 'build.mjs')], { stdio: 'inherit' });
  site = await serveStatic(EXAMPLE);
  plainSite = await serveStatic(EXAMPLE, 0, { isolated: false });
  const { bundleForBrowser, copyWasm } = (await import(path.join(EXAMPLE, 'build.mjs'))) as {
    bundleForBrowser(entry: string, outdir: string): Promise<void>;
    copyWasm(root: string): Promise<void>;
  };
  await bundleForBrowser(path.join(KERNELS, 'kernels.ts'), path.join(KERNELS, 'dist'));
  await bundleForBrowser(path.join(KERNELS, 'webgpu-kernels.ts'), path.join(KERNELS, 'dist'));
  await copyWasm(KERNELS);
  kernelSite = await serveStatic(KERNELS);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [...OFFLINE, '--disable-gpu'],
  });
  // WebGPU on SwiftShader, Chromium's own CPU Vulkan driver: what a machine without a GPU can offer
  gpuBrowser = await chromium.launch({ executablePath: CHROMIUM, args: [...OFFLINE, ...WEBGPU_SWIFTSHADER] });
});

afterAll(async () => {
  await browser?.close();
  await gpuBrowser?.close();
  await site?.close();
  await plainSite?.close();
  await kernelSite?.close();
});

/** the page's text once it says it is done (or failed: then the status names the error) */
async function generated(page: Page): Promise<string> {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.waitForSelector('body[data-state="done"], body[data-state="error"]', { timeout: 240_000 });
  const status = await page.textContent('#status');
  expect(await page.getAttribute('body', 'data-state'), `${status} ${errors.join('; ')}`).toBe('done');
  expect(status).toMatch(/^200 tokens in .* tokens\/s\)$/);
  return (await page.textContent('#out')) ?? '';
}

describe.skipIf(!!skipReason)('examples/browser in headless Chromium', () => {
  it('a GGUF fetched by the page: stories260K prints its published greedy text (no GPU: WebAssembly)', async () => {
    const page = await browser.newPage();
    await page.goto(`${site.url}?autorun=stories260K.gguf&tokens=200`);
    expect(await generated(page)).toBe(EXPECTED);
    expect(await page.getAttribute('body', 'data-backend')).toBe('wasm');
    await page.close();
  });

  it('with WebGPU on: the same text on the WebGPU backend, and a software adapter ranks below WebAssembly', async () => {
    const page = await gpuBrowser.newPage();
    await page.goto(`${site.url}?autorun=stories260K.gguf&tokens=200&backend=webgpu`);
    expect(await generated(page)).toBe(EXPECTED);
    expect(await page.getAttribute('body', 'data-backend')).toBe('webgpu');
    await page.goto(`${site.url}?autorun=stories260K.gguf&tokens=20`);
    await page.waitForSelector('body[data-state="done"], body[data-state="error"]', { timeout: 240_000 });
    expect(await page.getAttribute('body', 'data-backend')).toBe('wasm');
    await page.close();
  });

  it('on two threads (the page is cross-origin isolated): the same text', async () => {
    const page = await browser.newPage();
    await page.goto(`${site.url}?autorun=stories260K.gguf&tokens=200&backend=wasm&threads=2`);
    expect(await generated(page)).toBe(EXPECTED);
    expect(await page.getAttribute('body', 'data-device')).toBe('WebAssembly SIMD128, 2 threads');
    await page.close();
  });

  it('a page that is not cross-origin isolated, asked for two threads: one thread, the reason in the device name, the same text', async () => {
    const page = await browser.newPage();
    await page.goto(`${plainSite.url}?autorun=stories260K.gguf&tokens=200&backend=wasm&threads=2`);
    expect(await generated(page)).toBe(EXPECTED);
    expect(await page.getAttribute('body', 'data-device')).toMatch(/^WebAssembly SIMD128, 1 thread \(one thread: the page is not cross-origin isolated/);
    await page.close();
  });

  it('a GGUF picked with the file input (a File): the same text', async () => {
    const page = await browser.newPage();
    await page.goto(site.url);
    await page.setInputFiles('#file', path.join(REPO, 'models/stories260K/stories260K.gguf'));
    expect(await generated(page)).toBe(EXPECTED);
    await page.close();
  });
});

describe.skipIf(!!skipReason)('the kernels in headless Chromium', () => {
  it('WebGPU (SwiftShader): every weight type\'s matmul and get_rows, and rms_norm → rope → softmax, equal the reference', async () => {
    const page = await gpuBrowser.newPage();
    await page.goto(`${kernelSite.url}webgpu-kernels.html`);
    await page.waitForFunction(() => (window as unknown as { ixWebGpuResults?: unknown }).ixWebGpuResults !== undefined, undefined, { timeout: 240_000 });
    const results = (await page.evaluate(() => (window as unknown as { ixWebGpuResults: unknown }).ixWebGpuResults)) as { name: string; relErr: number; error?: string }[];
    expect(results[0]!.name, results[0]!.error).toMatch(/^adapter: /);
    expect(results.length).toBe(1 + 7 * 3 + 1);
    for (const r of results) expect(r.relErr, `${r.name} ${r.error ?? ''}`).toBeLessThan(1e-5);
    await page.close();
  });

  it('every weight type, on SIMD128 and scalar, exact and fast, and on SIMD128 with two threads: within the reference dequantizer\'s bound; rope, attention and the two-layer decoder on one and two threads: within their suites\' tolerances', async () => {
    const page = await browser.newPage();
    await page.goto(`${kernelSite.url}kernels.html`);
    await page.waitForFunction(() => (window as unknown as { ixKernelResults?: unknown }).ixKernelResults !== undefined, undefined, { timeout: 240_000 });
    const results = (await page.evaluate(() => (window as unknown as { ixKernelResults: unknown }).ixKernelResults)) as { isa: string; dtype: string; accuracy: string; worst: number; error?: string }[];
    // matmul: 16 weight types x 2 modes on SIMD128, scalar and SIMD128 x 2 threads; then 4 rope and
    // 2 x 6 attention problems and 2 decoder cases on 1 and on 2 threads
    expect(results.length).toBe(3 * 2 * 16 + 2 * (4 + 2 * 6 + 2));
    expect(results.filter((r) => r.isa === 'wasm-simd128, 2 threads').length).toBe(2 * 16 + 4 + 2 * 6 + 2);
    for (const r of results) expect(r.worst, `${r.isa} ${r.dtype} ${r.accuracy} ${r.error ?? ''}`).toBeLessThanOrEqual(1);
    await page.close();
  });
});
