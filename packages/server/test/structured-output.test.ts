/**
 * Structured output through the server on the real stories260K model: OpenAI `response_format`
 * (json_schema, json_object), llama.cpp's `grammar` field and Ollama's `format`, streamed and not,
 * several choices and plain requests at once. What comes back parses and validates (ajv, an
 * independent validator); a schema that cannot be honoured is a 400 naming the feature.
 */
import Ajv2020 from 'ajv/dist/2020.js';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, type Model } from '@ix/llm';

import { CoreEngine } from '../src/core-engine.js';
import type { IxServer } from '../src/server.js';
import { json, ndjson, startServer } from './helpers.js';

const MODEL = new URL('../../../models/stories260K/stories260K.gguf', import.meta.url).pathname;
const TEMPLATE = "{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}{% if add_generation_prompt %}assistant:{% endif %}";

const schema = {
  type: 'object',
  properties: {
    name: { type: 'string', maxLength: 10 },
    age: { type: 'integer', minimum: 1, maximum: 99 },
    pets: { type: 'array', items: { enum: ['cat', 'dog', 'fish'] }, maxItems: 2 },
  },
  required: ['name', 'age', 'pets'],
  additionalProperties: false,
};

let model: Model;
let server: IxServer;
let url: string;
let client: OpenAI;
const validate = new Ajv2020({ strict: false }).compile(schema);
const post = (path: string, body: unknown) => fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

beforeAll(async () => {
  model = await loadModel(MODEL, { chatTemplate: TEMPLATE });
  ({ server, url } = await startServer({ engine: await CoreEngine.create(model), modelName: 'stories260K', parallel: 4 }));
  client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'x', maxRetries: 0 });
});
afterAll(async () => {
  await server?.close();
  await model?.dispose();
});

describe('OpenAI response_format', () => {
  it('json_schema: every choice validates, beside unconstrained requests in the same batch', async () => {
    const [constrained, free] = await Promise.all([
      client.chat.completions.create({
        model: 'stories260K', messages: [{ role: 'user', content: 'Tell me about a girl.' }], n: 3, temperature: 1, seed: 4, max_tokens: 150,
        response_format: { type: 'json_schema', json_schema: { name: 'person', schema, strict: true } },
      }),
      client.chat.completions.create({ model: 'stories260K', messages: [{ role: 'user', content: 'Hi' }], temperature: 0, max_tokens: 30 }),
    ]);
    expect(constrained.choices).toHaveLength(3);
    for (const c of constrained.choices) {
      expect(c.finish_reason).toBe('stop');
      const value = JSON.parse(c.message.content!);
      expect(validate(value), c.message.content!).toBe(true);
    }
    expect(free.choices[0]!.message.content!.startsWith('{')).toBe(false);
  });

  it("the openai client's chat.completions.parse gets a parsed object", async () => {
    const r = await client.chat.completions.parse({
      model: 'stories260K', messages: [{ role: 'user', content: 'A boy.' }], temperature: 1, seed: 21, max_tokens: 150,
      response_format: { type: 'json_schema', json_schema: { name: 'person', schema, strict: true } },
    });
    const parsed = r.choices[0]!.message.parsed as { name: string; age: number; pets: string[] } | null;
    expect(parsed).not.toBeNull();
    expect(validate(parsed)).toBe(true);
  });

  it('json_schema streamed: the deltas join into valid JSON', async () => {
    const stream = await client.chat.completions.create({
      model: 'stories260K', messages: [{ role: 'user', content: 'A dog.' }], temperature: 0.9, seed: 11, max_tokens: 150, stream: true,
      response_format: { type: 'json_schema', json_schema: { name: 'person', schema } },
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(validate(JSON.parse(text)), text).toBe(true);
  });

  it('json_object gives an object; completions take llama.cpp\'s grammar field', async () => {
    const r = await client.chat.completions.create({ model: 'stories260K', messages: [{ role: 'user', content: 'x' }], temperature: 1, seed: 2, max_tokens: 200, response_format: { type: 'json_object' } });
    if (r.choices[0]!.finish_reason === 'stop') expect(typeof JSON.parse(r.choices[0]!.message.content!)).toBe('object');
    else expect(r.choices[0]!.message.content!.startsWith('{')).toBe(true);
    const g = await json(await post('/v1/completions', { model: 'stories260K', prompt: 'Once upon a time', max_tokens: 20, temperature: 1, seed: 3, grammar: 'root ::= ("yes" | "no") "!"' }));
    expect(g.choices[0].text).toMatch(/^(yes|no)!$/);
  });

  it('what cannot be honoured is a 400 naming it', async () => {
    const bad = await post('/v1/chat/completions', {
      model: 'stories260K', messages: [{ role: 'user', content: 'x' }],
      response_format: { type: 'json_schema', json_schema: { name: 'n', schema: { type: 'object', properties: { n: { type: 'number', multipleOf: 2 } } } } },
    });
    expect(bad.status).toBe(400);
    const body = await json(bad);
    expect(body.error.code).toBe('invalid_grammar');
    expect(body.error.param).toBe('response_format');
    expect(body.error.message).toMatch(/"multipleOf" at #\/properties\/n/);
    const broken = await post('/v1/completions', { model: 'stories260K', prompt: 'x', grammar: 'root ::= ("a"' });
    expect(broken.status).toBe(400);
    expect((await json(broken)).error.message).toMatch(/GBNF grammar cannot be compiled/);
    const two = await post('/v1/completions', { model: 'stories260K', prompt: 'x', grammar: 'root ::= "a"', response_format: { type: 'json_object' } });
    expect(two.status).toBe(400);
    const kind = await post('/v1/completions', { model: 'stories260K', prompt: 'x', response_format: { type: 'yaml' } });
    expect(kind.status).toBe(400);
    // the server still serves
    expect((await client.completions.create({ model: 'stories260K', prompt: 'x', max_tokens: 3 })).choices).toHaveLength(1);
  });
});

describe('Ollama format', () => {
  it('a schema on /api/chat and "json" on /api/generate', async () => {
    const chat = await json(await post('/api/chat', { model: 'stories260K', messages: [{ role: 'user', content: 'A cat.' }], format: schema, stream: false, options: { temperature: 1, seed: 5, num_predict: 150 } }));
    expect(validate(JSON.parse(chat.message.content)), chat.message.content).toBe(true);
    const lines = await ndjson(`${url}/api/generate`, { model: 'stories260K', prompt: 'Once', format: 'json', options: { temperature: 0.8, seed: 6, num_predict: 200 } });
    const text = lines.map((l) => l.response ?? '').join('');
    expect(text.startsWith('{')).toBe(true);
    if (lines.at(-1)!.done_reason === 'stop') expect(typeof JSON.parse(text)).toBe('object');
    const bad = await post('/api/generate', { model: 'stories260K', prompt: 'x', format: 'yaml' });
    expect(bad.status).toBe(400);
  });
});
