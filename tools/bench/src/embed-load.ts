import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toolArgs } from '@ix/model-gen';
import { benchModel, positiveInt } from './bench-model.js';
import { nativePeer } from './native-peer.js';
import { startServer, stopServer, type Server } from './servers.js';
import { median } from './stats.js';

/**
 * Embedding throughput of `ix serve` and llama.cpp's `llama-server --embeddings`, in one run, on the
 * same GGUF: one /v1/embeddings request of N short texts at a time, medians of rounds, reported
 * as embeddings/s and their ratio. Default model: all-MiniLM-L6-v2's shape with random weights.
 */
const usage = `usage: node tools/bench/dist/embed-load.js [--model file.gguf | --preset minilm-l6 --quant F16 --tokenizer-dir dir]
  [--texts 256] [--clients 0] [--rounds 5] [--threads 2] [--servers ix,llama-server] [--llama-server path] [--json]
  --clients N: N concurrent clients send the texts one per request instead of one request of all`;
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const values = toolArgs(
  {
    model: { type: 'string' },
    preset: { type: 'string', default: 'minilm-l6' },
    quant: { type: 'string', default: 'F16' },
    'tokenizer-dir': { type: 'string', default: join(REPO, '..', 'shared', 'models', 'all-MiniLM-L6-v2-tokenizer-only') },
    texts: { type: 'string', default: '256' },
    clients: { type: 'string', default: '0' },
    rounds: { type: 'string', default: '5' },
    threads: { type: 'string', default: '2' },
    servers: { type: 'string', default: 'ix,llama-server' },
    'llama-server': { type: 'string' },
    'model-dir': { type: 'string', default: join(tmpdir(), 'ix-bench-models') },
    json: { type: 'boolean' },
  },
  usage,
);
const log = (s: string) => process.stderr.write(s + '\n');
const num = positiveInt;
const nTexts = num('texts', values.texts!);
const rounds = num('rounds', values.rounds!);
const clients = values.clients === '0' ? 0 : num('clients', values.clients!);
const threads = num('threads', values.threads!);

const modelPath = () => benchModel({ model: values.model, preset: values.preset!, quant: values.quant!, modelDir: values['model-dir']!, tokenizerDir: values['tokenizer-dir'] }, log);

/** short search-engine-like texts of 6-15 words, the same every run */
function texts(n: number): string[] {
  const words = 'the a of to and in is for on with how what why best small fast local model engine search vector query answer text passage meaning city river music history price weather recipe travel code error'.split(' ');
  let seed = 1;
  const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  return Array.from({ length: n }, () => Array.from({ length: 6 + Math.floor(rnd() * 10) }, () => words[Math.floor(rnd() * words.length)]).join(' '));
}

async function start(name: string, model: string, port: number): Promise<Server> {
  if (name === 'ix') {
    const cli = fileURLToPath(new URL('../../../packages/cli/dist/ix.js', import.meta.url));
    return startServer(name, process.execPath, [cli, 'serve', model, '--port', String(port), '-t', String(threads)], port);
  }
  if (name === 'llama-server') {
    // every input is a task: 32 slots of 512 tokens decode up to 32 of them in one 4096-token batch
    const args = ['-m', model, '--port', String(port), '--host', '127.0.0.1', '--embeddings', '-np', '32', '-c', String(32 * 512), '-b', '4096', '-ub', '4096', '-t', String(threads), '-tb', String(threads), '--no-webui'];
    return startServer(name, values['llama-server'] ?? nativePeer('llama-server', log), args, port);
  }
  throw new Error(`unknown server ${name} (ix, llama-server)`);
}

async function embedOnce(s: Server, input: string[]): Promise<{ ms: number; first: number[]; tokens: number }> {
  const t0 = performance.now();
  const res = await fetch(`${s.url}/v1/embeddings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: s.model, input, encoding_format: 'float' }) });
  const body = (await res.json()) as { data?: { embedding: number[] }[]; usage?: { prompt_tokens: number } };
  const ms = performance.now() - t0;
  if (!res.ok || body.data?.length !== input.length) throw new Error(`${s.name}: HTTP ${res.status}: ${JSON.stringify(body).slice(0, 300)}`);
  return { ms, first: body.data[0]!.embedding, tokens: body.usage?.prompt_tokens ?? 0 };
}

/** the texts one per request, from `clients` concurrent closed-loop clients; the first text's vector and the token total */
async function embedConcurrently(s: Server, input: string[]): Promise<{ ms: number; first: number[]; tokens: number }> {
  const t0 = performance.now();
  let next = 0;
  let tokens = 0;
  let first: number[] = [];
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (let i = next++; i < input.length; i = next++) {
        const r = await embedOnce(s, [input[i]!]);
        tokens += r.tokens;
        if (i === 0) first = r.first;
      }
    }),
  );
  return { ms: performance.now() - t0, first, tokens };
}

const model = await modelPath();
const input = texts(nTexts);
const results: { server: string; ms: number; perSecond: number; tokens: number; first: number[] }[] = [];
let port = 19000 + Math.floor(Math.random() * 1000);
for (const name of values.servers!.split(',')) {
  log(`${name}: starting on ${model}`);
  const server = await start(name, model, port++);
  try {
    const measure = () => (clients ? embedConcurrently(server, input) : embedOnce(server, input));
    await measure(); // warm-up: graphs, plans, caches
    const runs = [];
    for (let r = 0; r < rounds; r++) runs.push(await measure());
    const ms = median(runs.map((r) => r.ms));
    results.push({ server: name, ms, perSecond: (nTexts / ms) * 1000, tokens: runs[0]!.tokens, first: runs[0]!.first });
    log(`${name}: ${ms.toFixed(1)} ms per request of ${nTexts} texts`);
  } finally {
    await stopServer(server);
  }
}
const cosine = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0) / Math.sqrt(a.reduce((s, x) => s + x * x, 0) * b.reduce((s, x) => s + x * x, 0));
const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
const ixResult = results.find((r) => r.server === 'ix');
const peer = results.find((r) => r.server === 'llama-server');
if (values.json) {
  process.stdout.write(JSON.stringify({ model, cpu, threads, texts: nTexts, results: results.map(({ first: _, ...r }) => r), ratio: ixResult && peer ? ixResult.perSecond / peer.perSecond : undefined }, null, 2) + '\n');
} else {
  const how = clients ? `${nTexts} texts from ${clients} concurrent clients, one text per /v1/embeddings request` : `${nTexts} texts per /v1/embeddings request`;
  process.stdout.write(`${model}, ${how}, ${threads} threads, ${cpu}, medians of ${rounds}\n\n`);
  process.stdout.write(`| server | ms/${clients ? 'round' : 'request'} | embeddings/s | prompt tokens |\n|---|---|---|---|\n`);
  for (const r of results) process.stdout.write(`| ${r.server} | ${r.ms.toFixed(1)} | ${r.perSecond.toFixed(1)} | ${r.tokens} |\n`);
  if (ixResult && peer) process.stdout.write(`\nix / llama-server: ${(ixResult.perSecond / peer.perSecond).toFixed(2)}x; first vectors agree to cosine ${cosine(ixResult.first, peer.first).toFixed(6)}\n`);
}
