import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const run = async (args: string[]) =>
  promisify(execFile)(process.execPath, [CLI, ...args]).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );

describe('ix-model-gen command line', () => {
  it('bad flags are one line and the usage (exit 2); --help is the usage (exit 0)', async () => {
    const bad = await run(['--bogus']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: Unknown option '--bogus'\nusage: ix-model-gen/);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: ix-model-gen --preset/);
    expect((await run(['--preset', 'nope', '--gguf', 'x.gguf'])).stderr).toMatch(/^error: unknown preset "nope"/);
  });

  it('writes a model and, when stderr is not a terminal, one progress line instead of carriage returns', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ix-gen-cli-'));
    try {
      const r = await run(['--preset', 'qwen3-tiny', '--gguf', join(dir, 'm.gguf')]);
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('tensors 24/24\n');
      expect((await stat(join(dir, 'm.gguf'))).size).toBeGreaterThan(1 << 20);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
