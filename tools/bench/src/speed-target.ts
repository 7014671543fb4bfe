import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { toolArgs } from '@ix/model-gen';
import { startServer, stopServer } from './servers.js';

/**
 * The server's tokens/s target on a nested model (docs/adaptive-precision.md): `ix serve`, one client
 * at a time; first the decode speed at fixed max and eco, then for each target the budget's path
 * while a request runs (sampled every second), where it ends, and the speed of a second request
 * once it has settled (end to end, as a client sees it).
 */
const values = toolArgs(
  {
    model: { type: 'string' },
    targets: { type: 'string', default: '35,40,45' },
    tokens: { type: 'string', default: '256' },
    threads: { type: 'string', default: '2' },
    port: { type: 'string', default: '8791' },
  },
  'usage: node tools/bench/dist/speed-target.js --model nested.gguf [--targets 35,40,45] [--tokens 256] [--threads 2]',
);
if (!values.model) throw new Error('--model nested.gguf is required (ix quantize --nested makes one)');
const tokens = Number(values.tokens);
const cli = fileURLToPath(new URL('../../../packages/cli/dist/ix.js', import.meta.url));

const server = await startServer('ix', process.execPath, [cli, 'serve', values.model, '--port', values.port!, '--parallel', '1', '-t', values.threads!, '-c', '1024'], Number(values.port));
const put = (body: unknown) => fetch(`${server.url}/ix/precision`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const state = async () => (await (await fetch(`${server.url}/ix/precision`)).json()) as { precision: unknown; measuredTokensPerSecond?: number };
async function generate(n: number): Promise<number> {
  const started = performance.now();
  const res = await fetch(`${server.url}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: server.model, prompt: 'Once upon a time', max_tokens: n, temperature: 0 }) });
  const body = (await res.json()) as { usage: { completion_tokens: number } };
  return body.usage.completion_tokens / ((performance.now() - started) / 1000);
}

try {
  console.log(`# ${values.model}; ${cpus()[0]?.model ?? 'unknown CPU'}, ${values.threads} threads; ${tokens}-token requests, one at a time`);
  await generate(16);
  for (const precision of ['max', 'eco']) {
    await put({ precision });
    console.log(`fixed ${precision}: ${(await generate(tokens)).toFixed(1)} tokens/s`);
  }
  console.log('\n| target t/s | bits while the first request runs (each second) | end | second request t/s |\n|---|---|---|---|');
  for (const target of values.targets!.split(',').map(Number)) {
    await put({ tokensPerSecond: target });
    const path: unknown[] = [];
    const sampler = setInterval(() => void state().then((s) => path.push(s.precision)), 1000);
    await generate(tokens);
    clearInterval(sampler);
    const second = await generate(tokens);
    console.log(`| ${target} | ${path.join(' ')} | ${(await state()).precision} | ${second.toFixed(1)} |`);
    await put({ precision: null });
  }
} finally {
  await stopServer(server);
}
