import { existsSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { discoverBackends } from '@ix/core';
import { loadModel, measureSpeed } from '@ix/llm';
import { generateModel, PRESETS, toolArgs, toolProgress, type QuantPreset } from '@ix/model-gen';
import { measureBandwidth } from './bandwidth.js';
import { llamaCppSpeed } from './llamacpp-speed.js';

/**
 * ix vs llama.cpp in one run, on the same generated GGUF files: prompt processing and generation
 * tokens/s for each quant type and thread count, reported as ratios, with the memory-bandwidth
 * ceiling for decode.
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
    json: { type: 'boolean' },
  },
  'usage: node tools/bench/dist/bench.js [--preset tinyllama-1.1b] [--quants Q8_0,Q4_0,Q4_K_M,F16] [--threads 1,2] [--pp 512] [--tg 128]\n  [--backend cpu-avx] [--accuracy exact,fast] [--model-dir dir] [--json]',
);

const preset = PRESETS[values.preset!];
if (!preset) throw new Error(`unknown preset ${values.preset} (${Object.keys(PRESETS).join(', ')})`);
const pp = Number(values.pp);
const tg = Number(values.tg);
const threadCounts = values.threads!.split(',').map(Number);
await discoverBackends();
await mkdir(values['model-dir']!, { recursive: true });

const bandwidth = measureBandwidth();
const log = (s: string) => process.stderr.write(s + '\n');
log(`memory bandwidth (memcpy, read+write): ${(bandwidth / 1e9).toFixed(1)} GB/s`);

interface Row {
  quant: string;
  accuracy: string;
  threads: number;
  test: string;
  ix: number;
  llamaCpp: number;
  ratio: number;
  ceiling?: number;
}
const rows: Row[] = [];

for (const quant of values.quants!.split(',') as QuantPreset[]) {
  const path = join(values['model-dir']!, `${values.preset}-${quant}-seed1.gguf`);
  if (!existsSync(path)) {
    log(`generating ${path} ...`);
    await generateModel({ ...preset, seed: 1, gguf: path, quant, onProgress: toolProgress('  tensors') });
  }
  // decode reads every weight once per token (the embedding table only one row: leave it out)
  const weightBytes = statSync(path).size;
  const ceiling = bandwidth / weightBytes;
  const accuracies = values.accuracy!.split(',');
  for (const threads of threadCounts) {
    const ix: Record<string, { pp: number; tg: number }> = {};
    for (const accuracy of accuracies) {
      const model = await loadModel(path, { backend: values.backend, threads, backendOptions: { accuracy } });
      try {
        // greedy, as the peer (node-llama-cpp, temperature 0) generates
        const r = await measureSpeed(model, pp, tg, { sampling: 'greedy' });
        ix[accuracy] = { pp: r.find((x) => x.test.startsWith('pp'))!.tokensPerSecond, tg: r.find((x) => x.test.startsWith('tg'))!.tokensPerSecond };
      } finally {
        await model.dispose();
      }
    }
    const peer = await llamaCppSpeed(path, threads, pp, tg);
    for (const accuracy of accuracies) {
      const { pp: ixPP, tg: ixTG } = ix[accuracy]!;
      rows.push({ quant, accuracy, threads, test: `pp${pp}`, ix: ixPP, llamaCpp: peer.ppTokensPerSecond, ratio: ixPP / peer.ppTokensPerSecond });
      rows.push({ quant, accuracy, threads, test: `tg${tg}`, ix: ixTG, llamaCpp: peer.tgTokensPerSecond, ratio: ixTG / peer.tgTokensPerSecond, ceiling });
      log(`${quant} ${accuracy} t=${threads}: pp ${ixPP.toFixed(1)} vs ${peer.ppTokensPerSecond.toFixed(1)}, tg ${ixTG.toFixed(2)} vs ${peer.tgTokensPerSecond.toFixed(2)} (ceiling ${ceiling.toFixed(2)})`);
    }
  }
}

if (values.json) {
  process.stdout.write(JSON.stringify({ preset: values.preset, bandwidth, rows }, null, 2) + '\n');
} else {
  const head = ['quant', 'accuracy', 'threads', 'test', 'ix t/s', 'llama.cpp t/s', 'ix/llama.cpp', 'ceiling t/s', 'ix % of ceiling', 'llama.cpp % of ceiling'];
  const fmt = (r: Row) => [
    r.quant,
    r.accuracy,
    String(r.threads),
    r.test,
    r.ix.toFixed(2),
    r.llamaCpp.toFixed(2),
    r.ratio.toFixed(2),
    r.ceiling ? r.ceiling.toFixed(2) : '',
    r.ceiling ? ((100 * r.ix) / r.ceiling).toFixed(0) + '%' : '',
    r.ceiling ? ((100 * r.llamaCpp) / r.ceiling).toFixed(0) + '%' : '',
  ];
  const all = [head, ...rows.map(fmt)];
  const widths = head.map((_, c) => Math.max(...all.map((r) => r[c]!.length)));
  for (const r of all) process.stdout.write(r.map((c, i) => c.padEnd(widths[i]!)).join('  ') + '\n');
}
