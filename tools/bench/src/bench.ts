import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { discoverBackends } from '@ix/core';
import { loadModel, measureSpeed } from '@ix/llm';
import { generateModel, PRESETS, toolArgs, toolProgress, type QuantPreset } from '@ix/model-gen';
import { bytesReadPerToken, measureBandwidth } from './bandwidth.js';
import { llamaBenchSpeed } from './llama-bench-speed.js';
import { llamaCppSpeed } from './llamacpp-speed.js';
import { median } from './stats.js';

/**
 * ix vs llama.cpp in one run, on the same generated GGUF files (or one given with --model): prompt
 * processing and generation tokens/s for each quant type and thread count, medians of repeats,
 * reported as ratios, with ix's host overhead (time outside the backend's kernels) and the
 * memory-bandwidth ceiling for decode. The peer is node-llama-cpp's prebuilt binary (what npm
 * users get) or, with --peer llama-bench, llama-bench built from source with -march=native.
 * --rounds N measures ix and the peer N times in turn: each round gives a ratio of runs minutes
 * apart, and the report is the median round's (with the range), so a noisy machine's slow spells
 * hit both sides instead of one.
 */
const values = toolArgs(
  {
    preset: { type: 'string', default: 'tinyllama-1.1b' },
    quants: { type: 'string', default: 'Q8_0,Q4_0,Q4_K_M,F16' },
    threads: { type: 'string', default: '1,2' },
    pp: { type: 'string', default: '512' },
    tg: { type: 'string', default: '128' },
    backend: { type: 'string', default: 'cpu-avx' },
    // cpu-avx accuracy modes to measure: exact (f32 activations, the default) and/or fast (8-bit, as llama.cpp)
    accuracy: { type: 'string', default: 'exact' },
    'model-dir': { type: 'string', default: join(tmpdir(), 'ix-bench-models') },
    // a GGUF to measure instead of generated ones (e.g. ../shared/models/stories260K/stories260K.gguf)
    model: { type: 'string' },
    peer: { type: 'string', default: 'node-llama-cpp' },
    repeats: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '1' },
    json: { type: 'boolean' },
  },
  'usage: node tools/bench/dist/bench.js [--preset tinyllama-1.1b] [--quants Q8_0,Q4_0,Q4_K_M,F16] [--model file.gguf] [--threads 1,2]\n  [--pp 512] [--tg 128] [--repeats 5] [--rounds 1] [--peer node-llama-cpp|llama-bench] [--backend cpu-avx] [--accuracy exact,fast] [--model-dir dir] [--json]',
);

