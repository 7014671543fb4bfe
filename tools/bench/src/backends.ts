import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { discoverBackends } from '@ix/core';
import { loadModel, measureSpeed } from '@ix/llm';
import { toolArgs } from '@ix/model-gen';

import { benchModel, positiveInt } from './bench-model.js';
import { llamaBenchSpeed } from './llama-bench-speed.js';

/**
 * Backends side by side on one GGUF, and optionally native llama-bench on the same file
 * (`--peer llama-bench`, built by native-peer.ts): prefill and decode medians of repeats after a
 * warm-up, as ix bench measures them (fixed-token decode like llama-bench), and each row's ratio
 * to the base row (the peer when there is one, else the second backend listed).
 *
 * Uses: WebGPU (WGSL through Dawn) against ix's native Vulkan backend on one driver (set
 * VK_ICD_FILENAMES, e.g. to Chromium's SwiftShader: on a software adapter the figures say how the
 * kernels and the per-step overhead compare, no target; llama.cpp's own Vulkan build does not
 * compile with Debian 12's glslc); the npu backend on ONNX Runtime's CPU EP against cpu-avx and
 * llama.cpp (`--backends npu,cpu-avx --peer llama-bench`).
 */
const values = toolArgs(
  {
    model: { type: 'string' },
    preset: { type: 'string', default: 'tinyllama-1.1b' },
    quant: { type: 'string', default: 'Q4_0' },
    'model-dir': { type: 'string', default: join(tmpdir(), 'ix-bench-models') },
    backends: { type: 'string', default: 'webgpu,vulkan' },
    peer: { type: 'string' },
    threads: { type: 'string' },
    accuracy: { type: 'string' },
    pp: { type: 'string', default: '64' },
    tg: { type: 'string', default: '16' },
    repeats: { type: 'string', default: '3' },
    json: { type: 'boolean', default: false },
  },
  'usage: node tools/bench/dist/backends.js [--model file.gguf | --preset tinyllama-1.1b --quant Q4_0] [--backends webgpu,vulkan] [--peer llama-bench] [--threads N] [--accuracy exact|fast] [--pp 64] [--tg 16] [--repeats 3] [--json]',
);
const log = (s: string) => process.stderr.write(s + '\n');
const pp = positiveInt('pp', values.pp!);
const tg = positiveInt('tg', values.tg!);
const repeats = positiveInt('repeats', values.repeats!);
const threads = values.threads === undefined ? undefined : positiveInt('threads', values.threads);
if (values.peer !== undefined && values.peer !== 'llama-bench') throw new Error(`--peer: only llama-bench is known, got "${values.peer}"`);
await discoverBackends();
const path = await benchModel({ model: values.model, preset: values.preset!, quant: values.quant!, modelDir: values['model-dir']! }, log);

const rows: { backend: string; device: string; pp: number; tg: number; host: number }[] = [];
for (const backend of values.backends!.split(',')) {
  const model = await loadModel(path, { backend, threads, ...(values.accuracy ? { backendOptions: { accuracy: values.accuracy } } : {}) });
  try {
    log(`${backend} on ${model.backend.device.name}${values.accuracy ? ` (${values.accuracy})` : ''}: pp${pp} / tg${tg} x ${repeats} ...`);
    const r = await measureSpeed(model, pp, tg, { sampling: 'none', repeats });
    const ppR = r.find((x) => x.test.startsWith('pp'))!;
    const tgR = r.find((x) => x.test.startsWith('tg'))!;
    rows.push({ backend, device: model.backend.device.name, pp: ppR.tokensPerSecond, tg: tgR.tokensPerSecond, host: tgR.hostShare });
  } finally {
    await model.dispose();
  }
}

if (values.peer) {
  const t = threads ?? (await import('node:os')).availableParallelism();
  log(`llama-bench (native, -t ${t}): pp${pp} / tg${tg} x ${repeats} ...`);
  const r = llamaBenchSpeed(path, t, pp, tg, repeats);
  rows.push({ backend: 'llama-bench', device: `llama.cpp, ${t} threads`, pp: r.ppTokensPerSecond, tg: r.tgTokensPerSecond, host: NaN });
}

if (values.json) {
  process.stdout.write(JSON.stringify({ model: path, pp, tg, repeats, rows }, null, 2) + '\n');
} else {
  const base = values.peer ? rows[rows.length - 1]! : (rows[1] ?? rows[0]!);
  const head = ['backend', 'device', `pp${pp} t/s`, `tg${tg} t/s`, 'tg host share', `pp / ${base.backend}`, `tg / ${base.backend}`];
  const all = [head, ...rows.map((r) => [r.backend, r.device, r.pp.toFixed(2), r.tg.toFixed(2), Number.isNaN(r.host) ? '-' : (100 * r.host).toFixed(1) + '%', (r.pp / base.pp).toFixed(2), (r.tg / base.tg).toFixed(2)])];
  const widths = head.map((_, c) => Math.max(...all.map((r) => r[c]!.length)));
  for (const r of all) process.stdout.write(r.map((c, i) => c.padEnd(widths[i]!)).join('  ') + '\n');
}
