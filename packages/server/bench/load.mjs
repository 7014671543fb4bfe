#!/usr/bin/env node
/**
 * Load test for a running `ix serve` (or any OpenAI-compatible server): N concurrent streaming
 * completions, greedy, reporting tokens/s over the whole run and time-to-first-token percentiles.
 *   node packages/server/bench/load.mjs --url http://127.0.0.1:8080 --model stories260K --clients 32 --max-tokens 32
 */
import { parseArgs } from 'node:util';

const { values: o } = parseArgs({
  options: {
    url: { type: 'string', default: 'http://127.0.0.1:8080' },
    model: { type: 'string' },
    clients: { type: 'string', default: '32' },
    'max-tokens': { type: 'string', default: '32' },
    'api-key': { type: 'string' },
    prompt: { type: 'string', multiple: true },
  },
});
if (!o.model) throw new Error('--model is required');
const prompts = o.prompt ?? ['Once upon a time', 'The cat', 'Lily and Ben', 'One day', 'The sun was', 'Tom had a', 'A big red', 'In the park'];
const headers = { 'content-type': 'application/json', ...(o['api-key'] ? { authorization: `Bearer ${o['api-key']}` } : {}) };

async function one(i) {
  const t0 = performance.now();
  const res = await fetch(`${o.url}/v1/completions`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ model: o.model, prompt: prompts[i % prompts.length], max_tokens: Number(o['max-tokens']), temperature: 0, stream: true, stream_options: { include_usage: true } }),
  });
  if (!res.ok) return { error: res.status };
  let ttft;
  let usage;
  let buffered = '';
  const decoder = new TextDecoder();
  for await (const chunk of res.body) {
    buffered += decoder.decode(chunk, { stream: true });
    let end;
    while ((end = buffered.indexOf('\n\n')) >= 0) {
      const event = buffered.slice(0, end).replace(/^data: /, '');
      buffered = buffered.slice(end + 2);
      if (event === '[DONE]') continue;
      const data = JSON.parse(event);
      if (ttft === undefined && data.choices?.[0]?.text) ttft = performance.now() - t0;
      if (data.usage) usage = data.usage;
    }
  }
  return { ttft, tokens: usage?.completion_tokens ?? 0 };
}

const clients = Number(o.clients);
const t0 = performance.now();
const results = await Promise.all(Array.from({ length: clients }, (_, i) => one(i)));
const seconds = (performance.now() - t0) / 1000;
const ok = results.filter((r) => r.error === undefined);
const tokens = ok.reduce((a, r) => a + r.tokens, 0);
const ttfts = ok.map((r) => r.ttft).filter((t) => t !== undefined).sort((a, b) => a - b);
const pct = (p) => (ttfts.length ? Math.round(ttfts[Math.min(ttfts.length - 1, Math.floor(p * ttfts.length))]) : null);
console.log(
  JSON.stringify({
    clients,
    refused: results.length - ok.length,
    tokens,
    seconds: Number(seconds.toFixed(2)),
    tokensPerSecond: Number((tokens / seconds).toFixed(1)),
    ttftMs: { p50: pct(0.5), p90: pct(0.9), max: pct(1) },
  }),
);
