import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toolArgs } from '@ix/model-gen';
import { benchModel, positiveInt } from './bench-model.js';
import { nativePeer } from './native-peer.js';
import { startServer, stopServer, type Server } from './servers.js';

/**
 * Load on `ix serve` and llama.cpp's `llama-server`, in one run, on the same GGUF with the same slots
 * and threads: C clients at a time each stream chat completions of N tokens (closed loop), and
 * the run reports aggregate generated tokens/s and time to first token (p50/p99) per server.
 * Servers started with their own defaults instead (no slot, thread or context flags): `ix-defaults`
 * (no tuning profile), `ix-tuned` (the profile `ix tune` keeps in --profile-dir, tuned first when
 * there is none), `llama-server-defaults` and `node-llama-cpp-defaults` (nlc-server.ts: the library
 * with its defaults behind a minimal HTTP face): issue #26's comparison of tuned and default settings.
 */
const usage = `usage: node tools/bench/dist/serve-load.js [--model file.gguf | --preset qwen3-tiny --quant Q8_0]
  [--clients 1,8,32] [--tokens 32] [--rounds 3] [--parallel 8] [--threads 2] [--ctx 512]
  [--servers ix,llama-server,ix-defaults,ix-tuned,llama-server-defaults,node-llama-cpp-defaults] [--llama-server path] [--endpoint chat|completions]
  [--accuracy exact|fast] [--profile-dir dir] [--tune-budget 120] [--json]`;
const values = toolArgs(
  {
    model: { type: 'string' },
    preset: { type: 'string', default: 'qwen3-tiny' },
    quant: { type: 'string', default: 'Q8_0' },
    clients: { type: 'string', default: '1,8,32' },
    tokens: { type: 'string', default: '32' },
    // requests each client makes in a row, per client count
    rounds: { type: 'string', default: '3' },
    parallel: { type: 'string', default: '8' },
    threads: { type: 'string', default: '2' },
    ctx: { type: 'string', default: '512' },
    servers: { type: 'string', default: 'ix,llama-server' },
    // chat: /v1/chat/completions (the model needs a chat template); completions: /v1/completions
    endpoint: { type: 'string', default: 'chat' },
    // ix's CPU accuracy mode: exact (f32 activations, ix's default) or fast (8-bit activations, as llama.cpp)
    accuracy: { type: 'string', default: 'exact' },
    'llama-server': { type: 'string' },
    // ix-tuned: where its profile is kept (tuned there first when it holds none)
    'profile-dir': { type: 'string', default: join(tmpdir(), 'ix-bench-profiles') },
    'tune-budget': { type: 'string', default: '120' },
    'model-dir': { type: 'string', default: join(tmpdir(), 'ix-bench-models') },
    json: { type: 'boolean' },
  },
  usage,
);
const log = (s: string) => process.stderr.write(s + '\n');
const num = positiveInt;
const clientCounts = values.clients!.split(',').map((c) => num('clients', c));
const tokens = num('tokens', values.tokens!);
const rounds = num('rounds', values.rounds!);
const parallel = num('parallel', values.parallel!);
const threads = num('threads', values.threads!);
const ctx = num('ctx', values.ctx!);
const endpoint = values.endpoint!;
if (endpoint !== 'chat' && endpoint !== 'completions') throw new Error(`--endpoint must be chat or completions, got ${endpoint}`);

const modelPath = () => benchModel({ model: values.model, preset: values.preset!, quant: values.quant!, modelDir: values['model-dir']! }, log);

const cli = fileURLToPath(new URL('../../../packages/cli/dist/ix.js', import.meta.url));
const profileDir = values['profile-dir']!;

/** ix-tuned's profile: `ix tune` the model into --profile-dir unless a profile is there already */
function ensureProfile(model: string): void {
  if (existsSync(profileDir) && readdirSync(profileDir).some((f) => f.endsWith('.json'))) {
    log(`ix-tuned: using the profile in ${profileDir}`);
    return;
  }
  log(`ix-tuned: ix tune ${model} --budget ${values['tune-budget']} (profile into ${profileDir})`);
  // its table to stderr: stdout is this run's report (or JSON)
  execFileSync(process.execPath, [cli, 'tune', model, '--budget', values['tune-budget']!], { stdio: ['ignore', 2, 'inherit'], env: { ...process.env, IX_PROFILE: '', IX_PROFILE_DIR: profileDir } });
}

