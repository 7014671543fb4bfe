import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { discoverBackends, registeredBackends } from '@ix/core';
import { loadModel } from '@ix/llm';
import { generateModel, PRESETS } from '../src/index.js';

/**
 * `moeMemory`: a mixture-of-experts model under an expert budget gives the logits it gives without
 * one (the experts are read from the file mapping instead of repacked copies), and counts each
 * layer's chosen experts: a decode step uses nUsed experts in each of gate, up and down.
 */
const PROMPT = [1, 415, 2936, 9060, 285, 1142, 461, 10575];
let dir: string;
let avx = false;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ix-moe-res-'));
  await discoverBackends();
  avx = registeredBackends().some((b) => b.name === 'cpu-avx');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('mixture-of-experts memory budget', () => {
  it('qwen3moe-tiny: same logits with a budget of one byte, and per-layer uses of a decode step', async (ctx) => {
    if (!avx) ctx.skip();
    const { arch, shape } = PRESETS['qwen3moe-tiny']!;
    const path = join(dir, 'qwen3moe.gguf');
    await generateModel({ arch, shape, seed: 3, gguf: path, quant: 'Q8_0' });
    const logits = async (moeMemory?: number) => {
      const model = await loadModel(path, { backend: 'cpu-avx', backendOptions: { accuracy: 'exact' }, moeMemory });
      try {
        const session = model.createSession({ contextLength: 32 });
        const prompt = await session.evaluate(PROMPT);
        const before = model.expertUse()!;
        const step = await session.evaluate([...PROMPT, 7]);
        const after = model.expertUse()!;
        return { prompt: Float32Array.from(prompt), step: Float32Array.from(step), before, after };
      } finally {
        await model.dispose();
      }
    };
    const free = await logits();
    const bounded = await logits(1);
    for (const key of ['prompt', 'step'] as const) {
      const spread = free[key].reduce((a, b) => Math.max(a, b)) - free[key].reduce((a, b) => Math.min(a, b));
      free[key].forEach((v, i) => expect(Math.abs(v - bounded[key][i]!)).toBeLessThan(1e-5 * spread));
    }
    expect(bounded.after.budget).toBe(1);
    expect(free.after.budget).toBe(0);
    for (const r of [free, bounded]) {
      expect(r.after.layers).toHaveLength(shape.nLayers);
      r.after.layers.forEach((u, l) => {
        const b = r.before.layers[l]!;
        expect(u.hits + u.misses - (b.hits + b.misses)).toBe(3 * shape.moe!.nUsed);
      });
    }
    // a one-byte budget keeps nothing from one op to the next: every use after the first op misses
    expect(bounded.after.layers.every((u) => u.misses > 0)).toBe(true);
  });

  it('refuses a budget for a dense model, on a backend that keeps experts in its own memory, and for experts not in a file mapping', async () => {
    const { arch, shape } = PRESETS['qwen3-tiny']!;
    const dense = join(dir, 'dense.gguf');
    await generateModel({ arch, shape, seed: 3, gguf: dense, quant: 'F32' });
    await expect(loadModel(dense, { moeMemory: 2 ** 30 })).rejects.toThrow(/is not a mixture-of-experts model/);
    const moe = join(dir, 'moe-ref.gguf');
    await generateModel({ ...PRESETS['qwen3moe-tiny']!, seed: 3, gguf: moe, quant: 'F32' });
    await expect(loadModel(moe, { backend: 'reference', moeMemory: 2 ** 30 })).rejects.toThrow(/backend reference keeps every expert in its own memory/);
    await expect(loadModel(moe, { moeMemory: -5 })).rejects.toThrow(/moeMemory must be a positive number of bytes/);
    // a Hugging Face folder's experts are stacked in memory: a budget could not bound them
    if (avx) {
      const hf = join(dir, 'moe-hf');
      await generateModel({ ...PRESETS['qwen3moe-tiny']!, seed: 3, hf });
      await expect(loadModel(hf, { backend: 'cpu-avx', moeMemory: 2 ** 30 })).rejects.toThrow(/experts are not read from a file mapping .* use a GGUF file/);
    }
  });
});
