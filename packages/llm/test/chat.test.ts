/**
 * renderChat against independent renderings:
 * - Llama 3 and DeepSeek V3: @lenml/tokenizers' apply_chat_template (transformers.js API, with its
 *   own bundled Jinja interpreter);
 * - Qwen3 and Gemma 3: that library's older Jinja cannot parse these templates, so the oracle is
 *   @huggingface/jinja's Template rendered directly with transformers' context, plus hand-written
 *   expected strings from the published ChatML / Gemma turn formats.
 */
import { Template } from '@huggingface/jinja';
import { TokenizerLoader } from '@lenml/tokenizers';
import { describe, expect, it } from 'vitest';
import {
  ChatTemplateError,
  ChatTemplateMissingError,
  chatTemplateFromConfig,
  chatTemplateFromGGUF,
  renderChat,
  resolveChatTemplate,
  type ChatMessage,
  type ChatTool,
} from '../src/chat/index.js';
import { IxError } from '@ix/core';
import { tokenizerFromHF } from '../src/tokenizer/index.js';
import { lenmlFiles, type LenmlModel } from './corpus/fixtures.js';

const weatherTool: ChatTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Get weather',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

const conversations: { name: string; messages: ChatMessage[]; tools?: ChatTool[] }[] = [
  { name: 'single user turn', messages: [{ role: 'user', content: 'Hello!' }] },
  {
    name: 'system and several turns',
    messages: [
      { role: 'system', content: 'You are a helpful assistant.' },
      { role: 'user', content: 'What is 2+2?' },
      { role: 'assistant', content: '4' },
      { role: 'user', content: '  And 3+3?\n' },
    ],
  },
  {
    name: 'tool call and tool result',
    tools: [weatherTool],
    messages: [
      { role: 'system', content: 'You are a weather bot.' },
      { role: 'user', content: 'Weather in Paris?' },
      { role: 'assistant', content: null, tool_calls: [{ type: 'function', function: { name: 'get_weather', arguments: '{"city": "Paris"}' } }] },
      { role: 'tool', content: '{"temp": 21}' },
      { role: 'assistant', content: 'It is 21 degrees.' },
      { role: 'user', content: 'Thanks — and 日本語?' },
    ],
  },
];

function setup(name: LenmlModel) {
  const f = lenmlFiles(name);
  const tokenizer = tokenizerFromHF(f.tokenizerJson, f.tokenizerConfig);
  const template = resolveChatTemplate({ tokenizerConfig: f.tokenizerConfig, model: name });
  const piece = (id: number | undefined) => (id === undefined ? undefined : tokenizer.tokenToPiece(id));
  const render = (messages: ChatMessage[], addGenerationPrompt: boolean, tools?: ChatTool[]) =>
    renderChat(template, messages, { addGenerationPrompt, tools, bosToken: piece(tokenizer.bos), eosToken: piece(tokenizer.eos) });
  return { f, tokenizer, template, render };
}

describe.each(['llama3', 'deepseek_v3'] as LenmlModel[])('%s: renderChat vs apply_chat_template', (name) => {
  const { f, render } = setup(name);
  const oracle = TokenizerLoader.fromPreTrained({ tokenizerJSON: f.tokenizerJson as never, tokenizerConfig: f.tokenizerConfig as never });

  it.each(conversations)('$name', ({ messages, tools }) => {
    for (const addGenerationPrompt of [false, true]) {
      // DeepSeek's template reads tool_calls only when content is none; Llama 3's needs string content
      const msgs = name === 'llama3' ? messages.map((m) => ({ ...m, content: m.content ?? '' })) : messages;
      const expected = oracle.apply_chat_template(msgs as never, { tokenize: false, add_generation_prompt: addGenerationPrompt, tools: (tools ?? null) as never });
      expect(render(msgs, addGenerationPrompt, tools)).toBe(expected);
    }
  });
});

describe.each(['qwen3', 'gemma3'] as LenmlModel[])('%s: renderChat vs the template rendered directly', (name) => {
  const { f, render, template } = setup(name);
  const cfg = f.tokenizerConfig as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === 'string' ? v : (v as { content?: string } | null)?.content);
  const direct = (messages: ChatMessage[], addGenerationPrompt: boolean, tools?: ChatTool[]) =>
    new Template(template).render({
      messages,
      add_generation_prompt: addGenerationPrompt,
      tools: tools ?? null,
      bos_token: text(cfg.bos_token) ?? '',
      eos_token: text(cfg.eos_token) ?? '',
    });
  // Gemma's template only accepts alternating user/assistant turns and no tool role
  const usable = name === 'gemma3' ? conversations.slice(0, 2) : conversations;

  it.each(usable)('$name', ({ messages: original, tools }) => {
    // Qwen3's template tests `'</think>' in content`, so tool-call turns need string content
    const messages = original.map((m) => ({ ...m, content: m.content ?? '' }));
    for (const addGenerationPrompt of [false, true]) {
      expect(render(messages, addGenerationPrompt, tools)).toBe(direct(messages, addGenerationPrompt, tools));
    }
  });
});