const preset = PRESETS[values.preset!];
if (!preset) throw new Error(`unknown preset ${values.preset} (${Object.keys(PRESETS).join(', ')})`);
const pp = Number(values.pp);
const tg = Number(values.tg);
const threadCounts = values.threads!.split(',').map(Number);
const repeats = Number(values.repeats);
const rounds = Number(values.rounds);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds must be a positive integer, got ${values.rounds}`);
const peerName = values.peer!;
if (peerName !== 'node-llama-cpp' && peerName !== 'llama-bench') throw new Error(`--peer must be node-llama-cpp or llama-bench, got ${peerName}`);
await discoverBackends();
await mkdir(values['model-dir']!, { recursive: true });

const log = (s: string) => process.stderr.write(s + '\n');
// per thread count (one thread reads less than the memory gives), first before any model is loaded,
// then again after every round: the best figure is the ceiling (a shared VM's bandwidth moves by
// 10-20% between minutes, and a ceiling from a slow minute would be passed)
const bandwidth = new Map(threadCounts.map((t) => [t, measureBandwidth(t)]));
for (const b of bandwidth.values()) log(`memory bandwidth (${b.method}): ${(b.bytesPerSecond / 1e9).toFixed(1)} GB/s`);
const remeasure = (threads: number) => {
  const b = measureBandwidth(threads);
  if (b.bytesPerSecond > bandwidth.get(threads)!.bytesPerSecond) bandwidth.set(threads, b);
};
const ceilingOf = (threads: number, bytesPerToken: number) => bandwidth.get(threads)!.bytesPerSecond / bytesPerToken;

interface Row {
  quant: string;
  accuracy: string;
  threads: number;
  test: string;
  ix: number;
  /** ix's wall time outside the backend's compute, as a share */
  ixHost: number;
  llamaCpp: number;
  ratio: number;
  /** with --rounds: the lowest and highest round's ratio */
  range?: [number, number];
  /** decode: the weight bytes a token reads, for the ceiling (bandwidth / this) */
  bytesPerToken?: number;
}

const rows: Row[] = [];

const quants = values.model ? ['file'] : (values.quants!.split(',') as QuantPreset[]);
for (const quant of quants) {
  const path = values.model ?? join(values['model-dir']!, `${values.preset}-${quant}-seed1.gguf`);
  if (!values.model && !existsSync(path)) {
    log(`generating ${path} ...`);
    await generateModel({ ...preset, seed: 1, gguf: path, quant: quant as QuantPreset, onProgress: toolProgress('  tensors'), threads: availableParallelism() });
  }
  // decode reads every weight it uses once per token (bandwidth.ts: one embedding row, a token's share of the experts)
  const bytesPerToken = await bytesReadPerToken(path);
  const accuracies = values.accuracy!.split(',');
  for (const threads of threadCounts) {
    type Speeds = { pp: number; tg: number; ppHost: number; tgHost: number };
    const measured: { ix: Record<string, Speeds>; peer: { pp: number; tg: number } }[] = [];
    for (let round = 1; round <= rounds; round++) {
      const ix: Record<string, Speeds> = {};
      for (const accuracy of accuracies) {
        const model = await loadModel(path, { backend: values.backend, threads, backendOptions: { accuracy } });
        try {
          // as the peer generates: greedy (node-llama-cpp, temperature 0) or fixed ids (llama-bench)
          const r = await measureSpeed(model, pp, tg, { sampling: peerName === 'llama-bench' ? 'none' : 'greedy', repeats });
          const ppR = r.find((x) => x.test.startsWith('pp'))!;
          const tgR = r.find((x) => x.test.startsWith('tg'))!;
          ix[accuracy] = { pp: ppR.tokensPerSecond, tg: tgR.tokensPerSecond, ppHost: ppR.hostShare, tgHost: tgR.hostShare };
        } finally {
          await model.dispose();
        }
      }
      const p = peerName === 'llama-bench' ? llamaBenchSpeed(path, threads, pp, tg, repeats) : await llamaCppSpeed(path, threads, pp, tg);
      const peer = { pp: p.ppTokensPerSecond, tg: p.tgTokensPerSecond };
      measured.push({ ix, peer });
      remeasure(threads);
      const ceiling = ceilingOf(threads, bytesPerToken);
      for (const accuracy of accuracies) {
        const { pp: ixPP, tg: ixTG } = ix[accuracy]!;
        const of = rounds > 1 ? ` (round ${round} of ${rounds})` : '';
        log(`${quant} ${accuracy} t=${threads}${of}: pp ${ixPP.toFixed(1)} vs ${peer.pp.toFixed(1)}, tg ${ixTG.toFixed(2)} vs ${peer.tg.toFixed(2)} (ceiling ${ceiling.toFixed(2)})`);
      }
    }
    for (const accuracy of accuracies) {
      // one row per test: medians over rounds of each side and of the rounds' ratios
      for (const [test, key, host] of [[`pp${pp}`, 'pp', 'ppHost'], [`tg${tg}`, 'tg', 'tgHost']] as const) {
        const ratios = measured.map((m) => m.ix[accuracy]![key] / m.peer[key]);
        rows.push({
          quant,
          accuracy,
          threads,
          test,
          ix: median(measured.map((m) => m.ix[accuracy]![key])),
          ixHost: median(measured.map((m) => m.ix[accuracy]![host])),
          llamaCpp: median(measured.map((m) => m.peer[key])),
          ratio: median(ratios),
          ...(rounds > 1 && { range: [Math.min(...ratios), Math.max(...ratios)] as [number, number] }),
          ...(key === 'tg' && { bytesPerToken }),
        });
      }
    }
  }
}

for (const b of bandwidth.values()) log(`ceilings from the best memory bandwidth measured (${b.method}): ${(b.bytesPerSecond / 1e9).toFixed(1)} GB/s`);
const withCeiling = rows.map((r) => ({ ...r, ...(r.bytesPerToken && { ceiling: ceilingOf(r.threads, r.bytesPerToken) }) }));
if (values.json) {
  process.stdout.write(JSON.stringify({ preset: values.model ?? values.preset, peer: peerName, repeats, rounds, bandwidth: Object.fromEntries(bandwidth), rows: withCeiling }, null, 2) + '\n');
} else {
  const head = ['quant', 'accuracy', 'threads', 'test', 'ix t/s', 'ix host', `${peerName} t/s`, 'ix/peer', ...(rounds > 1 ? ['rounds\' range'] : []), 'ceiling t/s', 'ix % of ceiling', 'peer % of ceiling'];
  const fmt = (r: (typeof withCeiling)[number]) => [
    r.quant,
    r.accuracy,
    String(r.threads),
    r.test,
    r.ix.toFixed(2),
    (100 * r.ixHost).toFixed(1) + '%',
    r.llamaCpp.toFixed(2),
    r.ratio.toFixed(2),
    ...(rounds > 1 ? [r.range ? `${r.range[0].toFixed(2)}-${r.range[1].toFixed(2)}` : ''] : []),
    r.ceiling ? r.ceiling.toFixed(2) : '',
    r.ceiling ? ((100 * r.ix) / r.ceiling).toFixed(0) + '%' : '',
    r.ceiling ? ((100 * r.llamaCpp) / r.ceiling).toFixed(0) + '%' : '',
  ];
  const all = [head, ...withCeiling.map(fmt)];
  const widths = head.map((_, c) => Math.max(...all.map((r) => r[c]!.length)));
  for (const r of all) process.stdout.write(r.map((c, i) => c.padEnd(widths[i]!)).join('  ') + '\n');
}
