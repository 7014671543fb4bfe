import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { discoverBackends, type DTypeName } from '@ix/core';
import { calibrate, CALIBRATION_TEXT, loadModel, meanKL, measureSpeed, writeNestedModel, type Model, type Precision } from '@ix/llm';
import { toolArgs } from '@ix/model-gen';

/**
 * Adaptive precision, measured (docs/adaptive-precision.md): for one float model, the mean KL
 * divergence of next-token distributions from the float model's, the share of positions whose top
 * token agrees, and tokens/s, against the bits per weight read by the matrices that nesting covers,
 * for uniform files (ggml's Q8_0, Q4_0 and Q4_K of the same matrices, everything else as the nested
 * file has it) and the nested file at fixed levels and budgets, with llama.cpp's layer order and
 * with a calibrated one (calibrated on one text, measured on another).
 */
const values = toolArgs(
  {
    model: { type: 'string', default: join('..', 'shared', 'models', 'stories260K', 'stories260K.gguf') },
    tokens: { type: 'string', default: '256' },
    budgets: { type: 'string', default: '5.5,6.5,7.5' },
    speed: { type: 'boolean', default: false },
    pp: { type: 'string', default: '256' },
    tg: { type: 'string', default: '64' },
    repeats: { type: 'string', default: '3' },
    threads: { type: 'string' },
    backend: { type: 'string', default: 'cpu-avx' },
    // cpu-avx: the accuracy mode of the measured rows (the float reference always runs exact)
    accuracy: { type: 'string', default: 'exact' },
    'model-dir': { type: 'string', default: join(tmpdir(), 'ix-bench-models') },
  },
  'usage: node tools/bench/dist/precision.js [--model float.gguf] [--tokens 256] [--budgets 5.5,6.5,7.5] [--speed [--pp 256 --tg 64 --repeats 3 --threads n]] [--backend cpu-avx] [--accuracy exact|fast] [--model-dir dir]',
);

// measured on a text that calibration never saw
const EVAL_TEXT = `Tom and his sister Ann went to the park on a sunny day. They saw a big dog that wanted to play. "Can we throw the ball for him?" Ann asked. Their mom smiled and said yes. The dog ran fast and brought the ball back every time. After a while, they were tired and sat under a tree to eat apples. Ann said, "This is the best day ever." Tom agreed, and they walked home happy.
The report found that sales rose by 12 percent in the second quarter, driven by strong demand in Europe and Asia. Costs fell slightly, and the company expects growth to continue next year.
for (let i = 0; i < items.length; i++) { total += items[i].price * items[i].count; }
`.repeat(8);

const n = Number(values.tokens);
const backend = values.backend!;
const cpu = backend === 'cpu-avx';
const accuracy = values.accuracy!;
if (accuracy !== 'exact' && accuracy !== 'fast') throw new Error(`--accuracy must be exact or fast, got ${accuracy}`);
const threads = values.threads ? Number(values.threads) : undefined;
await discoverBackends();
const dir = values['model-dir']!;
await mkdir(dir, { recursive: true });
const source = values.model!;
const stem = basename(source).replace(/\.gguf$/, '');

async function derived(tag: string, plain?: DTypeName): Promise<string> {
  const path = join(dir, `${stem}.${tag}.gguf`);
  if (!existsSync(path)) {
    process.stderr.write(`writing ${path}\n`);
    await writeNestedModel(source, path, plain ? { plain } : {});
  }
  return path;
}

async function withModel<T>(path: string, f: (m: Model) => Promise<T>, mode = accuracy): Promise<T> {
  const m = await loadModel(path, { backend, backendOptions: cpu ? { accuracy: mode } : undefined, threads, sensitivity: false, profile: false });
  try {
    return await f(m);
  } finally {
    await m.dispose();
  }
}

async function logits(m: Model, tokens: number[], precision?: Precision): Promise<Float32Array> {
  const s = m.createSession({ contextLength: tokens.length, batchSize: 512, kvType: 'F32', ...(precision !== undefined && { precision }) });
  try {
    return await s.evaluate(tokens, true);
  } finally {
    s.dispose();
  }
}

function top1Agreement(p: Float32Array, q: Float32Array, vocab: number): number {
  const argmax = (a: Float32Array, r: number) => {
    let best = 0;
    for (let i = 1; i < vocab; i++) if (a[r * vocab + i]! > a[r * vocab + best]!) best = i;
    return best;
  };
  const rows = p.length / vocab;
  let same = 0;
  for (let r = 0; r < rows; r++) if (argmax(p, r) === argmax(q, r)) same++;
  return same / rows;
}

const { tokens, reference, vocab } = await withModel(
  source,
  async (m) => {
    const tokens = m.tokenizer.encode(EVAL_TEXT).slice(0, Math.min(n, m.hparams.contextLength));
    return { tokens, reference: await logits(m, tokens), vocab: m.hparams.vocabSize };
  },
  'exact',
);

