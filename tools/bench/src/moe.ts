import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readGGUF, FileSource } from '@ix/llm';
import { toolArgs } from '@ix/model-gen';
import { benchModel, positiveInt } from './bench-model.js';
import { nativePeer } from './native-peer.js';
import { median } from './stats.js';

/**
 * A mixture-of-experts model under memory budgets, beside llama.cpp's mmap run of the same file:
 * tokens/s, expert hit rate and bytes read, and peak resident memory (VmHWM) of each process.
 * Every run is a process of its own (`ix bench`, `llama-bench`), so each VmHWM is that run's alone.
 */
const values = toolArgs(
  {
    preset: { type: 'string', default: 'qwen3moe-30b-a3b-4l' },
    quant: { type: 'string', default: 'Q4_0' },
    model: { type: 'string' },
    // expert budgets as shares of the experts' bytes
    budgets: { type: 'string', default: '0.25,0.5' },
    threads: { type: 'string', default: '2' },
    pp: { type: 'string', default: '64' },
    tg: { type: 'string', default: '32' },
    repeats: { type: 'string', default: '3' },
    'model-dir': { type: 'string', default: join(tmpdir(), 'ix-bench-models') },
  },
  'usage: node tools/bench/dist/moe.js [--preset qwen3moe-30b-a3b-4l] [--quant Q4_0] [--model file.gguf] [--budgets 0.25,0.5] [--threads 2] [--pp 64] [--tg 32] [--repeats 3] [--model-dir dir]',
);
const threads = positiveInt('threads', values.threads!);
const [pp, tg, repeats] = [positiveInt('pp', values.pp!), positiveInt('tg', values.tg!), positiveInt('repeats', values.repeats!)];
const shares = values.budgets!.split(',').map(Number);
if (shares.some((s) => !(s > 0 && s <= 1))) throw new Error(`--budgets must be shares in (0, 1], got ${values.budgets}`);
const log = (s: string) => process.stderr.write(s + '\n');
const path = await benchModel({ model: values.model, preset: values.preset!, quant: values.quant!, modelDir: values['model-dir']! }, log);
const MiB = 2 ** 20;

// the experts' bytes: every 3-D *_exps tensor of the file
const source = await FileSource.open(path);
const tensors = await readGGUF(source).then((f) => f.tensors).finally(() => source.close());
const expertBytes = tensors.filter((t) => /_exps\.weight$/.test(t.name)).reduce((s, t) => s + t.byteLength, 0);
const fileBytes = tensors.reduce((s, t) => s + t.byteLength, 0);
if (!expertBytes) throw new Error(`${path} has no expert tensors (*_exps)`);

/** Runs a command, sampling its VmHWM until it exits (VmHWM only grows: the last sample is the peak). */
function runMeasured(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ stdout: string; peak: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '', peak = 0;
    const sample = () => {
      try {
        const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peak = Math.max(peak, Number(m[1]) * 1024);
      } catch {
        // exited between samples
      }
    };
    const timer = setInterval(sample, 20);
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(timer);
      if (code !== 0) reject(new Error(`${cmd} exited with ${code}: ${stderr.slice(-2000)}`));
      else resolve({ stdout, peak });
    });
  });
}

interface Row {
  run: string;
  budget: string;
  pp: number;
  tg: number;
  hitRate: string;
  read: string;
  peak: number;
}
const rows: Row[] = [];

// llama.cpp: llama-bench maps the file (its default) and reads experts in place
{
  const bin = nativePeer('llama-bench');
  log('llama-bench ...');
  const r = await runMeasured(bin, ['-m', path, '-t', String(threads), '-p', String(pp), '-n', String(tg), '-r', String(repeats), '-o', 'json']);
  const out = JSON.parse(r.stdout) as { n_prompt: number; n_gen: number; samples_ts: number[] }[];
  const of = (g: (x: { n_prompt: number; n_gen: number }) => boolean) => median(out.find(g)?.samples_ts ?? [NaN]);
  rows.push({ run: 'llama-bench (mmap)', budget: 'none', pp: of((x) => x.n_gen === 0), tg: of((x) => x.n_prompt === 0), hitRate: '', read: '', peak: r.peak });
}

const ix = fileURLToPath(new URL('../../../packages/cli/dist/ix.js', import.meta.url));
for (const share of [0, ...shares]) {
  const budget = Math.round(share * expertBytes);
  log(`ix ${share ? `--moe-memory ${(budget / MiB).toFixed(0)}M` : '(no budget)'} ...`);
  const args = [ix, 'bench', path, '-p', String(pp), '-n', String(tg), '-r', String(repeats), '-t', String(threads), '--sampling', 'none', '--json'];
  if (budget) args.push('--moe-memory', String(budget));
  const r = await runMeasured(process.execPath, args, { ...process.env, IX_BACKEND: 'cpu-avx' });
  const out = JSON.parse(r.stdout) as { results: { test: string; tokensPerSecond: number }[]; experts?: { layers: { hits: number; misses: number; bytesRead: number }[] } };
  const all = (out.experts?.layers ?? []).reduce((s, u) => ({ hits: s.hits + u.hits, misses: s.misses + u.misses, bytesRead: s.bytesRead + u.bytesRead }), { hits: 0, misses: 0, bytesRead: 0 });
  rows.push({
    run: 'ix',
    budget: budget ? `${(budget / MiB).toFixed(0)} MiB (${(share * 100).toFixed(0)}%)` : 'none',
    pp: out.results.find((x) => x.test.startsWith('pp'))!.tokensPerSecond,
    tg: out.results.find((x) => x.test.startsWith('tg'))!.tokensPerSecond,
    hitRate: all.hits + all.misses ? `${((100 * all.hits) / (all.hits + all.misses)).toFixed(1)}%` : '',
    read: `${(all.bytesRead / MiB).toFixed(0)} MiB`,
    peak: r.peak,
  });
}

const cpu = execFileSync('sh', ['-c', "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"]).toString().trim() || cpus()[0]?.model;
process.stdout.write(`${path}: ${(fileBytes / MiB).toFixed(0)} MiB of tensors, ${(expertBytes / MiB).toFixed(0)} MiB of experts; ${cpu}, ${threads} threads, pp${pp} tg${tg}, medians of ${repeats}\n`);
process.stdout.write('expert hit rate and bytes read cover every run of ix bench (warm-up included); peak = VmHWM of the process\n');
const head = ['run', 'expert budget', `pp${pp} t/s`, `tg${tg} t/s`, 'hit rate', 'read', 'peak RSS', 'peak - budget'];
const body = rows.map((r) => {
  const budget = r.budget === 'none' ? 0 : Number(r.budget.split(' ')[0]) * MiB;
  return [r.run, r.budget, r.pp.toFixed(1), r.tg.toFixed(2), r.hitRate, r.read, `${(r.peak / MiB).toFixed(0)} MiB`, budget ? `${((r.peak - budget) / MiB).toFixed(0)} MiB` : ''];
});
const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
for (const line of [head, widths.map((w) => '-'.repeat(w)), ...body]) process.stdout.write(line.map((c, i) => c.padEnd(widths[i]!)).join('  ') + '\n');
