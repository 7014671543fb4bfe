import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { ggufTensorBytes, rowPieces } from '../src/generate.js';
import { PRESETS, tensorSpecs } from '../src/shapes.js';

/**
 * Tensors made on worker threads, whole or in row pieces, are the bytes one thread makes: a file
 * does not depend on the thread count.
 */
const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

describe('tensors made apart', () => {
  it.each([
    ['llama-tiny', 'Q4_K_M'],
    ['qwen3moe-tiny', 'Q4_0'],
    ['gemma2-tiny', 'Q8_0'],
  ] as const)('%s %s: row pieces concatenate to the whole tensor, and tensors that cannot be cut are made whole', (preset, quant) => {
    const { arch } = PRESETS[preset]!;
    // a small vocabulary: TypeScript's K-quants are slow on 32000-row tables
    const shape = { ...PRESETS[preset]!.shape, vocabSize: 512 };
    const o = { arch, shape, seed: 3, quant };
    let cut = 0;
    tensorSpecs(arch, shape).forEach((t, i) => {
      const pieces = rowPieces(o, i, 2000);
      if (/\.attn_[qk]\.weight$/.test(t.name) && arch === 'llama') expect(pieces, t.name).toBeUndefined(); // rows permuted per head
      if (arch === 'gemma2' && t.kind === 'norm') expect(pieces, t.name).toBeUndefined(); // stored as 1 + w
      if (!pieces) return;
      cut++;
      const whole = ggufTensorBytes(o, i);
      const parts = pieces.map((p) => ggufTensorBytes(o, i, p));
      expect(parts.reduce((n, p) => n + p.byteLength, 0), t.name).toBe(whole.byteLength);
      let at = 0;
      for (const p of parts) {
        expect(Buffer.compare(p, whole.subarray(at, at + p.byteLength)), t.name).toBe(0);
        at += p.byteLength;
      }
    });
    expect(cut).toBeGreaterThan(3);
  });

  it('the command line writes the same file with 1 and 3 threads', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ix-gen-threads-'));
    try {
      const files = [];
      for (const threads of ['1', '3']) {
        const file = join(dir, `m${threads}.gguf`);
        await promisify(execFile)(process.execPath, [CLI, '--preset', 'qwen3moe-tiny', '--quant', 'Q4_K_M', '--threads', threads, '--gguf', file]);
        files.push(await readFile(file));
      }
      expect(files[0]!.byteLength).toBeGreaterThan(1 << 20);
      expect(Buffer.compare(files[0]!, files[1]!)).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
