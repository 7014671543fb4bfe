import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IxServer } from '../src/server.js';
import { charToken, FakeEngine, renderFakeChat } from './fake-engine.js';
import { json, startServer } from './helpers.js';

// hand-derived from the fake's rule (see fake-engine.ts): after "c" the alphabet goes on to "z", ".", EOS
const AFTER_ABC = 'defghijklmnopqrstuvwxyz.';
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz.';

describe('OpenAI endpoints (official client, fake engine)', () => {
  let server: IxServer;
  let client: OpenAI;
  let engine: FakeEngine;

  beforeAll(async () => {
    engine = new FakeEngine();
    const started = await startServer({ engine, modelName: 'fake', parallel: 2 });
    server = started.server;
    client = new OpenAI({ baseURL: `${started.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  });
  afterAll(() => server.close());

  it('lists the served model', async () => {
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual(['fake']);
    expect((await client.models.retrieve('fake')).id).toBe('fake');
  });

  it('completes text with usage and finish_reason', async () => {
    const r = await client.completions.create({ model: 'fake', prompt: 'abc', max_tokens: 5, temperature: 0 });
    expect(r.object).toBe('text_completion');
    expect(r.choices).toHaveLength(1);
    expect(r.choices[0]!.text).toBe('defgh');
    expect(r.choices[0]!.finish_reason).toBe('length');
    // BOS + 3 characters
    expect(r.usage).toEqual({ prompt_tokens: 4, completion_tokens: 5, total_tokens: 9 });
  });

  it('uses max_tokens 16 by default on /v1/completions and stops at EOS', async () => {
    const short = await client.completions.create({ model: 'fake', prompt: 'abc', temperature: 0 });
    expect(short.choices[0]!.text).toBe(AFTER_ABC.slice(0, 16));
    const full = await client.completions.create({ model: 'fake', prompt: 'abc', temperature: 0, max_tokens: 100 });
    expect(full.choices[0]!.text).toBe(AFTER_ABC);
    expect(full.choices[0]!.finish_reason).toBe('stop');
    expect(full.usage!.completion_tokens).toBe(AFTER_ABC.length);
  });

  it('chats through the chat template', async () => {
    const messages = [
      { role: 'system' as const, content: 'be brief' },
      { role: 'user' as const, content: 'hi' },
    ];
    const r = await client.chat.completions.create({ model: 'fake', messages, temperature: 0 });
    expect(r.object).toBe('chat.completion');
    expect(r.choices[0]!.message).toMatchObject({ role: 'assistant', content: ALPHABET });
    expect(r.choices[0]!.finish_reason).toBe('stop');
    const promptTokens = 1 + renderFakeChat(messages).length;
    expect(r.usage).toEqual({ prompt_tokens: promptTokens, completion_tokens: ALPHABET.length, total_tokens: promptTokens + ALPHABET.length });
  });

  it('takes text content parts and max_completion_tokens', async () => {
    const r = await client.chat.completions.create({
      model: 'fake',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'h' }, { type: 'text', text: 'i' }] }],
      temperature: 0,
      max_completion_tokens: 3,
    });
    expect(r.choices[0]!.message.content).toBe('abc');
    expect(r.usage!.prompt_tokens).toBe(1 + renderFakeChat([{ role: 'user', content: 'hi' }]).length);
  });

  it('streams chat as SSE with include_usage', async () => {
    const stream = await client.chat.completions.create({
      model: 'fake',
      messages: [{ role: 'user', content: 'hi' }],
      temperature: 0,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    const finish: string[] = [];
    let usage;
    let roles = 0;
    for await (const chunk of stream) {
      expect(chunk.object).toBe('chat.completion.chunk');
      if (chunk.usage) usage = chunk.usage;
      for (const c of chunk.choices) {
        if (c.delta.role) roles++;
        text += c.delta.content ?? '';
        if (c.finish_reason) finish.push(c.finish_reason);
      }
    }
    expect(roles).toBe(1);
    expect(text).toBe(ALPHABET);
    expect(finish).toEqual(['stop']);
    expect(usage).toMatchObject({ completion_tokens: ALPHABET.length });
  });

  it('streams completions and ends with [DONE]', async () => {
    const res = await fetch(`${client.baseURL}/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'fake', prompt: 'abc', max_tokens: 4, temperature: 0, stream: true }),
    });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = (await res.text()).split('\n\n').filter(Boolean);
    expect(events.at(-1)).toBe('data: [DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.replace(/^data: /, '')));
    expect(chunks.map((c) => c.choices[0].text).join('')).toBe('defg');
    expect(chunks.at(-1).choices[0].finish_reason).toBe('length');
    expect(chunks.every((c) => !('usage' in c))).toBe(true);
  });

  it('ends at a stop string without emitting it, also when streaming', async () => {
    const r = await client.completions.create({ model: 'fake', prompt: 'abc', max_tokens: 50, temperature: 0, stop: ['hij', 'xyz'] });
    expect(r.choices[0]!.text).toBe('defg');
    expect(r.choices[0]!.finish_reason).toBe('stop');
    const stream = await client.completions.create({ model: 'fake', prompt: 'abc', max_tokens: 50, temperature: 0, stop: 'hij', stream: true });
    let text = '';
    for await (const c of stream) text += c.choices[0]?.text ?? '';
    expect(text).toBe('defg');
  });

  it('returns n choices, numbered, with summed completion usage', async () => {
    const r = await client.chat.completions.create({ model: 'fake', messages: [{ role: 'user', content: 'x' }], n: 3, temperature: 0, max_tokens: 2 });
    expect(r.choices.map((c) => [c.index, c.message.content])).toEqual([
      [0, 'ab'],
      [1, 'ab'],
      [2, 'ab'],
    ]);
    expect(r.usage!.completion_tokens).toBe(6);
    const batch = await client.completions.create({ model: 'fake', prompt: ['a', ' '], n: 2, max_tokens: 1, temperature: 0 });
    expect(batch.choices.map((c) => [c.index, c.text])).toEqual([
      [0, 'b'],
      [1, 'b'],
      [2, 'a'],
      [3, 'a'],
    ]);
    expect(batch.usage!.prompt_tokens).toBe(4);
  });

  it('streams n choices interleaved, each to its own finish_reason', async () => {
    const stream = await client.chat.completions.create({
      model: 'fake',
      messages: [{ role: 'user', content: 'x' }],
      n: 2,
      temperature: 0,
      max_tokens: 4,
      stream: true,
      stream_options: { include_usage: true },
    });
    const text = ['', ''];
    const finish: (string | null)[] = [null, null];
    let usage;
    for await (const chunk of stream) {
      if (chunk.usage) usage = chunk.usage;
      for (const c of chunk.choices) {
        text[c.index] += c.delta.content ?? '';
        if (c.finish_reason) finish[c.index] = c.finish_reason;
      }
    }
    expect(text).toEqual(['abcd', 'abcd']);
    expect(finish).toEqual(['length', 'length']);
    expect(usage).toMatchObject({ completion_tokens: 8 });
  });

  it('reports logprobs of the model distribution', async () => {
    // logits: 5 for the next character, 0 for the 97 other tokens
    const lse = Math.log(Math.exp(5) + 97);
    const chat = await client.chat.completions.create({
      model: 'fake',
      messages: [{ role: 'user', content: 'x' }],
      temperature: 0,
      max_tokens: 2,
      logprobs: true,
      top_logprobs: 2,
    });
    const content = chat.choices[0]!.logprobs!.content!;
    expect(content.map((c) => c.token)).toEqual(['a', 'b']);
    for (const c of content) {
      expect(c.logprob).toBeCloseTo(5 - lse, 5);
      expect(c.bytes).toEqual([c.token.charCodeAt(0)]);
      expect(c.top_logprobs).toHaveLength(2);
      expect(c.top_logprobs[0]!.token).toBe(c.token);
      expect(c.top_logprobs[1]!.logprob).toBeCloseTo(-lse, 5);
    }
    const completion = await client.completions.create({ model: 'fake', prompt: 'abc', max_tokens: 2, temperature: 0, logprobs: 1, echo: true });
    const lp = completion.choices[0]!.logprobs!;
    expect(completion.choices[0]!.text).toBe('abcde');
    expect(lp.tokens).toEqual(['d', 'e']);
    expect(lp.text_offset).toEqual([3, 4]);
    expect(lp.token_logprobs![0]).toBeCloseTo(5 - lse, 5);
    expect(lp.top_logprobs).toEqual([{ d: lp.token_logprobs![0] }, { e: lp.token_logprobs![1] }]);
  });

  it('applies logit_bias: OpenAI\'s object of token ids, llama.cpp\'s pairs with texts and false', async () => {
    const z = String(charToken('z'));
    const ask = (logit_bias: unknown) => client.completions.create({ model: 'fake', prompt: 'abc', max_tokens: 2, temperature: 0, logit_bias } as never);
    // +10 beats the fake's +5 for the next letter: "z" every time
    expect((await ask({ [z]: 10 })).choices[0]!.text).toBe('zz');
    expect((await ask([['z', 10]])).choices[0]!.text).toBe('zz');
    // banning the next letter and raising another one
    expect((await ask([[charToken('d'), false], [charToken('q'), 1]])).choices[0]!.text).toBe('qr');
    const bad = async (logit_bias: unknown) => {
      const err = await ask(logit_bias).catch((e: unknown) => e as InstanceType<typeof OpenAI.BadRequestError>);
      expect(err).toBeInstanceOf(OpenAI.BadRequestError);
      return err as InstanceType<typeof OpenAI.BadRequestError>;
    };
    expect((await bad({ abc: 1 })).param).toBe('logit_bias.abc');
    expect((await bad({ 99999: 1 })).message).toMatch(/outside the vocabulary/);
    expect((await bad([[1, 'x']])).param).toBe('logit_bias[0]');
  });

  it('refuses malformed functions and content-less user messages, naming the field', async () => {
    // the deprecated functions are tools under another name (tool-calling.test.ts): a nameless one is refused
    const fn = await client.chat.completions
      .create({ model: 'fake', messages: [{ role: 'user', content: 'a' }], functions: [{ parameters: {} }] } as never)
      .catch((e: unknown) => e as InstanceType<typeof OpenAI.BadRequestError>);
    expect(fn).toBeInstanceOf(OpenAI.BadRequestError);
    expect((fn as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('functions[0]');
    const nul = await client.chat.completions
      .create({ model: 'fake', messages: [{ role: 'system', content: 's' }, { role: 'user', content: null }] } as never)
      .catch((e: unknown) => e as InstanceType<typeof OpenAI.BadRequestError>);
    expect(nul).toBeInstanceOf(OpenAI.BadRequestError);
    expect((nul as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('messages[1].content');
    expect((nul as Error).message).toMatch(/"user" message needs content/);
    // an assistant turn without text is fine
    const ok = await client.chat.completions.create({ model: 'fake', messages: [{ role: 'user', content: 'a' }, { role: 'assistant', content: null }, { role: 'user', content: 'b' }], max_tokens: 1 } as never);
    expect(ok.choices).toHaveLength(1);
    // a schema error names its field too
    const t = await client.completions.create({ model: 'fake', prompt: 'a', temperature: 9 }).catch((e: unknown) => e as InstanceType<typeof OpenAI.BadRequestError>);
    expect((t as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('temperature');
  });

  it('samples reproducibly with a seed', async () => {
    const ask = () => client.completions.create({ model: 'fake', prompt: 'a', max_tokens: 20, temperature: 1, top_k: 0, top_p: 1, min_p: 0, seed: 42 } as never);
    const [a, b] = await Promise.all([ask(), ask()]);
    expect(a.choices[0]!.text).toBe(b.choices[0]!.text);
  });

  it('takes token-id prompts and max_tokens 0', async () => {
    const ids = await client.completions.create({ model: 'fake', prompt: [1, 3 + 'a'.charCodeAt(0) - 32], max_tokens: 3, temperature: 0 });
    expect(ids.choices[0]!.text).toBe('bcd');
    const none = await client.completions.create({ model: 'fake', prompt: 'abc', max_tokens: 0 });
    expect(none.choices[0]!.text).toBe('');
    expect(none.choices[0]!.finish_reason).toBe('length');
    expect(none.usage!.completion_tokens).toBe(0);
  });
});

describe('context limits', () => {
  it('ends with "length" when the context is full and refuses prompts that do not fit', async () => {
    const { server, url } = await startServer({ engine: new FakeEngine({ contextLength: 16 }), modelName: 'fake' });
    try {
      const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'x', maxRetries: 0 });
      // prompt of 4 tokens; the context holds 16, so 13 tokens can be generated (the last from the logits of the 16th)
      const r = await client.completions.create({ model: 'fake', prompt: ' ab', max_tokens: 100, temperature: 0 });
      expect(r.choices[0]!.text).toBe('cdefghijklmno');
      expect(r.choices[0]!.finish_reason).toBe('length');
      const err = await client.completions.create({ model: 'fake', prompt: 'x'.repeat(20) }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.BadRequestError);
      expect((err as InstanceType<typeof OpenAI.BadRequestError>).code).toBe('context_length_exceeded');
    } finally {
      await server.close();
    }
  });
});