async function startBenchServer(name: string, model: string, port: number): Promise<Server> {
  if (name === 'ix-defaults' || name === 'ix-tuned') {
    const args = [cli, 'serve', model, '--port', String(port), '--max-queue', '1024'];
    return startServer(name, process.execPath, args, port, name === 'ix-defaults' ? { IX_PROFILE: 'off' } : { IX_PROFILE: '', IX_PROFILE_DIR: profileDir });
  }
  if (name === 'node-llama-cpp-defaults') {
    if (endpoint !== 'completions') throw new Error('node-llama-cpp-defaults serves /v1/completions only: use --endpoint completions');
    const server = fileURLToPath(new URL('./nlc-server.js', import.meta.url));
    return startServer(name, process.execPath, [server, '--model', model, '--port', String(port)], port);
  }
  if (name === 'llama-server-defaults') {
    const args = ['-m', model, '--port', String(port), '--host', '127.0.0.1', '--no-webui'];
    return startServer(name, values['llama-server'] ?? nativePeer('llama-server', log), args, port);
  }
  if (name === 'ix') {
    const args = [cli, 'serve', model, '--port', String(port), '--parallel', String(parallel), '-t', String(threads), '-c', String(ctx), '--max-queue', '1024'];
    return startServer(name, process.execPath, args, port, { IX_CPU_ACCURACY: values.accuracy });
  }
  if (name === 'llama-server') {
    // -c is the total over all slots in llama-server
    const args = ['-m', model, '--port', String(port), '--host', '127.0.0.1', '-np', String(parallel), '-t', String(threads), '-tb', String(threads), '-c', String(ctx * parallel), '--no-webui'];
    return startServer(name, values['llama-server'] ?? nativePeer('llama-server', log), args, port);
  }
  throw new Error(`unknown server ${name} (ix, llama-server, ix-defaults, ix-tuned, llama-server-defaults, node-llama-cpp-defaults)`);
}

interface RequestResult {
  ttftMs: number;
  tokens: number;
}

/**
 * One streamed chat completion, on a connection of its own (llama-server closes idle keep-alive
 * sockets, which a pooled client would reuse and fail on); counts the tokens the server reports in
 * its usage chunk, or else the content chunks.
 */
function chat(s: Server, id: number): Promise<RequestResult> {
  const prompt = `Tell me a story about the number ${id}.`;
  const body = JSON.stringify({
    model: s.model,
    ...(endpoint === 'chat' ? { messages: [{ role: 'user', content: prompt }] } : { prompt }),
    max_tokens: tokens,
    stream: true,
    stream_options: { include_usage: true },
  });
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = request(`${s.url}/v1/${endpoint === 'chat' ? 'chat/completions' : 'completions'}`, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let ttftMs = NaN;
      let chunks = 0;
      let reported: number | undefined;
      let buf = '';
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (part: string) => {
        if (res.statusCode !== 200) {
          text += part;
          return;
        }
        buf += part;
        let end: number;
        while ((end = buf.indexOf('\n\n')) >= 0) {
          const event = buf.slice(0, end);
          buf = buf.slice(end + 2);
          for (const line of event.split('\n')) {
            if (!line.startsWith('data: ') || line === 'data: [DONE]') continue;
            const data = JSON.parse(line.slice(6)) as { choices?: { delta?: { content?: string }; text?: string }[]; usage?: { completion_tokens?: number } };
            if (data.usage?.completion_tokens !== undefined) reported = data.usage.completion_tokens;
            const choice = data.choices?.[0];
            if (choice?.delta?.content || choice?.text) {
              if (chunks === 0) ttftMs = performance.now() - t0;
              chunks++;
            }
          }
        }
      });
      res.on('end', () => (res.statusCode === 200 ? resolve({ ttftMs, tokens: reported ?? chunks }) : reject(new Error(`${s.name}: HTTP ${res.statusCode}: ${text}`))));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

interface LoadResult {
  server: string;
  clients: number;
  requests: number;
  tokens: number;
  seconds: number;
  tokensPerSecond: number;
  ttftP50Ms: number;
  ttftP99Ms: number;
  rssMB?: number;
}

const quantile = (xs: number[], q: number) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))]! : NaN;
};

function rssMB(pid: number | undefined): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

async function load(s: Server, clients: number): Promise<LoadResult> {
  let next = 0;
  const results: RequestResult[] = [];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (let r = 0; r < rounds; r++) results.push(await chat(s, next++));
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const total = results.reduce((a, r) => a + r.tokens, 0);
  const ttft = results.map((r) => r.ttftMs);
  return {
    server: s.name,
    clients,
    requests: results.length,
    tokens: total,
    seconds,
    tokensPerSecond: total / seconds,
    ttftP50Ms: quantile(ttft, 0.5),
    ttftP99Ms: quantile(ttft, 0.99),
    rssMB: rssMB(s.proc.pid),
  };
}

