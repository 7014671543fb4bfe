import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IxServer } from '../src/server.js';
import { FakeEngine } from './fake-engine.js';
import { json, ndjson, startServer } from './helpers.js';

// hand-derived from the fake's rule (see fake-engine.ts)
const AFTER_ABC = 'defghijklmnopqrstuvwxyz.';
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz.';

const post = (url: string, body: unknown) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(async (r) => ({ status: r.status, body: await json(r) }));

function expectFinalStats(last: Record<string, unknown>, promptEval: number, evalCount: number, reason: string) {
  expect(last).toMatchObject({ model: 'fake', done: true, done_reason: reason, prompt_eval_count: promptEval, eval_count: evalCount, load_duration: 0 });
  for (const k of ['total_duration', 'prompt_eval_duration', 'eval_duration']) {
    expect(Number.isInteger(last[k])).toBe(true);
    expect(last[k] as number).toBeGreaterThanOrEqual(0);
  }
  expect(last.total_duration as number).toBeGreaterThanOrEqual((last.prompt_eval_duration as number) + (last.eval_duration as number));
}

describe('Ollama endpoints (NDJSON client, fake engine)', () => {
  let server: IxServer;
  let url: string;

  beforeAll(async () => {
    ({ server, url } = await startServer({ engine: new FakeEngine(), modelName: 'fake' }));
  });
  afterAll(() => server.close());

  it('streams /api/generate as NDJSON by default (raw: no template)', async () => {
    const lines = await ndjson(`${url}/api/generate`, { model: 'fake', prompt: 'abc', raw: true, options: { temperature: 0 } });
    const body = lines.slice(0, -1);
    expect(body.every((l) => l.done === false && l.model === 'fake' && typeof l.created_at === 'string')).toBe(true);
    expect(body.map((l) => l.response).join('')).toBe(AFTER_ABC);
    expectFinalStats(lines.at(-1)!, 4, AFTER_ABC.length, 'stop');
    expect(lines.at(-1)!.response).toBe('');
  });

  it('applies the chat template to /api/generate unless raw, and honours num_predict and stop', async () => {
    const templated = await post(`${url}/api/generate`, { model: 'fake', prompt: 'hi', stream: false, options: { temperature: 0 } });
    expect(templated.body.response).toBe(ALPHABET);
    const capped = await post(`${url}/api/generate`, { model: 'fake:latest', prompt: 'abc', raw: true, stream: false, options: { temperature: 0, num_predict: 3 } });
    expect(capped.body).toMatchObject({ response: 'def', done: true, done_reason: 'length', eval_count: 3 });
    const stopped = await post(`${url}/api/generate`, { model: 'fake', prompt: 'abc', raw: true, stream: false, options: { temperature: 0, stop: ['g'] } });
    expect(stopped.body).toMatchObject({ response: 'def', done_reason: 'stop' });
  });

  it('answers an empty prompt with done_reason "load"', async () => {
    const r = await post(`${url}/api/generate`, { model: 'fake' });
    expect(r.body).toMatchObject({ model: 'fake', response: '', done: true, done_reason: 'load' });
  });

  it('streams /api/chat messages and answers stream:false with one object', async () => {
    const messages = [{ role: 'user', content: 'hi' }];
    const lines = await ndjson(`${url}/api/chat`, { model: 'fake', messages, options: { temperature: 0 } });
    expect(lines.slice(0, -1).map((l) => (l.message as { content: string }).content).join('')).toBe(ALPHABET);
    expect(lines.slice(0, -1).every((l) => (l.message as { role: string }).role === 'assistant')).toBe(true);
    // "user: hi\nassistant: " with BOS
    expectFinalStats(lines.at(-1)!, 1 + 'user: hi\nassistant: '.length, ALPHABET.length, 'stop');
    const one = await post(`${url}/api/chat`, { model: 'fake', messages, stream: false, options: { temperature: 0, num_predict: 2 } });
    expect(one.body).toMatchObject({ message: { role: 'assistant', content: 'ab' }, done: true, done_reason: 'length', eval_count: 2 });
  });

  it('describes the model: tags, show, ps, version', async () => {
    const tags = await fetch(`${url}/api/tags`).then(json);
    expect(tags.models).toHaveLength(1);
    expect(tags.models[0]).toMatchObject({
      name: 'fake',
      model: 'fake',
      size: 1234,
      modified_at: '2024-01-02T03:04:05.000Z',
      details: { format: 'gguf', family: 'fake', parameter_size: '260K', quantization_level: 'F32' },
    });
    expect(tags.models[0].digest).toMatch(/^[0-9a-f]{64}$/);
    const show = await post(`${url}/api/show`, { model: 'fake' });
    expect(show.body).toMatchObject({ template: '(role: content lines)', model_info: { 'general.architecture': 'fake', 'fake.context_length': 256 } });
    const ps = await fetch(`${url}/api/ps`).then(json);
    expect(ps.models[0]).toMatchObject({ name: 'fake', context_length: 256 });
    const version = await fetch(`${url}/api/version`).then(json);
    expect(await fetch(`${url}/`).then((r) => r.text())).toBe('ix is running');
    expect(version.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('refuses other models and unsupported fields with Ollama\'s error body (a string, as its clients print it)', async () => {
    const other = await post(`${url}/api/chat`, { model: 'llama3', messages: [{ role: 'user', content: 'x' }] });
    expect(other.status).toBe(404);
    expect(other.body).toEqual({ error: "The model 'llama3' does not exist or you do not have access to it." });
    const show = await post(`${url}/api/show`, { model: 'nope' });
    expect(show.status).toBe(404);
    expect(typeof show.body.error).toBe('string');
    const images = await post(`${url}/api/generate`, { model: 'fake', prompt: 'x', images: ['aGk='] });
    expect(images.status).toBe(400);
    expect(images.body).toEqual({ error: '"images" is not supported by this server' });
    const badJson = await fetch(`${url}/api/generate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' });
    expect(badJson.status).toBe(400);
    expect(typeof ((await badJson.json()) as { error: unknown }).error).toBe('string');
    const noRoute = (await fetch(`${url}/api/nothing`).then((r) => r.json())) as { error: unknown };
    expect(typeof noRoute.error).toBe('string');
  });
});
