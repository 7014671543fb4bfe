import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidArgumentError } from '@ix/core';
import { loadModel, type Model, Session, TopK } from '../src/index.js';
import { BUNDLED_STORIES, SHARED_MODELS, STORIES_GREEDY_200, hasShared } from './helpers/shared-models.js';

/** Greedy decoding from BOS must reproduce the published text exactly. */
async function greedy(model: Model, kvType: 'F16' | 'F32' = 'F16'): Promise<string> {
  const session = model.createSession({ contextLength: 512, kvType });
  let text = '';
  for await (const chunk of session.generate('', { temperature: 0, maxTokens: 200 })) text += chunk.text;
  return text;
}

const opened: Model[] = [];
afterAll(async () => {
  for (const m of opened) await m.dispose();
});

async function load(path: string, tokenizerPath?: string): Promise<Model> {
  const m = await loadModel(path, { backend: 'reference', tokenizerPath });
  opened.push(m);
  return m;
}

describe('stories260K greedy decoding on the reference backend', () => {
  it('from the bundled GGUF, F16 and F32 KV cache', async () => {
    const m = await load(BUNDLED_STORIES);
    expect(await greedy(m, 'F16')).toBe(STORIES_GREEDY_200);
    expect(await greedy(m, 'F32')).toBe(STORIES_GREEDY_200);
  });

  it.skipIf(!hasShared)('from the legacy llama2.c checkpoint and tok512.bin', async () => {
    const dir = join(SHARED_MODELS, 'stories260K');
    const m = await load(join(dir, 'stories260K.bin'), join(dir, 'tok512.bin'));
    expect(await greedy(m)).toBe(STORIES_GREEDY_200);
  });

  it.skipIf(!hasShared)('from the version 1 (ak42) llama2.c checkpoint', async () => {
    const dir = join(SHARED_MODELS, 'stories260K');
    const m = await load(join(dir, 'stories260K_v1.bin'), join(dir, 'tok512.bin'));
    expect(await greedy(m)).toBe(STORIES_GREEDY_200);
  });
});

describe('a model from bytes (no path: what a browser has)', () => {
  // the same file as an ArrayBuffer, a Uint8Array, a Blob and a fetch Response: greedy decoding must
  // reproduce the published text, with no tensor left pointing at a file to map
  const bytes = () => new Uint8Array(readFileSync(BUNDLED_STORIES));
  it.each([
    ['Uint8Array', () => bytes()],
    ['ArrayBuffer', () => bytes().slice().buffer],
    ['Blob', () => new Blob([bytes()])],
    ['Response', () => new Response(bytes())],
  ] as const)('from a %s: the published greedy text', async (_, make) => {
    const m = await loadModel(make(), { backend: 'reference' });
    opened.push(m);
    expect([...m.file.tensors.values()].every((t) => t.file === undefined)).toBe(true);
    expect(await greedy(m)).toBe(STORIES_GREEDY_200);
  });

  it('what bytes cannot be: not GGUF, truncated, a failed response, another type', async () => {
    await expect(loadModel(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]))).rejects.toThrow(/from bytes ix reads GGUF files only/);
    await expect(loadModel(bytes().subarray(0, 4000))).rejects.toMatchObject({ code: 'MODEL_FORMAT' });
    await expect(loadModel(new Response('gone', { status: 404, statusText: 'Not Found' }))).rejects.toThrow(/HTTP 404 Not Found/);
    await expect(loadModel(42 as unknown as Uint8Array)).rejects.toThrow(/expected a path, a Uint8Array/);
  });
});

