/**
 * The server over the real runtime with the bundled stories260K model: what clients get must be
 * exactly what a Session generates for the same prompt (greedy), however many clients there are.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, type ChatMessage, type GenerateOptions, type Model } from '@ix/llm';
import { CoreEngine } from '../src/core-engine.js';
import type { Engine } from '../src/engine.js';
import type { IxServer } from '../src/server.js';
import { json, ndjson, startServer, stepGate, until } from './helpers.js';

const MODEL = new URL('../../../models/stories260K/stories260K.gguf', import.meta.url).pathname;
// stories260K has no chat template: a plain one, so chat goes through a template
const TEMPLATE = "{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}{% if add_generation_prompt %}assistant:{% endif %}";

let model: Model;

/** the reference: Session.generate on a fresh session */
async function reference(prompt: string | ChatMessage[], options: GenerateOptions) {
  const it = model.createSession().generate(prompt, options);
  let r = await it.next();
  while (!r.done) r = await it.next();
  return r.value;
}

beforeAll(async () => {
  model = await loadModel(MODEL, { chatTemplate: TEMPLATE });
});
afterAll(() => model.dispose());

describe('stories260K through the server', () => {
  let server: IxServer;
  let url: string;
  let client: OpenAI;

  beforeAll(async () => {
    ({ server, url } = await startServer({ engine: await CoreEngine.create(model), modelName: 'stories260K', parallel: 4 }));
    client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'x', maxRetries: 0 });
  });
  afterAll(() => server.close());

  it('lists the model', async () => {
    expect((await client.models.list()).data.map((m) => m.id)).toEqual(['stories260K']);
  });

  it('completes greedily exactly as Session.generate', async () => {
    const want = await reference('Once upon a time', { temperature: 0, maxTokens: 40, chat: false });
    const r = await client.completions.create({ model: 'stories260K', prompt: 'Once upon a time', max_tokens: 40, temperature: 0 });
    expect(r.choices[0]!.text).toBe(want.text);
    expect(r.choices[0]!.finish_reason).toBe(want.finishReason);
    expect(r.usage).toEqual({ prompt_tokens: want.promptTokens, completion_tokens: want.completionTokens, total_tokens: want.promptTokens + want.completionTokens });
  });

  it('a completion continues the prompt\'s text: the first word keeps its space (echo, stream and Ollama alike)', async () => {
    // the text of the whole sequence minus the prompt's is what a reader sees appended
    const prompt = 'Lily and Ben';
    const r = await client.completions.create({ model: 'stories260K', prompt, max_tokens: 6, temperature: 0, logprobs: 0 });
    const ids = model.tokenizer.encode(prompt);
    const generated = await reference(prompt, { temperature: 0, maxTokens: 6, chat: false });
    const whole = model.tokenizer.decode([...ids, ...generated.tokens], { skipSpecial: true });
    const shown = model.tokenizer.decode(ids, { skipSpecial: true });
    expect(whole.startsWith(shown)).toBe(true);
    expect(r.choices[0]!.text).toBe(whole.slice(shown.length));
    expect(r.choices[0]!.text.startsWith(' ')).toBe(true);
    const echo = await client.completions.create({ model: 'stories260K', prompt, max_tokens: 6, temperature: 0, echo: true });
    expect(echo.choices[0]!.text).toBe(whole);
    let streamed = '';
    for await (const c of await client.completions.create({ model: 'stories260K', prompt, max_tokens: 6, temperature: 0, stream: true })) streamed += c.choices[0]?.text ?? '';
    expect(streamed).toBe(r.choices[0]!.text);
  });

  it('refuses a prompt that cannot fit (a 3.9 MB one) with bounded work, while another client streams on', async () => {
    const want = await reference('Once upon a time', { temperature: 0, maxTokens: 48, chat: false });
    const stream = client.completions.create({ model: 'stories260K', prompt: 'Once upon a time', max_tokens: 48, temperature: 0, stream: true });
    const huge = 'Lily and Ben went to the park. '.repeat(130_000);
    const refused = await client.completions.create({ model: 'stories260K', prompt: huge, max_tokens: 4 }).catch((e: unknown) => e as InstanceType<typeof OpenAI.BadRequestError>);
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    expect((refused as InstanceType<typeof OpenAI.BadRequestError>).code).toBe('context_length_exceeded');
    // the tokenizer stopped (or never started): it reports a lower bound, not a count
    expect((refused as Error).message).toMatch(/needs more than \d+ tokens but the context holds/);
    let text = '';
    for await (const c of await stream) text += c.choices[0]?.text ?? '';
    expect(text).toBe(want.text);
  });

  it('chats through the given template, plain and streamed, as Session.generate', async () => {
    const messages: ChatMessage[] = [
      { role: 'system', content: 'You tell stories.' },
      { role: 'user', content: 'Tell me about a cat.' },
    ];
    const want = await reference(messages, { temperature: 0, maxTokens: 30, chat: true });
    const r = await client.chat.completions.create({ model: 'stories260K', messages: messages as never, max_tokens: 30, temperature: 0 });
    expect(r.choices[0]!.message.content).toBe(want.text);
    expect(r.usage!.prompt_tokens).toBe(model.promptTokens(messages, true).length);
    expect(r.usage!.completion_tokens).toBe(want.completionTokens);

    const stream = await client.chat.completions.create({ model: 'stories260K', messages: messages as never, max_tokens: 30, temperature: 0, stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe(want.text);
  });

  it('streams Ollama NDJSON with the same text and counts', async () => {
    const want = await reference('The dog', { temperature: 0, maxTokens: 25, chat: false });
    const lines = await ndjson(`${url}/api/generate`, { model: 'stories260K', prompt: 'The dog', raw: true, options: { temperature: 0, num_predict: 25 } });
    expect(lines.slice(0, -1).map((l) => l.response).join('')).toBe(want.text);
    expect(lines.at(-1)).toMatchObject({ done: true, done_reason: 'length', eval_count: 25, prompt_eval_count: want.promptTokens });

    const messages = [{ role: 'user', content: 'Hi' }];
    const chatWant = await reference(messages, { temperature: 0, maxTokens: 10, chat: true });
    const chat = await ndjson(`${url}/api/chat`, { model: 'stories260K', messages, options: { temperature: 0, num_predict: 10 } });
    expect(chat.slice(0, -1).map((l) => (l.message as { content: string }).content).join('')).toBe(chatWant.text);
  });

  it('serves 32 concurrent streaming clients, each getting its own sequence', async () => {
    const prompts = ['Once upon a time', 'The cat', 'Lily and Ben', 'One day', 'The sun was', 'Tom had a', 'A big red', 'In the park'];
    const maxTokens = (i: number) => 8 + (i % 5);
    const wants = new Map<string, Awaited<ReturnType<typeof reference>>>();
    for (let i = 0; i < 32; i++) {
      const key = `${prompts[i % 8]}|${maxTokens(i)}`;
      if (!wants.has(key)) wants.set(key, await reference(prompts[i % 8]!, { temperature: 0, maxTokens: maxTokens(i), chat: false }));
    }
    const got = await Promise.all(
      Array.from({ length: 32 }, async (_, i) => {
        const stream = await client.completions.create({
          model: 'stories260K',
          prompt: prompts[i % 8]!,
          max_tokens: maxTokens(i),
          temperature: 0,
          stream: true,
          stream_options: { include_usage: true },
        });
        let text = '';
        let usage;
        for await (const c of stream) {
          text += c.choices[0]?.text ?? '';
          if (c.usage) usage = c.usage;
        }
        return { text, usage };
      }),
    );
    got.forEach(({ text, usage }, i) => {
      const want = wants.get(`${prompts[i % 8]}|${maxTokens(i)}`)!;
      expect(text).toBe(want.text);
      expect(usage).toMatchObject({ prompt_tokens: want.promptTokens, completion_tokens: want.completionTokens });
    });
    expect(server.scheduler.activeSlots).toBe(0);
  });
});

