/**
 * llama2.c checkpoints and tokenizer.bin against SOURCE.md: the legacy and version-1 files hold
 * the same weights as the GGUF (bit for bit, same internal names and shapes), tied embeddings
 * appear as output.weight sharing token_embd's bytes, and tok512.bin is the GGUF vocabulary.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelFormatError } from '@ix/core';
import { readLlama2cCheckpoint } from '../src/formats/llama2c/checkpoint.js';
import { readLlama2cTokenizer } from '../src/formats/llama2c/tokenizer.js';
import { FileSource } from '../src/formats/node-source.js';
import { openModel } from '../src/formats/open-model.js';
import { MemorySource } from '../src/formats/source.js';
import { equalBytes, STORIES_BIN, STORIES_GGUF, STORIES_V1, TOK512, tempDir } from './fixtures/model-files.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

describe('stories260K llama2.c checkpoints', () => {
  it.each([
    ['legacy', STORIES_BIN, 0],
    ['version 1', STORIES_V1, 1],
  ])('%s .bin: header and config as in SOURCE.md', async (_, file, version) => {
    const src = await FileSource.open(file);
    const { header, config, tensors } = await readLlama2cCheckpoint(src);
    await src.close();
    expect(header).toEqual({ version, dim: 64, hiddenDim: 172, nLayers: 5, nHeads: 8, nKVHeads: 4, vocabSize: 512, seqLen: 512, sharedClassifier: true });
    expect(config).toMatchObject({
      architecture: 'llama',
      vocabSize: 512,
      hiddenSize: 64,
      intermediateSize: 172,
      nLayers: 5,
      nHeads: 8,
      nKVHeads: 4,
      headDim: 8,
      contextLength: 512,
      ropeTheta: 10000,
      ropeDims: 8,
      ropeType: 'normal',
      normEps: 1e-5,
      normType: 'rms',
      tiedEmbeddings: true,
    });
    // 47 stored arrays + output.weight aliasing token_embd
    expect(tensors.length).toBe(48);
    const embd = tensors.find((t) => t.name === 'token_embd.weight')!;
    const out = tensors.find((t) => t.name === 'output.weight')!;
    expect([out.file, out.offset]).toEqual([embd.file, embd.offset]);
    // legacy: token embedding right after the 28-byte header; v1: after the 256-byte header and 2*5*64+64 norm floats
    expect(embd.offset).toBe(version === 0 ? 28 : 256 + 4 * (2 * 5 * 64 + 64));
  });

  it('legacy, version 1 and GGUF give bit-identical tensors under the same names and shapes', async () => {
    const gguf = await openModel(STORIES_GGUF);
    const legacy = await openModel(STORIES_BIN);
    const v1 = await openModel(STORIES_V1);
    for (const m of [legacy, v1]) {
      expect([...m.tensors.keys()].sort()).toEqual([...gguf.tensors.keys()].sort());
      for (const [name, t] of gguf.tensors) {
        const other = m.tensors.get(name)!;
        expect(other.shape, name).toEqual(t.shape);
        expect(equalBytes(await other.read(), await t.read()), name).toBe(true);
      }
    }
    await Promise.all([gguf, legacy, v1].map((m) => m.close()));
  });
});

describe('tokenizer.bin', () => {
  it('tok512.bin holds the GGUF vocabulary (U+2581 as space, BOS/EOS as \\n<s>\\n, \\n</s>\\n) and scores', async () => {
    const src = await FileSource.open(TOK512);
    const vocab = await readLlama2cTokenizer(src, 512);
    await src.close();
    const gguf = await openModel(STORIES_GGUF);
    const tokens = gguf.metadata['tokenizer.ggml.tokens'] as string[];
    const scores = gguf.metadata['tokenizer.ggml.scores'] as Float32Array;
    expect(vocab.tokens.slice(0, 4)).toEqual(['<unk>', '\n<s>\n', '\n</s>\n', '<0x00>']);
    for (let i = 3; i < 512; i++) expect(vocab.tokens[i]).toBe(tokens[i]!.replaceAll('\u2581', ' '));
    expect(vocab.scores).toEqual(Array.from(scores));
    expect(vocab.scores[300]).toBe(-(300 - 259));
    await gguf.close();
  });

  it('openModel attaches it as the llama2c tokenizer source', async () => {
    const m = await openModel(STORIES_BIN, { tokenizerPath: TOK512 });
    expect(m.tokenizerSource?.kind).toBe('llama2c');
    const src = m.tokenizerSource as { tokens: string[]; scores: number[] };
    expect(src.tokens.length).toBe(512);
    expect(src.scores.length).toBe(512);
    await m.close();
  });

  it('a truncated tokenizer.bin is a ModelFormatError naming the file', async () => {
    const bytes = fs.readFileSync(TOK512).subarray(0, 3000);
    const err = await readLlama2cTokenizer(new MemorySource('tok.bin', bytes), 512).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelFormatError);
    expect((err as ModelFormatError).file).toBe('tok.bin');
  });
});

describe('malformed checkpoints', () => {
  const header = (ints: number[], size: number, magic = false) => {
    const b = new Uint8Array(size);
    const v = new DataView(b.buffer);
    if (magic) {
      v.setUint32(0, 0x616b3432, true);
      ints.forEach((x, i) => v.setInt32(4 + 4 * i, x, true));
    } else ints.forEach((x, i) => v.setInt32(4 * i, x, true));
    return b;
  };
  const cases: [string, Uint8Array, RegExp][] = [
    ['too small', new Uint8Array(10), /too small/],
    ['version 2 (int8)', header([2, 64, 172, 5, 8, 4, 512, 512], 256, true), /version 2 is not supported/],
    ['negative dims', header([-64, 172, 5, 8, 4, 512, 512], 1000), /implausible/],
    ['heads do not divide', header([64, 172, 5, 7, 4, 512, 512], 1000), /divide evenly/],
    ['size mismatch (the GGUF header read as llama2.c)', header([64, 172, 5, 8, 4, 512, 512], 1000), /is 1056540 bytes, the file has 1000/],
    ['2^31 layers (no per-layer list is built)', header([64, 172, 2 ** 31 - 1, 8, 4, 512, 512], 1000), /bytes, the file has 1000/],
  ];
  it.each(cases)('%s', async (_, bytes, message) => {
    const err = await readLlama2cCheckpoint(new MemorySource('bad.bin', bytes)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelFormatError);
    expect((err as Error).message).toMatch(message);
  });

  it('a stories260K.bin cut short is refused', async () => {
    const file = path.join(tmp.dir, 'short.bin');
    fs.writeFileSync(file, fs.readFileSync(STORIES_BIN).subarray(0, 500_000));
    await expect(openModel(file)).rejects.toThrow(/the file has 500000/);
  });
});
