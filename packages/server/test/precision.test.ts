/**
 * Requests choose the precision of a nested model (ix quantize --nested): each client's text must be
 * what a Session generates at that precision, while clients of other precisions share the steps
 * (their batched steps read the most precise of them, so each is checked alone and together).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, writeNestedModel, type GenerateOptions, type Model } from '@ix/llm';
import { CoreEngine } from '../src/core-engine.js';
import type { IxServer } from '../src/server.js';
import { startServer } from './helpers.js';

const STORIES = new URL('../../../models/stories260K/stories260K.gguf', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'ix-precision-'));

let model: Model;
let plain: Model;
let server: IxServer;
let url: string;
let plainServer: IxServer;
let plainUrl: string;

async function reference(options: GenerateOptions): Promise<string> {
  const it = model.createSession().generate('Once upon a time', { temperature: 0, maxTokens: 30, ...options });
  let r = await it.next();
  while (!r.done) r = await it.next();
  return r.value.text;
}

async function post(url: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

const complete = (base: string, extra: Record<string, unknown>) => post(`${base}/v1/completions`, { model: 'm', prompt: 'Once upon a time', max_tokens: 30, temperature: 0, ...extra });

beforeAll(async () => {
  const nested = join(dir, 'stories-nested.gguf');
  await writeNestedModel(STORIES, nested);
  model = await loadModel(nested, { backend: 'reference' });
  plain = await loadModel(STORIES, { backend: 'reference' });
  ({ server, url } = await startServer({ engine: await CoreEngine.create(model), modelName: 'm', parallel: 2 }));
  ({ server: plainServer, url: plainUrl } = await startServer({ engine: await CoreEngine.create(plain), modelName: 'm', parallel: 1 }));
});
afterAll(async () => {
  await server?.close();
  await plainServer?.close();
  await model?.dispose();
  await plain?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('precision per request', () => {
  it('each precision gives what a Session gives at it (OpenAI and Ollama)', async () => {
    const eco = await reference({ precision: 'eco' });
    const max = await reference({ precision: 'max' });
    expect(eco).not.toBe(max);
    const r1 = await complete(url, { precision: 'eco' });
    expect(r1.status).toBe(200);
    expect((r1.body as { choices: { text: string }[] }).choices[0]!.text).toBe(eco);
    const r2 = await complete(url, {});
    expect((r2.body as { choices: { text: string }[] }).choices[0]!.text).toBe(max);
    const o = await post(`${url}/api/generate`, { model: 'm', prompt: 'Once upon a time', stream: false, options: { temperature: 0, num_predict: 30, precision: 'eco' } });
    expect(o.status).toBe(200);
    expect((o.body as { response: string }).response).toBe(eco);
  });

  it("'auto' chooses each step's bits as a Session's 'auto' does", async () => {
    const r = await complete(url, { precision: 'auto' });
    expect((r.body as { choices: { text: string }[] }).choices[0]!.text).toBe(await reference({ precision: 'auto' }));
  });

  it('a plan per layer, as a Session reads it', async () => {
    const plan = { attn: [8, 4, 4, 4, 8], ffn: [4, 4, 8, 4, 4] } as const;
    const r = await complete(url, { precision: plan });
    expect((r.body as { choices: { text: string }[] }).choices[0]!.text).toBe(await reference({ precision: { attn: [...plan.attn], ffn: [...plan.ffn] } }));
  });

  it('the server-wide precision (requests that name none) is read and changed at run time', async () => {
    const get = async () => (await (await fetch(`${url}/ix/precision`)).json()) as { precision: unknown; nested: boolean };
    expect(await get()).toEqual({ precision: 'max', nested: true });
    const put = (precision: unknown) => fetch(`${url}/ix/precision`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ precision }) });
    expect((await put('eco')).status).toBe(200);
    expect((await get()).precision).toBe('eco');
    const text = async (extra: Record<string, unknown>) => ((await complete(url, extra)).body as { choices: { text: string }[] }).choices[0]!.text;
    expect(await text({})).toBe(await reference({ precision: 'eco' }));
    // a request's own precision wins
    expect(await text({ precision: 'max' })).toBe(await reference({ precision: 'max' }));
    expect((await put('turbo')).status).toBe(400);
    expect((await put(null)).status).toBe(200);
    expect((await get()).precision).toBe('max');
    expect(await text({})).toBe(await reference({ precision: 'max' }));
    // a model of one precision: max only
    expect((await fetch(`${plainUrl}/ix/precision`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ precision: 'eco' }) })).status).toBe(400);
  });

  it('a tokens/s target moves the precision of requests that name none: down when out of reach, up when met', async () => {
    const state = async () => (await (await fetch(`${url}/ix/precision`)).json()) as { precision: unknown; tokensPerSecond?: number; measuredTokensPerSecond?: number };
    const put = (body: unknown) => fetch(`${url}/ix/precision`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const bits = (p: unknown) => (p === 'max' ? 9 : p === 'eco' ? 4.5 : (p as number));
    const gauge = async () => Number(/^ix_precision_bits (\S+)$/m.exec(await (await fetch(`${url}/metrics`)).text())?.[1]);
    // no CPU decodes a billion tokens/s: each window of decode steps lowers the bits, down to eco
    expect((await put({ tokensPerSecond: 1e9 })).status).toBe(200);
    expect(await state()).toEqual({ precision: 'max', nested: true, tokensPerSecond: 1e9 });
    await complete(url, { max_tokens: 100 });
    const low = await state();
    expect(bits(low.precision)).toBeLessThan(9);
    expect(low.measuredTokensPerSecond).toBeGreaterThan(0);
    expect(await gauge()).toBe(bits(low.precision));
    // a request's own precision still wins over the target's
    expect(((await complete(url, { precision: 'max' })).body as { choices: { text: string }[] }).choices[0]!.text).toBe(await reference({ precision: 'max' }));
    // one token a minute is always met: the bits climb back
    expect((await put({ tokensPerSecond: 1 / 60 })).status).toBe(200);
    await complete(url, { max_tokens: 100 });
    expect(bits((await state()).precision)).toBeGreaterThan(bits(low.precision));
    // a precision ends the target
    expect((await put({ precision: null })).status).toBe(200);
    expect(await state()).toEqual({ precision: 'max', nested: true });
    expect(await gauge()).toBe(9);
    for (const bad of [{ tokensPerSecond: -1 }, { tokensPerSecond: '30' }, { tokensPerSecond: 30, precision: 'eco' }, {}]) expect((await put(bad)).status, JSON.stringify(bad)).toBe(400);
    const plainPut = await fetch(`${plainUrl}/ix/precision`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tokensPerSecond: 30 }) });
    expect(plainPut.status).toBe(400);
    expect(await plainPut.text()).toContain('one precision');
  });

  it('bad precisions are 400s that name the field; a model of one precision refuses all but max', async () => {
    for (const bad of ['fast', -2, { attn: [8], ffn: [8] }, { attn: [5, 5, 5, 5, 5], ffn: [4, 4, 4, 4, 4] }]) {
      const r = await complete(url, { precision: bad });
      expect(r.status).toBe(400);
      expect(JSON.stringify(r.body)).toContain('precision');
    }
    const o = await post(`${url}/api/generate`, { model: 'm', prompt: 'x', stream: false, options: { precision: 'turbo' } });
    expect(o.status).toBe(400);
    const refused = await complete(plainUrl, { precision: 'eco' });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toContain('one precision');
    expect((await complete(plainUrl, { precision: 'max' })).status).toBe(200);
  });
});
