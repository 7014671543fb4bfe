import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IxServer } from '../src/server.js';
import { FakeEngine } from './fake-engine.js';
import { json, startServer } from './helpers.js';

const BODY_LIMIT = 4096;

describe('bad input gets a 4xx with an OpenAI-style error body, and the server keeps serving', () => {
  let server: IxServer;
  let url: string;

  beforeAll(async () => {
    ({ server, url } = await startServer({ engine: new FakeEngine({ chatTemplate: false }), modelName: 'fake', bodyLimit: BODY_LIMIT }));
  });
  afterAll(() => server.close());

  const raw = (path: string, body: string, contentType = 'application/json') =>
    fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': contentType }, body }).then(async (r) => ({
      status: r.status,
      body: await json(r),
    }));
  const post = (path: string, body: unknown) => raw(path, JSON.stringify(body));

  function expectError(r: { status: number; body: { error?: Record<string, unknown> | string } }, status: number, code?: string, path = '') {
    expect(r.status).toBe(status);
    // Ollama's clients print `error` as is: a string there, OpenAI's object elsewhere
    if (path.startsWith('/api/')) {
      expect(typeof r.body.error).toBe('string');
      return;
    }
    if (typeof r.body.error !== 'object') throw new Error(`expected an OpenAI error object, got ${JSON.stringify(r.body)}`);
    expect(typeof r.body.error?.message).toBe('string');
    expect(typeof r.body.error?.type).toBe('string');
    expect(r.body.error).toHaveProperty('code');
    if (code) expect(r.body.error!.code).toBe(code);
  }

  const cases: [string, string, () => Promise<{ status: number; body: { error?: Record<string, unknown> | string } }>, number, string?][] = [
    ['invalid JSON', '/v1/completions', () => raw('/v1/completions', '{"model": "fake", "prompt": '), 400, 'invalid_json'],
    ['an empty JSON body', '/v1/chat/completions', () => raw('/v1/chat/completions', ''), 400],
    ['a JSON array body', '/v1/completions', () => raw('/v1/completions', '[1,2]'), 400, 'invalid_request_body'],
    ['max_tokens as a string', '/v1/completions', () => post('/v1/completions', { model: 'fake', prompt: 'a', max_tokens: '5' }), 400, 'invalid_request_body'],
    ['negative max_tokens', '/v1/completions', () => post('/v1/completions', { model: 'fake', prompt: 'a', max_tokens: -1 }), 400, 'invalid_request_body'],
    ['fractional max_tokens', '/v1/completions', () => post('/v1/completions', { model: 'fake', prompt: 'a', max_tokens: 1.5 }), 400],
    ['temperature out of range', '/v1/chat/completions', () => post('/v1/chat/completions', { model: 'fake', messages: [{ role: 'user', content: 'x' }], temperature: 9 }), 400],
    ['messages missing', '/v1/chat/completions', () => post('/v1/chat/completions', { model: 'fake' }), 400],
    ['empty messages', '/v1/chat/completions', () => post('/v1/chat/completions', { model: 'fake', messages: [] }), 400],
    ['an unknown role', '/v1/chat/completions', () => post('/v1/chat/completions', { model: 'fake', messages: [{ role: 'wizard', content: 'x' }] }), 400],
    ['an image content part', '/v1/chat/completions', () => post('/v1/chat/completions', { model: 'fake', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }] }] }), 400],
    ['chat without a chat template', '/v1/chat/completions', () => post('/v1/chat/completions', { model: 'fake', messages: [{ role: 'user', content: 'x' }] }), 400],
    ['a tool without a name', '/v1/chat/completions', () => post('/v1/chat/completions', { model: 'fake', messages: [{ role: 'user', content: 'x' }], tools: [{ type: 'function', function: {} }] }), 400, 'invalid_value'],
    ['tool_choice naming no tool', '/v1/chat/completions', () => post('/v1/chat/completions', { model: 'fake', messages: [{ role: 'user', content: 'x' }], tools: [{ type: 'function', function: { name: 'f' } }], tool_choice: { type: 'function', function: { name: 'g' } } }), 400, 'invalid_value'],
    ['function_call without functions', '/v1/chat/completions', () => post('/v1/chat/completions', { model: 'fake', messages: [{ role: 'user', content: 'x' }], function_call: { name: 'f' } }), 400, 'invalid_value'],
    ['functions and tools at once', '/v1/chat/completions', () => post('/v1/chat/completions', { model: 'fake', messages: [{ role: 'user', content: 'x' }], functions: [{ name: 'f' }], tools: [{ type: 'function', function: { name: 'f' } }] }), 400, 'invalid_value'],
    ['an unknown model', '/v1/completions', () => post('/v1/completions', { model: 'gpt-4o', prompt: 'a' }), 404, 'model_not_found'],
    ['an unknown model on Ollama', '/api/generate', () => post('/api/generate', { model: 'llama3:8b', prompt: 'a' }), 404, 'model_not_found'],
    ['a token id outside the vocabulary', '/v1/completions', () => post('/v1/completions', { model: 'fake', prompt: [1, 99999] }), 400],
    ['n out of range', '/v1/completions', () => post('/v1/completions', { model: 'fake', prompt: 'a', n: 1000 }), 400],
    ['images in an Ollama chat message', '/api/chat', () => post('/api/chat', { model: 'fake', messages: [{ role: 'user', content: 'x', images: ['aGk='] }] }), 400, 'unsupported_parameter'],
    ['a very long stop string', '/v1/completions', () => post('/v1/completions', { model: 'fake', prompt: 'a', stop: 'x'.repeat(2000) }), 400],
    ['num_predict as a string', '/api/generate', () => post('/api/generate', { model: 'fake', prompt: 'a', options: { num_predict: 'x' } }), 400],
    ['a body over the limit', '/v1/completions', () => post('/v1/completions', { model: 'fake', prompt: 'a'.repeat(BODY_LIMIT * 4) }), 413, 'body_too_large'],
    ['text/plain that is not JSON', '/v1/completions', () => raw('/v1/completions', 'hello', 'text/plain'), 400, 'invalid_json'],
    ['__proto__ in the body', '/v1/completions', () => raw('/v1/completions', '{"model":"fake","prompt":"a","__proto__":{"x":1}}'), 400],
  ];

  it.each(cases)('%s on %s', async (_name, path, send, status, code) => {
    expectError(await send(), status, code, path);
    // still serving
    const ok = await post('/v1/completions', { model: 'fake', prompt: 'abc', max_tokens: 2, temperature: 0 });
    expect(ok.status).toBe(200);
    expect(ok.body.choices[0].text).toBe('de');
  });

  it('reads bodies as JSON whatever their content type, as Ollama does', async () => {
    const r = await raw('/api/generate', JSON.stringify({ model: 'fake', prompt: 'abc', stream: false, options: { num_predict: 2, temperature: 0 } }), 'application/x-www-form-urlencoded');
    expect(r.status).toBe(200);
    expect(r.body.response).toBe('de');
  });

  it('answers unknown routes with 404 and the error body', async () => {
    const r = await fetch(`${url}/v1/engines`);
    expectError({ status: r.status, body: await json(r) }, 404, 'not_found');
    const m = await fetch(`${url}/v1/models/other`);
    expectError({ status: m.status, body: await json(m) }, 404, 'model_not_found');
  });

  it('reports errors through the official client as typed exceptions', async () => {
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'x', maxRetries: 0 });
    const err = await client.completions.create({ model: 'nope', prompt: 'a' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect((err as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('model_not_found');
  });
});