describe('hand-written expectations from the published formats', () => {
  it('Qwen3 (ChatML): system, user, generation prompt', () => {
    const { render } = setup('qwen3');
    expect(render(conversations[1].messages.slice(0, 2), true)).toBe(
      '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n',
    );
  });

  it('Qwen3: tools in the system turn, tool call, tool response', () => {
    const { render } = setup('qwen3');
    const messages: ChatMessage[] = [
      { role: 'system', content: 'You are a weather bot.' },
      { role: 'user', content: 'Weather in Paris?' },
      { role: 'assistant', content: '', tool_calls: [{ type: 'function', function: { name: 'get_weather', arguments: { city: 'Paris' } } }] },
      { role: 'tool', content: '{"temp": 21}' },
    ];
    // tojson as Python's json.dumps: ", " and ": " separators, keys in insertion order
    const toolJson =
      '{"type": "function", "function": {"name": "get_weather", "description": "Get weather", "parameters": ' +
      '{"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}';
    expect(render(messages, true, [weatherTool])).toBe(
      '<|im_start|>system\nYou are a weather bot.\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\n' +
        'You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n' +
        toolJson +
        '\n</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n' +
        '<tool_call>\n{"name": <function-name>, "arguments": <args-json-object>}\n</tool_call><|im_end|>\n' +
        '<|im_start|>user\nWeather in Paris?<|im_end|>\n' +
        '<|im_start|>assistant\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call><|im_end|>\n' +
        '<|im_start|>user\n<tool_response>\n{"temp": 21}\n</tool_response><|im_end|>\n' +
        '<|im_start|>assistant\n',
    );
  });

  it('Gemma 3: system text joins the first user turn, assistant is "model", content trimmed', () => {
    const { render } = setup('gemma3');
    expect(render(conversations[1].messages, true)).toBe(
      '<bos><start_of_turn>user\nYou are a helpful assistant.\n\nWhat is 2+2?<end_of_turn>\n' +
        '<start_of_turn>model\n4<end_of_turn>\n<start_of_turn>user\nAnd 3+3?<end_of_turn>\n<start_of_turn>model\n',
    );
  });

  it('the rendered prompt encodes with the chat special tokens as single ids', () => {
    const { render, tokenizer } = setup('qwen3');
    const ids = tokenizer.encode(render(conversations[0].messages, true), { addSpecial: false, parseSpecial: true });
    const imStart = tokenizer.encode('<|im_start|>', { addSpecial: false, parseSpecial: true });
    expect(imStart).toHaveLength(1);
    expect(ids.filter((id) => id === imStart[0])).toHaveLength(2);
    expect(tokenizer.stopIds).toContain(tokenizer.encode('<|im_end|>', { addSpecial: false, parseSpecial: true })[0]);
  });
});

describe('finding templates and errors', () => {
  it('a model without a template and none given: ChatTemplateMissingError (CHAT_TEMPLATE)', () => {
    const f = lenmlFiles('llama2');
    expect(chatTemplateFromConfig(f.tokenizerConfig)).toBeUndefined();
    let thrown: unknown;
    try {
      resolveChatTemplate({ tokenizerConfig: f.tokenizerConfig, model: 'llama2' });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(ChatTemplateMissingError);
    expect((thrown as IxError).code).toBe('CHAT_TEMPLATE');
    expect(resolveChatTemplate({ tokenizerConfig: f.tokenizerConfig, template: '{{ x }}' })).toBe('{{ x }}');
  });

  it('tokenizer_config.json: a list of named templates', () => {
    const config = { chat_template: [{ name: 'default', template: 'A' }, { name: 'tool_use', template: 'B' }] };
    expect(chatTemplateFromConfig(config)).toBe('A');
    expect(chatTemplateFromConfig(config, undefined, true)).toBe('B');
    expect(chatTemplateFromConfig(config, 'tool_use')).toBe('B');
    expect(chatTemplateFromConfig(config, 'rag')).toBeUndefined();
    expect(() => chatTemplateFromConfig({ chat_template: [{ name: 1 }] })).toThrow(ChatTemplateError);
  });

  it('GGUF metadata: tokenizer.chat_template and named variants', () => {
    const md = { 'tokenizer.chat_template': 'X', 'tokenizer.chat_template.rag': 'Y' };
    expect(chatTemplateFromGGUF(md)).toBe('X');
    expect(chatTemplateFromGGUF(md, 'rag')).toBe('Y');
    expect(resolveChatTemplate({ ggufMetadata: {}, tokenizerConfig: { chat_template: 'Z' } })).toBe('Z');
    expect(() => resolveChatTemplate({ ggufMetadata: {} })).toThrow(ChatTemplateMissingError);
  });

  it("the template's raise_exception and syntax errors become ChatTemplateError", () => {
    const { render } = setup('gemma3');
    expect(() => render([{ role: 'assistant', content: 'hi' }], false)).toThrow(/Conversation roles must alternate/);
    expect(() => render([{ role: 'assistant', content: 'hi' }], false)).toThrow(ChatTemplateError);
    expect(() => renderChat('{% if %}', [])).toThrow(ChatTemplateError);
  });
});
