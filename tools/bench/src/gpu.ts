import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { discoverBackends } from '@ix/core';
import { loadModel, measureSpeed } from '@ix/llm';
import { toolArgs } from '@ix/model-gen';

import { benchModel, positiveInt } from './bench-model.js';

/**
 * GPU backends side by side on one GGUF: WebGPU (WGSL through Dawn) against ix's native Vulkan
 * backend, on whatever devices they find (set VK_ICD_FILENAMES to put both on one driver, e.g.
 * Chromium's SwiftShader). Prefill and decode medians of repeats after a warm-up, as ix bench
 * measures them, and the ratio to the first backend listed second. On a software adapter the
 * figures say how the kernels and the per-step overhead compare; they are no target. (llama.cpp's
 * own Vulkan build, the issue's other peer, does not compile with Debian 12's glslc: its
 * flash-attention shaders need cooperative-matrix support that shaderc 2023 lacks.)
 */
const values = toolArgs(
  {
    model: { type: 'string' },
    preset: { type: 'string', default: 'tinyllama-1.1b' },
    quant: { type: 'string', default: 'Q4_0' },
    'model-dir': { type: 'string', default: join(tmpdir(), 'ix-bench-models') },
    backends: { type: 'string', default: 'webgpu,vulkan' },
    pp: { type: 'string', default: '64' },
    tg: { type: 'string', default: '16' },
    repeats: { type: 'string', default: '3' },
    json: { type: 'boolean', default: false },
  },
  'usage: node tools/bench/dist/gpu.js [--model file.gguf | --preset tinyllama-1.1b --quant Q4_0] [--backends webgpu,vulkan] [--pp 64] [--tg 16] [--repeats 3] [--json]',
);
const log = (s: string) => process.stderr.write(s + '\n');
const pp = positiveInt('pp', values.pp!);
const tg = positiveInt('tg', values.tg!);
const repeats = positiveInt('repeats', values.repeats!);
await discoverBackends();
const path = await benchModel({ model: values.model, preset: values.preset!, quant: values.quant!, modelDir: values['model-dir']! }, log);

const rows: { backend: string; device: string; pp: number; tg: number; host: number }[] = [];
for (const backend of values.backends!.split(',')) {
  const model = await loadModel(path, { backend });
  try {
    log(`${backend} on ${model.backend.device.name}: pp${pp} / tg${tg} x ${repeats} ...`);
    const r = await measureSpeed(model, pp, tg, { sampling: 'none', repeats });
    const ppR = r.find((x) => x.test.startsWith('pp'))!;
    const tgR = r.find((x) => x.test.startsWith('tg'))!;
    rows.push({ backend, device: model.backend.device.name, pp: ppR.tokensPerSecond, tg: tgR.tokensPerSecond, host: tgR.hostShare });
  } finally {
    await model.dispose();
  }
}

if (values.json) {
  process.stdout.write(JSON.stringify({ model: path, pp, tg, repeats, rows }, null, 2) + '\n');
} else {
  const base = rows[1] ?? rows[0]!;
  const head = ['backend', 'device', `pp${pp} t/s`, `tg${tg} t/s`, 'tg host share', `pp / ${base.backend}`, `tg / ${base.backend}`];
  const all = [head, ...rows.map((r) => [r.backend, r.device, r.pp.toFixed(2), r.tg.toFixed(2), (100 * r.host).toFixed(1) + '%', (r.pp / base.pp).toFixed(2), (r.tg / base.tg).toFixed(2)])];
  const widths = head.map((_, c) => Math.max(...all.map((r) => r[c]!.length)));
  for (const r of all) process.stdout.write(r.map((c, i) => c.padEnd(widths[i]!)).join('  ') + '\n');
}
