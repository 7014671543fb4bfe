#!/usr/bin/env node
import { availableParallelism } from 'node:os';

import { generateModel } from './generate.js';
import { PRESETS } from './shapes.js';
import type { QuantPreset } from './quant-mix.js';
import { toolArgs, toolProgress } from './tool-cli.js';

const usage = `usage: ix-model-gen --preset <${Object.keys(PRESETS).join('|')}> [--quant F32|F16|Q8_0|Q4_0|Q4_K_M|MXFP4 (MoE experts MXFP4, the rest Q8_0)|...] [--seed N] [--layers N] [--gguf out.gguf] [--hf out-folder] [--hf-dtype F32|BF16] [--tokenizer-dir folder (BERT: its WordPiece tokenizer.json)] [--pooling mean|cls|last] [--threads N (default: every core)]`;

const values = toolArgs(
  {
    preset: { type: 'string' },
    quant: { type: 'string', default: 'F32' },
    seed: { type: 'string', default: '1' },
    // fewer layers than the preset: a big model's layer shapes at a fraction of the file (speed checks)
    layers: { type: 'string' },
    gguf: { type: 'string' },
    hf: { type: 'string' },
    'hf-dtype': { type: 'string', default: 'F32' },
    'tokenizer-dir': { type: 'string' },
    // an embedding model's pooling (mean, cls, last): a decoder so marked is an embedder
    pooling: { type: 'string' },
    // worker threads making the GGUF's tensors (the file is the same whatever the count)
    threads: { type: 'string', default: String(availableParallelism()) },
  },
  usage,
);

const preset = values.preset ? PRESETS[values.preset] : undefined;
if (!preset || (!values.gguf && !values.hf)) {
  process.stderr.write(`${values.preset && !preset ? `error: unknown preset "${values.preset}"\n` : ''}${usage}\n`);
  process.exit(2);
}
if (values.pooling !== undefined && !['mean', 'cls', 'last'].includes(values.pooling)) {
  process.stderr.write(`error: --pooling must be mean, cls or last, got "${values.pooling}"\n${usage}\n`);
  process.exit(2);
}
const layers = values.layers === undefined ? preset.shape.nLayers : Number(values.layers);
if (!Number.isInteger(layers) || layers < 1) {
  process.stderr.write(`error: --layers must be a positive integer, got "${values.layers}"\n${usage}\n`);
  process.exit(2);
}
const threads = Number(values.threads);
if (!Number.isInteger(threads) || threads < 1) {
  process.stderr.write(`error: --threads must be a positive integer, got "${values.threads}"\n${usage}\n`);
  process.exit(2);
}
await generateModel({
  arch: preset.arch,
  shape: { ...preset.shape, nLayers: layers },
  seed: Number(values.seed),
  gguf: values.gguf,
  hf: values.hf,
  quant: values.quant as QuantPreset,
  hfDType: values['hf-dtype'] as 'F32' | 'BF16',
  tokenizerDir: values['tokenizer-dir'],
  pooling: values.pooling as 'mean' | 'cls' | 'last' | undefined,
  onProgress: toolProgress('tensors'),
  threads,
});