interface Row {
  config: string;
  bits: number;
  kl: number;
  top1: number;
  pp?: number;
  tg?: number;
}
const rows: Row[] = [];
const speed = async (m: Model, precision?: Precision) => {
  if (!values.speed) return {};
  const r = await measureSpeed(m, Number(values.pp), Number(values.tg), { repeats: Number(values.repeats), sampling: 'none', ...(precision !== undefined && { precision }) });
  return { pp: r[0]!.tokensPerSecond, tg: r[1]!.tokensPerSecond };
};
const measure = async (m: Model, config: string, bits: number, precision?: Precision) => {
  const l = await logits(m, tokens, precision);
  rows.push({ config, bits, kl: meanKL(reference, l, vocab), top1: top1Agreement(reference, l, vocab), ...(await speed(m, precision)) });
  process.stderr.write(`${config}: done\n`);
};

const uniform: [DTypeName, number][] = [
  ['Q8_0', 8.5],
  ['Q4_K', 4.5],
  ['Q4_0', 4.5],
];
for (const [type, bits] of uniform) {
  let path: string;
  try {
    path = await derived(type, type);
  } catch (e) {
    process.stderr.write(`${type}: skipped (${(e as Error).message})\n`);
    continue;
  }
  await withModel(path, (m) => measure(m, `uniform ${type}`, bits));
}

const nestedPath = await derived('nested');
const budgets = values.budgets!.split(',').map(Number);
await withModel(nestedPath, async (m) => {
  const nested = m.nested!;
  const bits = (p: Precision) => nested.bitsPerWeight(nested.chosen(p));
  await measure(m, 'nested eco', bits('eco'), 'eco');
  for (const b of budgets) await measure(m, `nested ${b} bits, llama.cpp order`, bits(b), b);
  // calibrated on the built-in text, measured on the evaluation text
  const calTokens = m.tokenizer.encode(CALIBRATION_TEXT).slice(0, Math.min(n, m.hparams.contextLength));
  const calibration = await calibrate(m, calTokens);
  nested.useSensitivity(calibration.parts);
  nested.entropyQuantiles = calibration.entropyQuantiles;
  for (const b of budgets) await measure(m, `nested ${b} bits, calibrated`, bits(b), b);
  await measure(m, 'nested max', bits('max'), 'max');

  // 'auto' decides each step from the step before, so it runs one token per step; so does the
  // static budget it is compared with, at the bits auto read on average
  // (`each(t)`: the precision of step t, or one for all)
  const decode = async (each: Precision | ((t: number) => Precision)) => {
    const s = m.createSession({ contextLength: tokens.length, kvType: 'F32', precision: typeof each === 'function' ? each(0) : each });
    const out = new Float32Array(tokens.length * vocab);
    const read: number[] = [];
    try {
      for (let t = 0; t < tokens.length; t++) {
        if (typeof each === 'function') s.precision = each(t);
        out.set(await s.evaluate(tokens.slice(0, t + 1)), t * vocab);
        read.push(bits(s.lastPrecision!));
      }
    } finally {
      s.dispose();
    }
    return { l: out, bits: read.reduce((a, b) => a + b, 0) / tokens.length, read };
  };
  const auto = await decode('auto');
  const fixed = await decode(auto.bits);
  // the control: auto's budgets dealt to the steps at random (same bits, no entropy signal)
  let seed = 12345;
  const random = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const dealt = [...auto.read];
  for (let i = dealt.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [dealt[i], dealt[j]] = [dealt[j]!, dealt[i]!];
  }
  const shuffled = await decode((t) => dealt[t]!);
  for (const [config, run] of [
    ['nested auto, one token per step', auto],
    ["nested auto's budgets at random steps, one token per step", shuffled],
    [`nested ${auto.bits.toFixed(2)} bits calibrated, one token per step`, fixed],
  ] as const) {
    rows.push({ config, bits: run.bits, kl: meanKL(reference, run.l, vocab), top1: top1Agreement(reference, run.l, vocab) });
  }
});

process.stdout.write(`${stem}: mean KL(float || x) and top-1 agreement over ${tokens.length} tokens, ${backend}${cpu ? ` ${accuracy} (float reference: exact)` : ''}; CPU ${cpus()[0]?.model.trim()}${values.speed ? `, ${threads ?? 'default'} threads, pp${values.pp}/tg${values.tg} median of ${values.repeats}` : ''}\n\n`);
const head = ['config', 'bits/weight', 'KL', 'top-1', ...(values.speed ? ['pp t/s', 'tg t/s'] : [])];
process.stdout.write(`| ${head.join(' | ')} |\n|${head.map(() => '---').join('|')}|\n`);
for (const r of [...rows].sort((a, b) => a.bits - b.bits || b.kl - a.kl)) {
  const cells = [r.config, r.bits.toFixed(2), r.kl.toExponential(2), `${(100 * r.top1).toFixed(1)}%`, ...(values.speed ? [r.pp?.toFixed(1) ?? '', r.tg?.toFixed(1) ?? ''] : [])];
  process.stdout.write(`| ${cells.join(' | ')} |\n`);
}
