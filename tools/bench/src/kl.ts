import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { discoverBackends } from '@ix/core';
import { loadModel, meanKL } from '@ix/llm';
import { generateModel, openPeer, PRESETS, toolArgs, type QuantPreset } from '@ix/model-gen';

/**
 * Quantization quality, measured: mean KL divergence KL(P_f32 || P_quant) of next-token
 * distributions over a text, where P_f32 is ix's reference backend on the F32 model. Side by side
 * for ix exact mode, ix fast mode (8-bit activations) and llama.cpp on the same quantized GGUF.
 */
const values = toolArgs(
  {
    preset: { type: 'string', default: 'llama-tiny' },
    quants: { type: 'string', default: 'Q8_0,Q6_K,Q5_K,Q4_K,Q4_0' },
    tokens: { type: 'string', default: '128' },
    // evaluate ix one token per step (the decode kernels) instead of one batch (the prefill kernels)
    decode: { type: 'boolean', default: false },
    'model-dir': { type: 'string', default: join(tmpdir(), 'ix-bench-models') },
  },
  'usage: node tools/bench/dist/kl.js [--preset llama-tiny] [--quants Q8_0,Q6_K,Q5_K,Q4_K,Q4_0] [--tokens 128] [--decode] [--model-dir dir]',
);
const preset = PRESETS[values.preset!];
if (!preset) throw new Error(`unknown preset ${values.preset}`);
const n = Number(values.tokens);
await discoverBackends();
await mkdir(values['model-dir']!, { recursive: true });

async function modelFile(quant: QuantPreset): Promise<string> {
  const path = join(values['model-dir']!, `${values.preset}-${quant}-seed1.gguf`);
  if (!existsSync(path)) await generateModel({ ...preset!, seed: 1, gguf: path, quant, threads: availableParallelism() });
  return path;
}

// a fixed text, tokenized by the model's own tokenizer
const TEXT = 'The quick brown fox jumps over the lazy dog. '.repeat(40);

async function ixLogits(path: string, backend: string, backendOptions?: Record<string, unknown>): Promise<{ logits: Float32Array; tokens: number[] }> {
  const model = await loadModel(path, { backend, backendOptions });
  try {
    const tokens = model.tokenizer.encode(TEXT).slice(0, n);
    const session = model.createSession({ contextLength: n });
    if (!values.decode) return { logits: await session.evaluate(tokens, true), tokens };
    const vocab = model.hparams.vocabSize;
    const logits = new Float32Array(tokens.length * vocab);
    for (let t = 0; t < tokens.length; t++) logits.set(await session.evaluate(tokens.slice(0, t + 1)), t * vocab);
    return { logits, tokens };
  } finally {
    await model.dispose();
  }
}

const vocab = preset.shape.vocabSize;
const base = await ixLogits(await modelFile('F32'), 'reference');
const rows: string[][] = [['quant', 'ix exact', 'ix fast', 'llama.cpp']];
for (const quant of values.quants!.split(',') as QuantPreset[]) {
  const path = await modelFile(quant);
  const exact = await ixLogits(path, 'cpu-avx', { accuracy: 'exact' });
  const fast = await ixLogits(path, 'cpu-avx', { accuracy: 'fast' });
  const peer = await openPeer(path, { vocabSize: vocab, contextSize: n });
  let peerRows: Float32Array[];
  try {
    peerRows = await peer.logits(base.tokens, base.tokens.map((_, i) => i));
  } finally {
    await peer.dispose();
  }
  const peerLogits = new Float32Array(peerRows.length * vocab);
  peerRows.forEach((r, t) => peerLogits.set(r, t * vocab));
  const kl = [meanKL(base.logits, exact.logits, vocab), meanKL(base.logits, fast.logits, vocab), meanKL(base.logits, peerLogits, vocab)];
  rows.push([quant, ...kl.map((k) => k.toExponential(3))]);
  process.stderr.write(`${quant}: ${kl.map((k) => k.toExponential(3)).join(' / ')}\n`);
}
process.stdout.write(`mean KL(F32 || quant) over ${base.tokens.length} positions, ${values.preset}, ix ${values.decode ? 'one token per step (decode kernels)' : 'one batch (prefill kernels)'}\n`);
const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
for (const r of rows) process.stdout.write(r.map((c, i) => c.padEnd(widths[i]!)).join('  ') + '\n');
