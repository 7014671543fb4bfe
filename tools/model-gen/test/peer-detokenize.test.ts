import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { continuationDecoder, loadModel } from '@ix/llm';
import { getLlama } from 'node-llama-cpp';
import { generateModel, PRESETS } from '../src/index.js';

/**
 * Text of generated tokens as a continuation of the prompt, against llama.cpp's detokenizer given
 * the prompt as its last tokens (node-llama-cpp `detokenize(tokens, false, lastTokens)`), for a
 * SentencePiece vocabulary (stories260K; llama-tiny's llama 2 tokenizer) and a byte-level BPE one
 * (qwen3-tiny): with and without BOS, the prompt ending mid-word, at a word's end and at a space.
 * A SentencePiece word-start piece keeps its space after a prompt with text, and loses it only at
 * the start of the text (after BOS alone, or nothing).
 */
const STORIES = fileURLToPath(new URL('../../../models/stories260K/stories260K.gguf', import.meta.url));
const TEXTS = [
  'Lily and Ben were playing in the park.',
  'Once upon a time, there was a little girl named Lily. ',
  'The cat sat  on the mat, and said "hello"!',
  ' leading space and trailing space ',
  'naïve café — 東京 tower 🙂 ok',
  'line one\nline two\n\n  indented',
  'x',
];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ix-detok-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function modelFile(name: string): Promise<string> {
  if (name === 'stories260K') return STORIES;
  const path = join(dir, `${name}.gguf`);
  if (!existsSync(path)) await generateModel({ ...PRESETS[name]!, seed: 3, gguf: path, quant: 'Q8_0' });
  return path;
}

describe('continuation text vs llama.cpp', () => {
  for (const name of ['stories260K', 'llama-tiny', 'qwen3-tiny']) {
    it(name, async () => {
      const path = await modelFile(name);
      const ix = await loadModel(path, { backend: 'reference' });
      const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' as never, progressLogs: false });
      const peer = await llama.loadModel({ modelPath: path, vocabOnly: true });
      try {
        const tok = ix.tokenizer;
        let checked = 0;
        for (const text of TEXTS) {
          for (const addSpecial of [true, false]) {
            const ids = tok.encode(text, { addSpecial });
            for (let cut = 0; cut < ids.length; cut++) {
              const prompt = ids.slice(0, cut);
              // a cut inside a character leaves bytes no detokenizer can show: not a prompt
              if (tok.decode(prompt).endsWith('\uFFFD')) continue;
              const generated = ids.slice(cut);
              // generation never emits BOS: the generated part starts after it
              if (tok.isSpecial(generated[0]!)) continue;
              const d = continuationDecoder(tok, prompt);
              let got = '';
              for (const id of generated) got += d.push(id);
              got += d.flush();
              const want = peer.detokenize(generated as never, false, prompt as never);
              expect(got, JSON.stringify({ text, addSpecial, cut })).toBe(want);
              checked++;
            }
          }
        }
        expect(checked).toBeGreaterThan(100);
      } finally {
        await peer.dispose();
        await ix.dispose();
      }
    });
  }
});
