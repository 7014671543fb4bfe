#!/usr/bin/env node
// Bundles main.js with @ix/llm, @ix/backend-webgpu and @ix/backend-wasm for the browser (esbuild) into dist/, and puts
// beside it what the page fetches: the engine's module (wasm/ix_cpu.wasm, where the bundled
// backend-wasm looks for it) and the bundled stories260K model.
// Node built-ins are only on paths a page never takes (reading files by path, profiles): they
// become stubs that throw if called.
import { copyFileSync, mkdirSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { build } from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

// a built-in with or without its node: prefix (bundled packages drop it)
const builtin = new RegExp(`^(node:)?(${builtinModules.map((m) => m.replace(/[/]/g, '\\/')).join('|')})$`);
const nodeStubs = {
  name: 'node-stubs',
  setup(b) {
    b.onResolve({ filter: builtin }, (args) => ({ path: args.path, namespace: 'node-stub' }));
    b.onLoad({ filter: /.*/, namespace: 'node-stub' }, (args) => ({
      contents: `module.exports = new Proxy({}, { get: (_, key) => key === '__esModule' ? false : () => { throw new Error(${JSON.stringify(`${args.path} is not available in a browser`)}); } });`,
      loader: 'js',
    }));
  },
};

/** Bundle `entry` (and what it imports) for the browser into `outdir`. */
export async function bundleForBrowser(entry, outdir) {
  await build({ entryPoints: [entry], bundle: true, format: 'esm', platform: 'browser', target: 'es2022', outdir, plugins: [nodeStubs], logLevel: 'warning' });
}

/**
 * The engine's modules, where a bundle in <root>/dist looks for them (<root>/wasm/ix_cpu.wasm,
 * ix_cpu_nosimd.wasm for browsers without SIMD128, ix_cpu_mt.wasm for threads), and the script of
 * the threads' workers, bundled beside it (<root>/dist/thread-worker.js).
 */
export async function copyWasm(root) {
  const pkg = path.dirname(require.resolve('@ix/backend-wasm/package.json'));
  mkdirSync(path.join(root, 'wasm'), { recursive: true });
  for (const name of ['ix_cpu.wasm', 'ix_cpu_nosimd.wasm', 'ix_cpu_mt.wasm']) copyFileSync(path.join(pkg, 'wasm', name), path.join(root, 'wasm', name));
  await bundleForBrowser(path.join(pkg, 'dist', 'thread-worker.js'), path.join(root, 'dist'));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await bundleForBrowser(path.join(here, 'main.js'), path.join(here, 'dist'));
  await copyWasm(here);
  copyFileSync(path.join(here, '../../models/stories260K/stories260K.gguf'), path.join(here, 'stories260K.gguf'));
  console.log('examples/browser: dist/main.js, dist/thread-worker.js, wasm/*.wasm, stories260K.gguf (serve it: node examples/browser/serve.mjs)');
}
