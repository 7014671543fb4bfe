/**
 * The WebAssembly backend outside Node and browsers: Bun and Deno (their linux-x64 binaries are
 * this package's optional dependencies, from npm) load stories260K from the GGUF's bytes and print
 * its published greedy text, on one thread and on two (the threaded module on their Web Workers). Where a binary is not installed (another platform) the test skips;
 * in CI it must run.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const EXPECTED = readFileSync(path.join(HERE, '../../../models/stories260K/greedy-200.txt'), 'utf8');
const SCRIPT = path.join(HERE, '../scripts/runtime-stories.mjs');
const require = createRequire(import.meta.url);

const RUNTIMES = [
  { name: 'Bun', pkg: '@oven/bun-linux-x64', bin: 'bin/bun', args: [SCRIPT] },
  { name: 'Deno', pkg: '@deno/linux-x64-glibc', bin: 'deno', args: ['run', '--allow-read', '--allow-env', SCRIPT] },
];

function binaryOf(pkg: string, bin: string): string | undefined {
  try {
    return path.join(path.dirname(require.resolve(`${pkg}/package.json`)), bin);
  } catch {
    return undefined;
  }
}

describe('stories260K on the WebAssembly backend in other JavaScript runtimes', () => {
  for (const rt of RUNTIMES) {
    it(`${rt.name}: the published greedy text, on one thread and on two`, (ctx) => {
      const binary = binaryOf(rt.pkg, rt.bin);
      if (!binary) {
        expect(process.env.CI, `${rt.pkg} is not installed (linux-x64 only)`).toBeUndefined();
        ctx.skip();
      }
      const r = spawnSync(binary!, rt.args, { cwd: path.dirname(SCRIPT), encoding: 'utf8', timeout: 120_000, env: { ...process.env, NO_COLOR: '1' } });
      expect(r.status, `${rt.name} exited ${r.status}: ${r.stderr}`).toBe(0);
      const runs = r.stdout.trim().split('\n').slice(-2).map((l) => JSON.parse(l) as { backend: string; device: string; text: string });
      expect(runs.map((o) => o.device)).toEqual(['WebAssembly SIMD128, 1 thread', 'WebAssembly SIMD128, 2 threads']);
      for (const out of runs) {
        expect(out.backend).toBe('wasm');
        expect(out.text).toBe(EXPECTED);
      }
    }, 150_000);
  }
});
