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
let site: { url: string; close(): Promise<void> };
let kernelSite: { url: string; close(): Promise<void> };

beforeAll(async () => {
  if (skipReason) return;
  const { serveStatic } = (await import(path.join(EXAMPLE, 'serve.mjs'))) as { serveStatic(root: string): Promise<{ url: string; close(): Promise<void> }> };
  execFileSync(process.execPath, [path.join(EXAMPLE, 'build.mjs')], { stdio: 'inherit' });
  site = await serveStatic(EXAMPLE);
  const { bundleForBrowser, copyWasm } = (await import(path.join(EXAMPLE, 'build.mjs'))) as {
    bundleForBrowser(entry: string, outdir: string): Promise<void>;
    copyWasm(root: string): void;
  };
  await bundleForBrowser(path.join(KERNELS, 'kernels.ts'), path.join(KERNELS, 'dist'));
  copyWasm(KERNELS);
  kernelSite = await serveStatic(KERNELS);
  // the flags a sandboxed, offline machine needs (no setuid sandbox as root, no background network)
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
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
  it('a GGUF fetched by the page: stories260K prints its published greedy text', async () => {
    const page = await browser.newPage();
    await page.goto(`${site.url}?autorun=stories260K.gguf&tokens=200`);
    expect(await generated(page)).toBe(EXPECTED);
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
  it('every weight type, on SIMD128 and scalar, exact and fast: within the reference dequantizer\'s bound', async () => {
    const page = await browser.newPage();
    await page.goto(`${kernelSite.url}kernels.html`);
    await page.waitForFunction(() => (window as unknown as { ixKernelResults?: unknown }).ixKernelResults !== undefined, undefined, { timeout: 240_000 });
    const results = (await page.evaluate(() => (window as unknown as { ixKernelResults: unknown }).ixKernelResults)) as { isa: string; dtype: string; accuracy: string; worst: number; error?: string }[];
    expect(results.length).toBe(2 * 2 * 16);
    for (const r of results) expect(r.worst, `${r.isa} ${r.dtype} ${r.accuracy} ${r.error ?? ''}`).toBeLessThanOrEqual(1);
    await page.close();
  });
});
