/**
 * Peer test: llama.cpp (node-llama-cpp, prebuilt CPU binaries, never built or downloaded) loads a
 * GGUF that ix re-wrote tensor by tensor with all its metadata, and a 2-shard split of it, and
 * must tokenize and greedily continue exactly like the original stories260K.gguf.
 */
import path from 'node:path';
import { getLlama, type Llama, type LlamaModel } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ggufSplitPath } from '../src/formats/gguf/split.js';
import { GGUFValueType } from '../src/formats/gguf/types.js';
import { writeGGUF, type GGUFTensorInput } from '../src/formats/gguf/writer.js';
import type { ModelFile } from '../src/formats/model-file.js';
import { FileSink } from '../src/formats/node-source.js';
import { openModel } from '../src/formats/open-model.js';
import type { DTypeName } from '@ix/core';
import { STORIES_GGUF, tempDir } from './fixtures/model-files.js';

const TEXTS = ['Once upon a time', 'Lily saw a big, red ball.', ' The dog ran to the park and', 'Tom said, "I want to play!"'];
const STEPS = 48;

function tensorInputs(model: ModelFile, names: string[]): GGUFTensorInput[] {
  return names.map((n) => {
    const t = model.tensors.get(n)!;
    return { name: n, shape: t.shape, dtype: t.dtype as DTypeName, data: () => t.read() };
  });
}

async function greedy(model: LlamaModel, text: string): Promise<number[]> {
  const ctx = await model.createContext({ contextSize: 256, threads: 1 });
  try {
    const seq = ctx.getSequence();
    const out: number[] = [];
    for await (const token of seq.evaluate(model.tokenize(text) as never, { temperature: 0 })) {
      out.push(token as number);
      if (out.length >= STEPS) break;
    }
    return out;
  } finally {
    await ctx.dispose();
  }
}

describe('node-llama-cpp loads GGUF files written by ix', () => {
  const tmp = tempDir();
  let llama: Llama;
  const models: LlamaModel[] = [];
  const rewritten = path.join(tmp.dir, 'stories260K.ix.gguf');
  const splitPrefix = path.join(tmp.dir, 'stories260K.ix');

  beforeAll(async () => {
    const orig = await openModel(STORIES_GGUF);
    const names = [...orig.tensors.keys()];
    await writeGGUF(await FileSink.create(rewritten), { metadata: orig.metadata, types: orig.metadataTypes, tensors: tensorInputs(orig, names) });
    const half = names.length / 2;
    for (const [i, part] of [names.slice(0, half), names.slice(half)].entries()) {
      await writeGGUF(await FileSink.create(ggufSplitPath(splitPrefix, i, 2)), {
        metadata: { ...(i === 0 ? orig.metadata : { 'general.architecture': 'llama' }), 'split.no': i, 'split.count': 2, 'split.tensors.count': names.length },
        types: { ...(i === 0 ? orig.metadataTypes : {}), 'split.no': GGUFValueType.UINT16, 'split.count': GGUFValueType.UINT16, 'split.tensors.count': GGUFValueType.INT32 },
        tensors: tensorInputs(orig, part),
      });
    }
    await orig.close();
    llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' as never });
    for (const modelPath of [STORIES_GGUF, rewritten, ggufSplitPath(splitPrefix, 0, 2)]) models.push(await llama.loadModel({ modelPath }));
  });
  afterAll(async () => {
    for (const m of models) await m.dispose();
    await llama?.dispose();
    tmp.cleanup();
  });

  it('same tokenization', () => {
    for (const text of TEXTS) {
      const expected = models[0]!.tokenize(text);
      expect(expected.length).toBeGreaterThan(2);
      for (const m of models.slice(1)) expect(m.tokenize(text)).toEqual(expected);
    }
  });

  it('same greedy continuation', async () => {
    for (const text of TEXTS) {
      const expected = await greedy(models[0]!, text);
      expect(expected.length).toBe(STEPS);
      for (const m of models.slice(1)) expect(await greedy(m, text)).toEqual(expected);
    }
    console.info(`"Once upon a time" ->${models[0]!.detokenize((await greedy(models[1]!, 'Once upon a time')) as never)}`);
  });
});
