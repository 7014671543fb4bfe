/** openModel format detection and describeModel against the stories260K facts in SOURCE.md. */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError, ModelFormatError } from '@ix/core';
import { describeModel } from '../src/formats/describe.js';
import { openModel } from '../src/formats/open-model.js';
import { tokenizerFromGGUF } from '../src/tokenizer/index.js';
import { STORIES_BIN, STORIES_GGUF, STORIES_V1, TOK512, tempDir } from './fixtures/model-files.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

describe('openModel + describeModel', () => {
  it('GGUF: 48 tensors, 292,800 elements (output.weight is a stored copy), tokenizer in the metadata', async () => {
    const m = await openModel(STORIES_GGUF);
    expect(m.format).toBe('gguf');
    const d = describeModel(m);
    expect(d).toMatchObject({
      format: 'gguf',
      architecture: 'llama',
      parameterCount: 292_800,
      tensorCount: 48,
      tensorTypes: [{ dtype: 'F32', count: 48, bytes: 292_800 * 4 }],
      contextLength: 2048,
      tokenizer: 'gguf',
      hasChatTemplate: false,
    });
    // the tokenizer engineer's GGUF tokenizer accepts the metadata as read
    const tok = tokenizerFromGGUF((m.tokenizerSource as { metadata: Record<string, unknown> }).metadata);
    expect([tok.vocabSize, tok.bos, tok.eos]).toEqual([512, 1, 2]);
    await m.close();
  });

  it.each([
    ['legacy', STORIES_BIN],
    ['version 1', STORIES_V1],
  ])('llama2.c %s: 260,032 unique parameters (tied output counted once), 512-token context', async (_, file) => {
    const m = await openModel(file, { tokenizerPath: TOK512 });
    const d = describeModel(m);
    expect(d).toMatchObject({ format: 'llama2c', parameterCount: 260_032, tensorCount: 48, contextLength: 512, tokenizer: 'llama2c' });
    expect(d.tensorTypes).toEqual([{ dtype: 'F32', count: 47, bytes: 260_032 * 4 }]);
    await m.close();
  });

  it('picks up tokenizer.bin next to a llama2.c checkpoint', async () => {
    const dir = path.join(tmp.dir, 'l2c');
    fs.mkdirSync(dir);
    fs.copyFileSync(STORIES_V1, path.join(dir, 'model.bin'));
    fs.copyFileSync(TOK512, path.join(dir, 'tokenizer.bin'));
    const m = await openModel(path.join(dir, 'model.bin'));
    expect(m.tokenizerSource?.kind).toBe('llama2c');
    await m.close();
  });

  it('quant option: matrices become Q8_0 where rows are whole blocks', async () => {
    const m = await openModel(STORIES_GGUF, { quant: 'Q8_0' });
    const types = Object.fromEntries(describeModel(m).tensorTypes.map((t) => [t.dtype, t.count]));
    // 5 x (q, k, v, o, gate, up) + token_embd + output are 64 wide; 5 ffn_down (172 wide) and 11 norms stay F32
    expect(types).toEqual({ Q8_0: 32, F32: 16 });
    await m.close();
  });

  it('unknown files, missing paths and bad options are typed errors', async () => {
    const junk = path.join(tmp.dir, 'junk.dat');
    fs.writeFileSync(junk, 'hello world, not a model');
    await expect(openModel(junk)).rejects.toThrow(/unrecognised model format/);
    await expect(openModel(path.join(tmp.dir, 'nope.gguf'))).rejects.toBeInstanceOf(ModelFormatError);
    await expect(openModel(STORIES_GGUF, { quant: 'Q9_9' as never })).rejects.toBeInstanceOf(InvalidArgumentError);
    const truncated = path.join(tmp.dir, 'cut.gguf');
    fs.writeFileSync(truncated, fs.readFileSync(STORIES_GGUF).subarray(0, 500_000));
    const err = await openModel(truncated).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelFormatError);
    expect((err as ModelFormatError).file).toBe(truncated);
    expect((err as Error).message).toMatch(/beyond the end of the file/);
  });
});