/** an engine whose steps wait for a gate, so a test can hold slots busy without timing */
function gated(engine: Engine) {
  const gate = stepGate();
  const wrapped: Engine = {
    info: engine.info,
    createSequence: () => engine.createSequence(),
    step: async (items) => {
      await gate.wait();
      return engine.step(items);
    },
    promptTokens: (input) => engine.promptTokens(input),
    tokenize: (text) => engine.tokenize(text),
    tokenText: (id) => engine.tokenText(id),
    createStreamDecoder: (prompt) => engine.createStreamDecoder(prompt),
    isEndOfGeneration: (id) => engine.isEndOfGeneration(id),
    close: () => engine.close(),
  };
  return { engine: wrapped, gate };
}

describe('stories260K slots under pressure', () => {
  it('frees the slot of a client that disconnects, and answers 429 when the queue is full', async () => {
    const { engine, gate } = gated(await CoreEngine.create(model));
    const { server, url } = await startServer({ engine, modelName: 'stories260K', parallel: 1, maxQueue: 0 });
    try {
      const ac = new AbortController();
      const response = fetch(`${url}/api/generate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'stories260K', prompt: 'Once upon a time', raw: true, options: { temperature: 0, num_predict: 500 } }),
        signal: ac.signal,
      });
      await until(() => gate.waiting === 1);
      const full = await fetch(`${url}/v1/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'stories260K', prompt: 'x' }),
      });
      expect(full.status).toBe(429);
      expect((await json(full)).error.code).toBe('queue_full');
      // a few steps, a line read, then the client leaves
      gate.release();
      const reader = (await response).body!.getReader();
      await reader.read();
      ac.abort();
      await until(() => {
        gate.release();
        return server.scheduler.activeSlots === 0;
      });
      gate.open();
      const metrics = await fetch(`${url}/metrics`).then((r) => r.text());
      const generated = Number(/ix_completion_tokens_total (\d+)/.exec(metrics)![1]);
      expect(generated).toBeLessThan(500);
      const ok = await fetch(`${url}/v1/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'stories260K', prompt: 'x', max_tokens: 3, temperature: 0 }),
      });
      expect(ok.status).toBe(200);
      expect((await json(ok)).usage.completion_tokens).toBe(3);
    } finally {
      await server.close();
    }
  });
});