describe('API key', () => {
  let server: IxServer;
  let url: string;

  beforeAll(async () => {
    ({ server, url } = await startServer({ engine: new FakeEngine(), modelName: 'fake', apiKey: 'sekret' }));
  });
  afterAll(() => server.close());

  it('guards every endpoint but /health', async () => {
    expect((await fetch(`${url}/health`)).status).toBe(200);
    for (const path of ['/v1/models', '/api/tags', '/api/version', '/metrics']) {
      const none = await fetch(`${url}${path}`);
      expect(none.status).toBe(401);
      const body = await json(none);
      if (path.startsWith('/api/')) expect(body.error).toMatch(/Invalid or missing API key/);
      else expect(body.error).toMatchObject({ code: 'invalid_api_key' });
      const wrong = await fetch(`${url}${path}`, { headers: { authorization: 'Bearer sekret2' } });
      expect(wrong.status).toBe(401);
      const right = await fetch(`${url}${path}`, { headers: { authorization: 'Bearer sekret' } });
      expect(right.status).toBe(200);
    }
  });

  it('works with the official client given the key, and refuses it without', async () => {
    const good = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'sekret', maxRetries: 0 });
    expect((await good.completions.create({ model: 'fake', prompt: 'abc', max_tokens: 1, temperature: 0 })).choices[0]!.text).toBe('d');
    const bad = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'nope', maxRetries: 0 });
    await expect(bad.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
  });
});