describe('session behaviour', () => {
  it('streams the same text as a one-shot generation and reports usage', async () => {
    const m = await load(BUNDLED_STORIES);
    const s = m.createSession({ contextLength: 128 });
    const it = s.generate('Once upon a time', { temperature: 0, maxTokens: 20 });
    let streamed = '';
    let r = await it.next();
    while (!r.done) {
      streamed += r.value.text;
      r = await it.next();
    }
    expect(r.value.text).toBe(streamed);
    expect(r.value.completionTokens).toBe(20);
    expect(r.value.finishReason).toBe('length');
    expect(r.value.promptTokens).toBe(m.tokenizer.encode('Once upon a time').length);
  });

  it('reuses the cached prefix: evaluating a longer prompt gives the same logits as from scratch', async () => {
    const m = await load(BUNDLED_STORIES);
    const toks = m.tokenizer.encode('Once upon a time, there was a little girl');
    const a = m.createSession({ contextLength: 64 });
    await a.evaluate(toks.slice(0, 5));
    const reused = await a.evaluate(toks);
    const fresh = await m.createSession({ contextLength: 64 }).evaluate(toks);
    expect(Array.from(reused)).toEqual(Array.from(fresh));
  });

  it('one batched step over several sessions gives each the logits it gets alone', async () => {
    const m = await load(BUNDLED_STORIES);
    const prompts = ['Once upon a time', 'Lily and Tim went to the park', 'The dog'].map((p) => m.tokenizer.encode(p));
    const alone = await Promise.all(prompts.map((p) => m.createSession({ contextLength: 64 }).evaluate(p)));
    const sessions = prompts.map(() => m.createSession({ contextLength: 64 }));
    // first a prefill of different lengths, then decode steps where every session adds one token
    const batched = await Session.evaluateBatch(sessions.map((session, i) => ({ session, tokens: prompts[i]! })));
    batched.forEach((l, i) => expect(Array.from(l)).toEqual(Array.from(alone[i]!)));
    const next = prompts.map((p) => [...p, 300]);
    // reuseLogits: views of the model's step array, the same values, overwritten by the next step
    const step = await Session.evaluateBatch(
      sessions.map((session, i) => ({ session, tokens: next[i]! })),
      { reuseLogits: true },
    );
    const stepValues = step.map((l) => Array.from(l));
    for (let i = 0; i < next.length; i++) {
      expect(stepValues[i]).toEqual(Array.from(await m.createSession({ contextLength: 64 }).evaluate(next[i]!)));
      expect(sessions[i]!.tokens).toEqual(next[i]);
    }
    expect(new Set(step.map((l) => l.buffer)).size).toBe(1);
    const again = await Session.evaluateBatch([{ session: sessions[0]!, tokens: [...next[0]!, 301] }], { reuseLogits: true });
    expect(again[0]!.buffer).toBe(step[0]!.buffer);
  });

  it('stepBatch finds each row\'s best tokens on the backend, as a selection over its logits does', async () => {
    const m = await load(BUNDLED_STORIES);
    const prompts = ['Once upon a time', 'The dog'].map((p) => m.tokenizer.encode(p));
    const sessions = prompts.map(() => m.createSession({ contextLength: 64 }));
    for (const reuseLogits of [false, true]) {
      const rows = await Session.stepBatch(sessions.map((session, i) => ({ session, tokens: [...prompts[i]!, 300 + (reuseLogits ? 1 : 0)] })), { reuseLogits, candidates: 64 });
      for (const row of rows) {
        const sel = new TopK();
        const n = sel.select(row.logits, 64);
        expect(Array.from(row.candidates!)).toEqual(Array.from(sel.ids.subarray(0, n)));
      }
    }
    await expect(Session.stepBatch([{ session: sessions[0]!, tokens: [1] }], { candidates: 0 })).rejects.toThrow(InvalidArgumentError);
  });

  it('stops at a stop string without emitting it', async () => {
    const m = await load(BUNDLED_STORIES);
    const s = m.createSession({ contextLength: 256 });
    let text = '';
    const it = s.generate('', { temperature: 0, maxTokens: 200, stop: ['Lily'] });
    let r = await it.next();
    while (!r.done) {
      text += r.value.text;
      r = await it.next();
    }
    expect(text).toBe(STORIES_GREEDY_200.slice(0, STORIES_GREEDY_200.indexOf('Lily')));
    expect(r.value.finishReason).toBe('stop');
  });

  it('ends with finishReason "context" when the context fills, and refuses a prompt that cannot fit', async () => {
    const m = await load(BUNDLED_STORIES);
    const s = m.createSession({ contextLength: 16 });
    let n = 0;
    const it = s.generate('', { temperature: 0 });
    let r = await it.next();
    while (!r.done) {
      if (r.value.token >= 0) n++;
      r = await it.next();
    }
    expect(r.value.finishReason).toBe('context');
    expect(n).toBe(16);
    const long = Array.from({ length: 17 }, () => 300);
    await expect(s.evaluate(long)).rejects.toMatchObject({ code: 'CONTEXT_FULL' });
  });

  it('an aborted signal ends generation with finishReason "aborted"', async () => {
    const m = await load(BUNDLED_STORIES);
    const ac = new AbortController();
    const it = m.createSession({ contextLength: 128 }).generate('', { temperature: 0, signal: ac.signal });
    await it.next();
    ac.abort();
    let r = await it.next();
    while (!r.done) r = await it.next();
    expect(r.value.finishReason).toBe('aborted');
  });

  it('a disposed session frees its cache and refuses further use', async () => {
    const m = await load(BUNDLED_STORIES);
    const s = m.createSession({ contextLength: 8 });
    await s.evaluate([1, 300]);
    s.dispose();
    await expect(s.evaluate([1])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('chat without a template is a clear error', async () => {
    const m = await load(BUNDLED_STORIES);
    expect(() => m.promptTokens([{ role: 'user', content: 'hi' }])).toThrow(/chat template/i);
  });

  it('bad input: unknown backend, token ids outside the vocabulary, missing files', async () => {
    await expect(loadModel(BUNDLED_STORIES, { backend: 'nope' })).rejects.toMatchObject({ code: 'UNKNOWN_BACKEND' });
    const m = await load(BUNDLED_STORIES);
    await expect(m.createSession({ contextLength: 8 }).evaluate([1, 9999])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(loadModel('/nonexistent/model.gguf')).rejects.toMatchObject({ code: 'MODEL_FORMAT' });
  });
});
