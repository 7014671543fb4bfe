/**
 * The embedding endpoints over a real BERT model (random weights of a real shape, written by
 * model-gen with all-MiniLM's WordPiece vocabulary from ../shared), through the `openai` and
 * `ollama` clients; vectors checked against llama.cpp's (node-llama-cpp) for the same GGUF.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import { Ollama } from 'ollama';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, type Model } from '@ix/llm';
import { generateModel, openEmbeddingPeer, PRESETS } from '@ix/model-gen';
import { CoreEngine } from '../src/core-engine.js';
import type { IxServer } from '../src/server.js';
import { json, startServer } from './helpers.js';

const TOKENIZER_DIR = fileURLToPath(new URL('../../../../shared/models/all-MiniLM-L6-v2-tokenizer-only', import.meta.url));
const STORIES = fileURLToPath(new URL('../../../models/stories260K/stories260K.gguf', import.meta.url));
const TEXTS = ['The cat sat on the mat.', 'Vectors of meaning: 東京 and café', 'a'];
const { arch, shape } = PRESETS['bert-tiny']!;

const norm = (v: ArrayLike<number>) => Math.hypot(...Array.from(v));
function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i]! * b[i]!;
  return dot / (norm(a) * norm(b));
}

describe.skipIf(!existsSync(TOKENIZER_DIR))('embeddings through the server (bert-tiny)', () => {
  let dir: string;
  let gguf: string;
  let model: Model;
  let server: IxServer;
  let url: string;
  let openai: OpenAI;
  let ollama: Ollama;
  let peer: number[][];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ix-server-embed-'));
    gguf = join(dir, 'bert-tiny.gguf');
    await generateModel({ arch, shape, seed: 21, gguf, quant: 'F32', tokenizerDir: TOKENIZER_DIR });
    const p = await openEmbeddingPeer(gguf, { contextSize: shape.contextLength });
    try {
      peer = [];
      for (const t of TEXTS) peer.push(await p.embed(t));
    } finally {
      await p.dispose();
    }
    model = await loadModel(gguf);
    ({ server, url } = await startServer({ engine: await CoreEngine.create(model), modelName: 'bert' }));
    openai = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'x', maxRetries: 0 });
    ollama = new Ollama({ host: url });
  });
  afterAll(async () => {
    await server?.close();
    await model?.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('OpenAI: texts in, unit vectors that match llama.cpp out, with usage (the client asks for base64 and decodes it)', async () => {
    const r = await openai.embeddings.create({ model: 'bert', input: TEXTS });
    expect(r.object).toBe('list');
    expect(r.data.map((d) => d.index)).toEqual([0, 1, 2]);
    r.data.forEach((d, i) => {
      expect(d.embedding).toHaveLength(shape.hiddenSize);
      expect(norm(d.embedding)).toBeCloseTo(1, 5);
      expect(cosine(d.embedding, peer[i]!)).toBeGreaterThanOrEqual(0.9999);
    });
    const tokens = TEXTS.map((t) => model.tokenizer.encode(t).length).reduce((a, b) => a + b, 0);
    expect(r.usage).toEqual({ prompt_tokens: tokens, total_tokens: tokens });
  });

  it('OpenAI: float and base64 give the same vectors; token ids, one text and dimensions are accepted', async () => {
    const res = await fetch(`${url}/v1/embeddings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'bert', input: TEXTS[0], encoding_format: 'float' }) });
    const asFloat = (await json(res)).data[0].embedding as number[];
    const res64 = await fetch(`${url}/v1/embeddings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'bert', input: TEXTS[0], encoding_format: 'base64' }) });
    const b = Buffer.from((await json(res64)).data[0].embedding as string, 'base64');
    expect(Array.from(new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4))).toEqual(asFloat);

    const ids = model.tokenizer.encode(TEXTS[0]!);
    const byIds = await openai.embeddings.create({ model: 'bert', input: [ids, ids], encoding_format: 'float' });
    expect(byIds.data[1]!.embedding).toEqual(asFloat);
    const single = await openai.embeddings.create({ model: 'bert', input: ids, encoding_format: 'float' });
    expect(single.data[0]!.embedding).toEqual(asFloat);

    const short = await openai.embeddings.create({ model: 'bert', input: TEXTS[0]!, dimensions: 16, encoding_format: 'float' });
    expect(short.data[0]!.embedding).toHaveLength(16);
    expect(norm(short.data[0]!.embedding)).toBeCloseTo(1, 5);
  });

  it('OpenAI: bad input is a 400 naming the field', async () => {
    const post = (body: unknown) => fetch(`${url}/v1/embeddings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const cases: [unknown, RegExp, string | null][] = [
      [{ model: 'bert', input: [] }, /input/, 'input'],
      [{ model: 'bert', input: ['ok', ''] }, /input\[1\] must not be an empty string/, 'input[1]'],
      [{ model: 'bert', input: 'x', dimensions: 65 }, /dimensions 65 exceeds the model's 64/, 'dimensions'],
      [{ model: 'bert', input: [1, 2, 99999999] }, /token 99999999 is outside the vocabulary/, null],
      [{ model: 'bert', input: 'word '.repeat(200) }, /input 0 has .*tokens but the model takes at most 128/, null],
      [{ model: 'bert', input: 'x', encoding_format: 'hex' }, /encoding_format/, 'encoding_format'],
    ];
    for (const [body, message, param] of cases) {
      const r = await post(body);
      expect(r.status, JSON.stringify(body).slice(0, 60)).toBe(400);
      const e = (await json(r)).error;
      expect(e.message).toMatch(message);
      if (param) expect(e.param).toBe(param);
    }
    const wrong = await post({ model: 'other', input: 'x' });
    expect(wrong.status).toBe(404);
  });

  it('concurrent requests (merged into shared passes) each get their own vectors; a bad one fails alone', async () => {
    const texts = Array.from({ length: 8 }, (_, i) => `query number ${i}: ${TEXTS[i % TEXTS.length]}`);
    const post = (input: unknown) => fetch(`${url}/v1/embeddings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'bert', input }) });
    const answers = await Promise.all([...texts.map((t) => post(t)), post(['fine', 'word '.repeat(200)])]);
    expect(answers.map((r) => r.status)).toEqual([...texts.map(() => 200), 400]);
    const bad = (await json(answers.at(-1)!)).error;
    expect(bad.message).toMatch(/^input 1 has/);
    for (const [i, r] of answers.slice(0, -1).entries()) {
      const got = (await json(r)).data[0].embedding as number[];
      const alone = (await model.embed([texts[i]!])).embeddings[0]!;
      expect(cosine(got, alone)).toBeGreaterThan(0.999999);
    }
  });

  it('Ollama: /api/embed gives unit vectors, truncates long inputs by default; legacy /api/embeddings the raw vector', async () => {
    const r = await ollama.embed({ model: 'bert', input: TEXTS });
    expect(r.embeddings).toHaveLength(3);
    r.embeddings.forEach((e, i) => expect(cosine(e, peer[i]!)).toBeGreaterThanOrEqual(0.9999));
    expect(r.prompt_eval_count).toBe(TEXTS.map((t) => model.tokenizer.encode(t).length).reduce((a, b) => a + b, 0));

    const long = 'word '.repeat(300);
    const cut = await ollama.embed({ model: 'bert:latest', input: long });
    expect(cut.prompt_eval_count).toBe(shape.contextLength);
    // the cut input is the first tokens and the closing [SEP], as the library embeds them
    const ids = model.tokenizer.encode(long);
    const want = (await model.embed([[...ids.slice(0, shape.contextLength - 1), ids.at(-1)!]])).embeddings[0]!;
    expect(cosine(cut.embeddings[0]!, want)).toBeGreaterThan(0.999999);
    await expect(ollama.embed({ model: 'bert', input: long, truncate: false })).rejects.toThrow(/input 0 has .*tokens but the model takes at most 128/);

    const legacy = await ollama.embeddings({ model: 'bert', prompt: TEXTS[0]! });
    expect(norm(legacy.embedding)).not.toBeCloseTo(1, 2);
    expect(cosine(legacy.embedding, r.embeddings[0]!)).toBeGreaterThan(0.999999);
  });

  it('generation endpoints refuse an embedding model, in each dialect', async () => {
    await expect(openai.chat.completions.create({ model: 'bert', messages: [{ role: 'user', content: 'hi' }] })).rejects.toMatchObject({ status: 400, code: 'model_not_generative' });
    await expect(openai.completions.create({ model: 'bert', prompt: 'hi' })).rejects.toMatchObject({ status: 400 });
    await expect(ollama.generate({ model: 'bert', prompt: 'hi' })).rejects.toThrow(/embedding model/);
    await expect(ollama.chat({ model: 'bert', messages: [{ role: 'user', content: 'hi' }] })).rejects.toThrow(/embedding model/);
    const show = await ollama.show({ model: 'bert' });
    expect(show.capabilities).toEqual(['embedding']);
  });
});

describe.skipIf(!existsSync(TOKENIZER_DIR))('reranking through the server (bert-rerank-tiny)', () => {
  const rerank = PRESETS['bert-rerank-tiny']!;
  const QUERY = 'what is a cat?';
  const DOCS = ['Stocks fell today.', 'A cat is a small furry animal.', 'cats', 'The weather is mild.'];
  let dir: string;
  let model: Model;
  let server: IxServer;
  let url: string;
  const post = (path: string, body: unknown) => fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ix-server-rerank-'));
    const gguf = join(dir, 'rerank.gguf');
    await generateModel({ arch: rerank.arch, shape: rerank.shape, seed: 4, gguf, quant: 'F32', tokenizerDir: TOKENIZER_DIR });
    model = await loadModel(gguf);
    ({ server, url } = await startServer({ engine: await CoreEngine.create(model), modelName: 'rr' }));
  });
  afterAll(async () => {
    await server?.close();
    await model?.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('/v1/rerank: every document scored as Model.rerank scores it, best first, with usage', async () => {
    const want = await model.rerank(QUERY, DOCS);
    const r = await json(await post('/v1/rerank', { model: 'rr', query: QUERY, documents: DOCS }));
    expect(r.object).toBe('list');
    expect(r.model).toBe('rr');
    const order = DOCS.map((_, i) => i).sort((a, b) => want.scores[b]! - want.scores[a]!);
    expect(r.results.map((x: { index: number }) => x.index)).toEqual(order);
    for (const x of r.results) expect(x.relevance_score).toBeCloseTo(want.scores[x.index]!, 12);
    expect(r.results[0].document).toBeUndefined();
    const tokens = want.tokens.reduce((a, b) => a + b, 0);
    expect(r.usage).toEqual({ prompt_tokens: tokens, total_tokens: tokens });
  });

  it('top_n, return_documents, documents as {text}, and llama.cpp\'s other paths', async () => {
    const r = await json(await post('/rerank', { query: QUERY, documents: DOCS.map((text) => ({ text })), top_n: 2, return_documents: true }));
    expect(r.results).toHaveLength(2);
    for (const x of r.results) expect(x.document).toEqual({ text: DOCS[x.index] });
    const same = await json(await post('/v1/reranking', { query: QUERY, documents: DOCS, top_n: 2, return_text: true }));
    expect(same.results).toEqual(r.results);
  });

  it('refuses bad requests and the wrong kind of model, naming what to do', async () => {
    for (const body of [{ query: '', documents: ['x'] }, { query: 'q', documents: [] }, { query: 'q', documents: ['x'], top_n: 0 }, { query: 'q' }]) {
      const r = await post('/v1/rerank', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
    }
    expect((await post('/v1/rerank', { model: 'other', query: 'q', documents: ['x'] })).status).toBe(404);
    const embed = await post('/v1/embeddings', { model: 'rr', input: 'x' });
    expect(embed.status).toBe(400);
    expect((await json(embed)).error.code).toBe('model_not_embedding');
    const chat = await post('/v1/chat/completions', { model: 'rr', messages: [{ role: 'user', content: 'hi' }] });
    expect((await json(chat)).error.message).toMatch(/this model is a reranker: it does not generate text \(use \/v1\/rerank\)/);
  });
});

describe('embedding endpoints on a generative model (stories260K)', () => {
  it('answer with its last token\'s state, as llama.cpp embeds it, in turn with a generation; /v1/rerank says what to do', async () => {
    const model = await loadModel(STORIES);
    const { server, url } = await startServer({ engine: await CoreEngine.create(model), modelName: 'stories' });
    const texts = ['Once upon a time', 'The cat sat on the mat. It was happy.'];
    // llama.cpp (node-llama-cpp's embedding context) on the same tokens: BOS, then the text
    const p = await openEmbeddingPeer(STORIES, { contextSize: 256 });
    const expected: number[][] = [];
    try {
      for (const t of texts) expected.push(await p.embed(model.tokenizer.encode(t)));
    } finally {
      await p.dispose();
    }
    try {
      const openai = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'x', maxRetries: 0 });
      const prompt = { model: 'stories', prompt: 'Once upon a time', max_tokens: 48, temperature: 0 };
      const alone = (await openai.completions.create(prompt)).choices[0]!.text;
      // a generation streaming while embedding requests come in: both as they are alone
      const stream = openai.completions.create({ ...prompt, stream: true });
      const embeds = Promise.all(Array.from({ length: 4 }, () => openai.embeddings.create({ model: 'stories', input: texts, encoding_format: 'float' })));
      let streamed = '';
      for await (const chunk of await stream) streamed += chunk.choices[0]?.text ?? '';
      expect(streamed).toBe(alone);
      for (const r of await embeds) {
        expect(r.data).toHaveLength(2);
        r.data.forEach((d, i) => {
          expect(d.embedding).toHaveLength(model.hparams.embedDim);
          expect(norm(d.embedding)).toBeCloseTo(1, 5);
          expect(cosine(d.embedding, expected[i]!)).toBeGreaterThanOrEqual(0.9999);
        });
      }
      const ollama = await new Ollama({ host: url }).embed({ model: 'stories', input: texts[0]! });
      expect(cosine(ollama.embeddings[0]!, expected[0]!)).toBeGreaterThanOrEqual(0.9999);
      const rr = await fetch(`${url}/v1/rerank`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: 'q', documents: ['d'] }) });
      expect(rr.status).toBe(400);
      expect(((await rr.json()) as { error: { code: string } }).error.code).toBe('model_not_reranker');
    } finally {
      await server.close();
      await model.dispose();
    }
  });
});
