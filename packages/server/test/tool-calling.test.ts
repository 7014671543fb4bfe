/**
 * Tool calling through the server on the real stories260K model with a chat template that renders
 * `tools`: a required or named call is forced by grammar and comes back as OpenAI `tool_calls`
 * (arguments a JSON string valid for the tool's schema, finish_reason "tool_calls"), streamed as a
 * tool_calls delta; a conversation carrying calls and tool results renders and answers; Ollama's
 * chat returns `message.tool_calls` with arguments as objects.
 */
import Ajv2020 from 'ajv/dist/2020.js';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, type Model } from '@ix/llm';

import { CoreEngine } from '../src/core-engine.js';
import type { IxServer } from '../src/server.js';
import { json, startServer } from './helpers.js';

const MODEL = new URL('../../../models/stories260K/stories260K.gguf', import.meta.url).pathname;
// a template in transformers' shape: tools as JSON up front, calls and tool results in the turns
const TEMPLATE = [
  '{% if tools %}tools: {{ tools | tojson }}\n{% endif %}',
  "{% for m in messages %}{{ m['role'] }}: {{ m['content'] or '' }}",
  "{% if m.tool_calls %}{% for c in m.tool_calls %}<tool_call>{{ c.function | tojson }}</tool_call>{% endfor %}{% endif %}\n{% endfor %}",
  '{% if add_generation_prompt %}assistant:{% endif %}',
].join('');

const weather = { type: 'function' as const, function: { name: 'get_weather', description: 'weather', parameters: { type: 'object', properties: { city: { type: 'string', maxLength: 12 }, unit: { enum: ['c', 'f'] } }, required: ['city', 'unit'] } } };
const time = { type: 'function' as const, function: { name: 'get_time', parameters: { type: 'object', properties: { zone: { enum: ['UTC', 'CET'] } }, required: ['zone'] } } };
const validate = new Ajv2020({ strict: false });

let model: Model;
let server: IxServer;
let url: string;
let client: OpenAI;
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

const checkCall = (c: { type: string; id: string; function: { name: string; arguments: string } }, name?: string) => {
  expect(c.type).toBe('function');
  expect(c.id).toMatch(/^call_[0-9a-f]{24}$/);
  if (name) expect(c.function.name).toBe(name);
  const tool = [weather, time].find((t) => t.function.name === c.function.name)!;
  expect(tool).toBeDefined();
  expect(validate.validate(tool.function.parameters, JSON.parse(c.function.arguments)), c.function.arguments).toBe(true);
};

describe('OpenAI tools', () => {
  it.each([false, true])('tool_choice required (parallel_tool_calls %s): calls of the given tools, finish_reason tool_calls', async (parallel) => {
    const r = await client.chat.completions.create({
      model: 'stories260K', messages: [{ role: 'user', content: 'Weather in Paris?' }], tools: [weather, time], tool_choice: 'required', parallel_tool_calls: parallel,
      temperature: 1, seed: 3, max_tokens: 1000,
    });
    const choice = r.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.content).toBeNull();
    if (!parallel) expect(choice.message.tool_calls).toHaveLength(1);
    expect(choice.message.tool_calls!.length).toBeGreaterThan(0);
    for (const c of choice.message.tool_calls!) checkCall(c as never);
  });

  it('a named tool, streamed: one tool_calls delta the client assembles', async () => {
    const stream = await client.chat.completions.create({
      model: 'stories260K', messages: [{ role: 'user', content: 'What time is it?' }], tools: [weather, time], tool_choice: { type: 'function', function: { name: 'get_time' } },
      temperature: 1, seed: 5, max_tokens: 100, stream: true,
    });
    const calls: { id: string; type: string; function: { name: string; arguments: string } }[] = [];
    let finish: string | null = null;
    for await (const chunk of stream) {
      for (const d of chunk.choices[0]?.delta.tool_calls ?? []) calls[d.index] = { id: d.id!, type: d.type!, function: { name: d.function!.name!, arguments: d.function!.arguments! } };
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(finish).toBe('tool_calls');
    expect(calls).toHaveLength(1);
    checkCall(calls[0]!, 'get_time');
  });

  it('a conversation with a call and its result renders; tool_choice none and auto answer with text', async () => {
    const messages = [
      { role: 'user' as const, content: 'Weather in Paris?' },
      { role: 'assistant' as const, content: null, tool_calls: [{ id: 'call_1', type: 'function' as const, function: { name: 'get_weather', arguments: '{"city":"Paris","unit":"c"}' } }] },
      { role: 'tool' as const, tool_call_id: 'call_1', content: '21 degrees and sunny' },
    ];
    for (const tool_choice of ['none', 'auto'] as const) {
      const r = await client.chat.completions.create({ model: 'stories260K', messages, tools: [weather], tool_choice, temperature: 0, max_tokens: 20 });
      expect(typeof r.choices[0]!.message.content).toBe('string');
      expect(['stop', 'length']).toContain(r.choices[0]!.finish_reason);
    }
    // the template saw the tools and the call: the prompt is longer with them than without
    const rendered = model.renderChat([{ role: 'user', content: 'x' }], [weather]);
    expect(rendered).toContain('"name": "get_weather"');
  });

  it("the deprecated functions / function_call: a forced call answers message.function_call", async () => {
    const r = await json(await post('/v1/chat/completions', {
      model: 'stories260K', messages: [{ role: 'user', content: 'Time?' }], functions: [time.function], function_call: { name: 'get_time' }, temperature: 1, seed: 4, max_tokens: 100,
    }));
    expect(r.choices[0].finish_reason).toBe('function_call');
    expect(r.choices[0].message.tool_calls).toBeUndefined();
    expect(r.choices[0].message.function_call.name).toBe('get_time');
    expect(validate.validate(time.function.parameters, JSON.parse(r.choices[0].message.function_call.arguments))).toBe(true);
    // and its result comes back as a "function" message
    const next = await post('/v1/chat/completions', {
      model: 'stories260K', functions: [time.function], temperature: 0, max_tokens: 5,
      messages: [{ role: 'user', content: 'Time?' }, { role: 'assistant', content: null, function_call: r.choices[0].message.function_call }, { role: 'function', name: 'get_time', content: '12:00' }],
    });
    expect(next.status).toBe(200);
  });

  it('response_format and a required call at once is a 400', async () => {
    const r = await post('/v1/chat/completions', { model: 'stories260K', messages: [{ role: 'user', content: 'x' }], tools: [weather], tool_choice: 'required', response_format: { type: 'json_object' } });
    expect(r.status).toBe(400);
  });
});

describe('Ollama tools', () => {
  it('message.tool_calls with arguments as an object (a call forced through format)', async () => {
    const schema = { type: 'object', properties: { name: { const: 'get_weather' }, arguments: weather.function.parameters }, required: ['name', 'arguments'] };
    const r = await json(await post('/api/chat', { model: 'stories260K', messages: [{ role: 'user', content: 'Weather?' }], tools: [weather], format: schema, stream: false, options: { temperature: 1, seed: 2, num_predict: 200 } }));
    expect(r.message.tool_calls).toHaveLength(1);
    expect(r.message.tool_calls[0].function.name).toBe('get_weather');
    expect(validate.validate(weather.function.parameters, r.message.tool_calls[0].function.arguments)).toBe(true);
  });
});
