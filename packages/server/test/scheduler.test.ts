import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { FakeEngine, charToken, BOS } from './fake-engine.js';
import { json, startServer, stepGate, until } from './helpers.js';

const AFTER_ABC = 'defghijklmnopqrstuvwxyz.';

describe('scheduler through the server', () => {
  it('serves 32 concurrent streaming clients on 4 slots, every step advancing all active slots', async () => {
    const engine = new FakeEngine();
    const { server, url } = await startServer({ engine, modelName: 'fake', parallel: 4, maxQueue: 64 });
    try {
      const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'x', maxRetries: 0 });
      const prompts = Array.from({ length: 32 }, (_, i) => 'abcdefghijklmnopqrstuvwxyz'[i % 26]!);
      const texts = await Promise.all(
        prompts.map(async (p, i) => {
          const stream = await client.completions.create({ model: 'fake', prompt: p, max_tokens: 5 + (i % 7), temperature: 0, stream: true, stream_options: { include_usage: true } });
          let text = '';
          let usage;
          for await (const c of stream) {
            text += c.choices[0]?.text ?? '';
            if (c.usage) usage = c.usage;
          }
          return { text, usage };
        }),
      );
      texts.forEach(({ text, usage }, i) => {
        // the alphabet after the prompt letter, then "." and EOS, cut at max_tokens
        const start = 'abcdefghijklmnopqrstuvwxyz'.indexOf(prompts[i]!) + 1;
        const expected = ('abcdefghijklmnopqrstuvwxyz'.slice(start) + '.').slice(0, 5 + (i % 7));
        expect(text).toBe(expected);
        expect(usage).toEqual({ prompt_tokens: 2, completion_tokens: expected.length, total_tokens: 2 + expected.length });
      });
      expect(Math.max(...engine.steps.map((s) => s.items))).toBe(4);
      expect(server.scheduler.activeSlots).toBe(0);
    } finally {
      await server.close();
    }
  });

  it('evaluates a long prompt in chunks, interleaved with the decoding of others', async () => {
    const engine = new FakeEngine({ contextLength: 512 });
    const { server, url } = await startServer({ engine, modelName: 'fake', parallel: 2, prefillChunk: 16 });
    try {
      const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'x', maxRetries: 0 });
      const short = client.completions.create({ model: 'fake', prompt: 'a', max_tokens: 20, temperature: 0 });
      const long = client.completions.create({ model: 'fake', prompt: ' '.repeat(100) + 'a', max_tokens: 3, temperature: 0 });
      const [s, l] = await Promise.all([short, long]);
      expect(s.choices[0]!.text).toBe('bcdefghijklmnopqrstu');
      expect(l.choices[0]!.text).toBe('bcd');
      // no step evaluated more than one chunk per slot plus one decoded token
      expect(Math.max(...engine.steps.map((st) => st.evaluated))).toBeLessThanOrEqual(16 + 2);
    } finally {
      await server.close();
    }
  });

  it('gives a request the slot caching the longest prefix of its prompt', async () => {
    const engine = new FakeEngine();
    const { server, url } = await startServer({ engine, modelName: 'fake', parallel: 3 });
    try {
      const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'x', maxRetries: 0 });
      const ask = (prompt: string) => client.completions.create({ model: 'fake', prompt, max_tokens: 1, temperature: 0 });
      await Promise.all([ask('hello world'), ask('goodbye'), ask('zzz')]);
      const before = engine.steps.length;
      const r = await ask('hello world, again');
      expect(r.choices[0]!.text).toBe('o');
      // only the new suffix ", again" (7 tokens) is evaluated for the prompt
      expect(engine.steps.slice(before).map((s) => s.evaluated)).toEqual([7]);
      const slot = server.scheduler.cachedTokens.find((t) => t.length === 1 + 'hello world, again'.length);
      expect(slot?.[0]).toBe(BOS);
      expect(slot?.[1]).toBe(charToken('h'));
    } finally {
      await server.close();
    }
  });

  it('frees the slot of a client that disconnects mid-stream', async () => {
    const gate = stepGate();
    const engine = new FakeEngine({ gate: gate.wait });
    const { server, url } = await startServer({ engine, modelName: 'fake', parallel: 1, maxQueue: 4 });
    try {
      const ac = new AbortController();
      const response = fetch(`${url}/v1/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'fake', prompt: 'a', max_tokens: 1000, temperature: 0, stream: true }),
        signal: ac.signal,
      });
      // one step: the prompt and the first token, "b" (headers go out with the first data)
      await until(() => gate.waiting === 1);
      gate.release();
      const reader = (await response).body!.getReader();
      let received = '';
      while (!received.includes('"text":"b"')) received += new TextDecoder().decode((await reader.read()).value);
      expect(server.scheduler.activeSlots).toBe(1);
      ac.abort();
      // step by step until the scheduler notices
      await until(() => {
        gate.release();
        return server.scheduler.activeSlots === 0;
      });
      // it stopped before the natural end (25 tokens: "b".."z", ".")
      expect(engine.steps.length).toBeLessThan(25);
      gate.open();
      // the slot serves the next request
      const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'x', maxRetries: 0 });
      const r = await client.completions.create({ model: 'fake', prompt: 'abc', max_tokens: 100, temperature: 0 });
      expect(r.choices[0]!.text).toBe(AFTER_ABC);
    } finally {
      await server.close();
    }
  });

  it('answers 429 with Retry-After when the queue is full, and serves the queued requests afterwards', async () => {
    const gate = stepGate();
    const engine = new FakeEngine({ gate: gate.wait });
    const { server, url } = await startServer({ engine, modelName: 'fake', parallel: 1, maxQueue: 1 });
    try {
      const send = () =>
        fetch(`${url}/v1/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'fake', prompt: 'abc', max_tokens: 3, temperature: 0 }),
        });
      const running = send();
      await until(() => server.scheduler.activeSlots === 1);
      const queued = send();
      await until(() => server.scheduler.queueDepth === 1);
      const refused = await send();
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
      expect((await json(refused)).error).toMatchObject({ type: 'rate_limit_error', code: 'queue_full' });
      // n choices that do not all fit are refused as a whole
      const tooMany = await fetch(`${url}/v1/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'fake', prompt: 'abc', n: 2 }),
      });
      expect(tooMany.status).toBe(429);
      gate.open();
      for (const r of await Promise.all([running, queued])) {
        expect(r.status).toBe(200);
        expect((await json(r)).choices[0].text).toBe('def');
      }
      const metrics = await fetch(`${url}/metrics`).then((r) => r.text());
      expect(metrics).toMatch(/ix_requests_total\{route="\/v1\/completions",status="429"\} 2/);
      expect(metrics).toMatch(/ix_completion_tokens_total 6/);
      expect(metrics).toMatch(/ix_queue_depth 0/);
      expect(metrics).toMatch(/ix_active_slots 0/);
      expect(metrics).toMatch(/ix_prompt_tokens_total 8/);
      // two jobs: two first tokens, and 2 gaps between the 3 tokens of each
      expect(metrics).toMatch(/ix_time_to_first_token_seconds_count 2/);
      expect(metrics).toMatch(/ix_token_latency_seconds_count 4/);
    } finally {
      await server.close();
    }
  });

  it('reports an engine failure to its clients (500 or an SSE error event) and goes on serving', async () => {
    // fails when a sequence reaches 6 tokens: BOS "abc" + 2 generated
    const { server, url } = await startServer({ engine: new FakeEngine({ failAtLength: 6 }), modelName: 'fake' });
    try {
      const body = (stream: boolean) => JSON.stringify({ model: 'fake', prompt: 'abc', max_tokens: 10, temperature: 0, stream });
      const plain = await fetch(`${url}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body(false) });
      expect(plain.status).toBe(500);
      expect((await json(plain)).error).toMatchObject({ type: 'server_error', code: 'internal_error' });
      const streamed = await fetch(`${url}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body(true) });
      const events = (await streamed.text()).split('\n\n').filter(Boolean);
      expect(events.slice(0, 2).map((e) => JSON.parse(e.slice(6)).choices[0].text)).toEqual(['d', 'e']);
      expect(JSON.parse(events.at(-1)!.slice(6)).error.code).toBe('internal_error');
      const fine = await fetch(`${url}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'fake', prompt: 'abcdefg', max_tokens: 2, temperature: 0 }) });
      expect((await json(fine)).choices[0].text).toBe('hi');
      expect(server.scheduler.activeSlots).toBe(0);
    } finally {
      await server.close();
    }
  });

  it('shuts down gracefully: refuses new work, finishes what runs', async () => {
    const gate = stepGate();
    const engine = new FakeEngine({ gate: gate.wait });
    const { server, url } = await startServer({ engine, modelName: 'fake', parallel: 2 });
    const inflight = fetch(`${url}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'fake', prompt: 'abc', max_tokens: 5, temperature: 0 }),
    });
    await until(() => server.scheduler.activeSlots === 1);
    const closing = server.close(60_000);
    await until(() => gate.waiting > 0);
    expect(() => server.scheduler.submit([{ promptTokens: [BOS] }])).toThrow(/shutting down/);
    // a request reaching the app meanwhile (e.g. on a kept-alive connection) gets the 503 error body
    const late = await server.app.inject({ method: 'GET', url: '/v1/models' });
    expect(late.statusCode).toBe(503);
    expect(late.json().error.code).toBe('shutting_down');
    gate.open();
    const res = await inflight;
    expect((await json(res)).choices[0].text).toBe('defgh');
    await closing;
    await expect(fetch(`${url}/health`)).rejects.toThrow();
  });

  it('cancels what still runs when the grace period ends', async () => {
    const gate = stepGate();
    const engine = new FakeEngine({ gate: gate.wait });
    const { server, url } = await startServer({ engine, modelName: 'fake', parallel: 1 });
    const inflight = fetch(`${url}/api/generate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'fake', prompt: 'abc', raw: true, stream: false, options: { temperature: 0 } }),
    });
    await until(() => gate.waiting > 0);
    const closing = server.close(0);
    // the held job is cancelled: its client gets what was generated (nothing) and a cut-short reason
    const body = await json(await inflight);
    expect(body).toMatchObject({ response: '', done: true, done_reason: 'length', eval_count: 0 });
    gate.open();
    await closing;
  });
});