const model = await modelPath();
const cpu = cpus()[0]?.model ?? 'unknown CPU';
log(`${model}: ${endpoint}, ix accuracy ${values.accuracy}, ${clientCounts.join('/')} clients, ${tokens} tokens per request, ${rounds} requests per client, ${parallel} slots, ${threads} threads, ${cpu}`);
const rows: LoadResult[] = [];
let port = 18000 + Math.floor(Math.random() * 1000);
const servers = values.servers!.split(',');
if (servers.includes('ix-tuned')) ensureProfile(model);
for (const name of servers) {
  const server = await startBenchServer(name, model, port++);
  try {
    // warm-up, the same for both: first-use setup, page faults and (for ix) the JIT are not counted
    await Promise.all(Array.from({ length: 4 }, async (_, c) => {
      for (let r = 0; r < 4; r++) await chat(server, -1 - c);
    }));
    for (const clients of clientCounts) {
      const r = await load(server, clients);
      rows.push(r);
      log(`${name} ${clients} clients: ${r.tokensPerSecond.toFixed(1)} t/s, ttft p50 ${r.ttftP50Ms.toFixed(0)} ms p99 ${r.ttftP99Ms.toFixed(0)} ms, RSS ${r.rssMB?.toFixed(0)} MB`);
    }
  } finally {
    await stopServer(server);
  }
}

if (values.json) {
  process.stdout.write(JSON.stringify({ model, cpu, endpoint, accuracy: values.accuracy, tokens, rounds, parallel, threads, rows }, null, 2) + '\n');
} else if (servers.join() !== 'ix,llama-server') {
  // any other set of servers: tokens/s of each, and each as a ratio of the first
  const at = (name: string, c: number) => rows.find((r) => r.server === name && r.clients === c);
  const f = (x: number | undefined, d = 1) => (x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(d));
  const head = ['clients', ...servers.map((n) => `${n} t/s`), ...servers.slice(1).map((n) => `${n} / ${servers[0]}`), ...servers.map((n) => `${n} TTFT p50 ms`)];
  const body = clientCounts.map((c) => [
    String(c),
    ...servers.map((n) => f(at(n, c)?.tokensPerSecond)),
    ...servers.slice(1).map((n) => f((at(n, c)?.tokensPerSecond ?? NaN) / (at(servers[0]!, c)?.tokensPerSecond ?? NaN), 2)),
    ...servers.map((n) => f(at(n, c)?.ttftP50Ms, 0)),
  ]);
  const all = [head, ...body];
  const widths = head.map((_, c) => Math.max(...all.map((r) => r[c]!.length)));
  process.stdout.write(`${model}, streamed ${endpoint}, ${tokens} tokens per request, ${cpu}\n\n`);
  for (const r of all) process.stdout.write('| ' + r.map((c, i) => c.padEnd(widths[i]!)).join(' | ') + ' |\n');
} else {
  const ixAt = (c: number) => rows.find((r) => r.server === 'ix' && r.clients === c);
  const peerAt = (c: number) => rows.find((r) => r.server !== 'ix' && r.clients === c);
  const single = ixAt(clientCounts[0]!)?.tokensPerSecond;
  const head = ['clients', 'ix t/s', 'llama-server t/s', 'ix / llama-server', `ix / ix at ${clientCounts[0]}`, 'ix TTFT p50/p99 ms', 'llama-server TTFT p50/p99 ms'];
  const body = clientCounts.map((c) => {
    const a = ixAt(c);
    const b = peerAt(c);
    const f = (x: number | undefined, d = 1) => (x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(d));
    return [
      String(c),
      f(a?.tokensPerSecond),
      f(b?.tokensPerSecond),
      a && b ? f(a.tokensPerSecond / b.tokensPerSecond, 2) : '–',
      a && single ? f(a.tokensPerSecond / single, 2) : '–',
      a ? `${f(a.ttftP50Ms, 0)} / ${f(a.ttftP99Ms, 0)}` : '–',
      b ? `${f(b.ttftP50Ms, 0)} / ${f(b.ttftP99Ms, 0)}` : '–',
    ];
  });
  const all = [head, ...body];
  const widths = head.map((_, c) => Math.max(...all.map((r) => r[c]!.length)));
  process.stdout.write(`${model}, streamed ${endpoint}, ix accuracy ${values.accuracy}, ${tokens} tokens per request, ${parallel} slots, ${threads} threads, ${cpu}\n\n`);
  for (const r of all) process.stdout.write('| ' + r.map((c, i) => c.padEnd(widths[i]!)).join(' | ') + ' |\n');
}
