/**
 * Tool calls parsed from the output formats model families use (strings as their chat templates
 * and model cards write them), and a call forced by grammar on a real model (stories260K) that
 * parses back into a call of the named tool with arguments valid for its schema (ajv).
 */
import Ajv2020 from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadModel, parseToolCalls, toolCallSchema, type ChatTool, type Model } from '../src/index.js';
import { STORIES_GGUF } from './fixtures/model-files.js';

const weather: ChatTool = {
  type: 'function',
  function: { name: 'get_weather', description: 'Weather in a city', parameters: { type: 'object', properties: { city: { type: 'string' }, unit: { enum: ['c', 'f'] } }, required: ['city'] } },
};
const time: ChatTool = { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: { zone: { type: 'string' } }, required: ['zone'] } } };
const tools = [weather, time];

describe('parseToolCalls', () => {
  it('Hermes / Qwen: <tool_call> blocks, several, with text around', () => {
    const out = parseToolCalls('Let me check.\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>\n<tool_call>\n{"name": "get_time", "arguments": {"zone": "CET"}}\n</tool_call>', tools);
    expect(out).toEqual({ content: 'Let me check.', calls: [{ name: 'get_weather', arguments: { city: 'Paris' } }, { name: 'get_time', arguments: { zone: 'CET' } }] });
  });

  it('Mistral: [TOOL_CALLS] and a JSON array', () => {
    expect(parseToolCalls('[TOOL_CALLS][{"name": "get_weather", "arguments": {"city": "Oslo", "unit": "c"}}]', tools).calls).toEqual([{ name: 'get_weather', arguments: { city: 'Oslo', unit: 'c' } }]);
  });

  it('Llama 3.x: python_tag or bare JSON with "parameters"; several separated by ";"', () => {
    expect(parseToolCalls('<|python_tag|>{"name": "get_time", "parameters": {"zone": "UTC"}}', tools).calls).toEqual([{ name: 'get_time', arguments: { zone: 'UTC' } }]);
    expect(parseToolCalls('{"name": "get_weather", "parameters": {"city": "Rome"}}; {"name": "get_time", "parameters": {"zone": "CET"}}', tools).calls).toHaveLength(2);
  });

  it('generic: a fenced JSON call, OpenAI-shaped calls with string arguments', () => {
    expect(parseToolCalls('```json\n{"name": "get_weather", "arguments": {"city": "Lima"}}\n```', tools).calls).toEqual([{ name: 'get_weather', arguments: { city: 'Lima' } }]);
    expect(parseToolCalls('[{"type": "function", "function": {"name": "get_time", "arguments": "{\\"zone\\": \\"PST\\"}"}}]', tools).calls).toEqual([{ name: 'get_time', arguments: { zone: 'PST' } }]);
  });

  it('text stays text: no call, an unknown tool name, broken JSON', () => {
    for (const text of ['It is sunny in Paris.', '{"name": "launch_rockets", "arguments": {}}', '<tool_call>{"name": "get_weather", "arguments": {"city": </tool_call>', '{"city": "Paris"}']) {
      expect(parseToolCalls(text, tools)).toEqual({ content: text, calls: [] });
    }
  });
});

describe('a call forced by grammar (tool_choice required / named)', () => {
  let model: Model;
  beforeAll(async () => {
    model = await loadModel(STORIES_GGUF, { backend: 'reference' });
  });
  afterAll(() => model?.dispose());

  // with strings bounded, so that a story model's walk through up to 8 calls ends
  const bounded: ChatTool[] = tools.map((t) => ({ ...t, function: { ...t.function, parameters: JSON.parse(JSON.stringify(t.function.parameters).replaceAll('{"type":"string"}', '{"type":"string","maxLength":8}')) } }));

  it.each([
    ['any tool', tools, undefined, false],
    ['get_time only', tools, 'get_time', false],
    ['parallel calls', bounded, undefined, true],
  ] as const)('%s: the output parses back into valid calls', async (_, tools, only, parallel) => {
    const schema = toolCallSchema(tools, only, parallel);
    const ajv = new Ajv2020({ strict: false });
    let finished = 0;
    for (const seed of [1, 2, 3]) {
      const session = model.createSession({ contextLength: 512 });
      const it = session.generate('Once upon a time', { grammar: { type: 'json_schema', schema }, temperature: 1, seed, maxTokens: 600 });
      let r = await it.next();
      while (!r.done) r = await it.next();
      session.dispose();
      if (r.value.finishReason !== 'stop') continue;
      finished++;
      const { calls } = parseToolCalls(r.value.text, tools);
      expect(calls.length, r.value.text).toBeGreaterThan(0);
      for (const c of calls) {
        if (only) expect(c.name).toBe(only);
        const tool = tools.find((t) => t.function.name === c.name)!;
        expect(ajv.validate(tool.function.parameters!, c.arguments), JSON.stringify(c)).toBe(true);
      }
    }
    expect(finished).toBeGreaterThan(0);
  });
});
