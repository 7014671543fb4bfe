import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeModel, loadModel, openModel, writeNestedModel, type ModelFile } from '@ix/llm';
import { generateModel, PRESETS, type QuantPreset } from '../src/index.js';
import { maxDiff } from './helpers.js';

/**
 * `ix quantize --nested` from a Hugging Face safetensors folder against the same from the F32/BF16
 * GGUF of the same weights (model-gen writes both; the GGUF route is checked against llama.cpp in
 * peer-logits.test.ts): the two nested files hold the same tensors byte for byte and give the same
 * logits at both levels, so the folder's config.json became the GGUF keys convert_hf_to_gguf writes;
 * the file built from the folder tokenizes and renders chats exactly as the folder does.
 */
const PROMPT = [1, 415, 2936, 9060, 285, 1142, 461, 10575, 754, 272, 17898, 3914];
const TEXT = 'Hello world! 123 numbers,   spaces\n\ncode: def f(x): return x**2 # 日本語 ✨';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ix-nested-hf-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** logits (a nested model's at both levels), and what the tokenizer and chat template make of one text and one conversation */
async function behaviour(path: string, floatLogits = false): Promise<{ max?: Float32Array; eco?: Float32Array; logits?: Float32Array; tokens: number[]; chat?: number[] }> {
  const m = await loadModel(path, { backend: 'reference' });
  try {
    const out: { max?: Float32Array; eco?: Float32Array; logits?: Float32Array; tokens: number[]; chat?: number[] } = { tokens: m.tokenizer.encode(TEXT) };
    if (m.chatTemplate) out.chat = m.promptTokens([{ role: 'user', content: TEXT }], true);
    if (m.nested) for (const precision of ['max', 'eco'] as const) out[precision] = await m.createSession({ contextLength: 64, precision }).evaluate(PROMPT, true);
    else if (floatLogits) out.logits = await m.createSession({ contextLength: 64 }).evaluate(PROMPT, true);
    return out;
  } finally {
    await m.dispose();
  }
}

async function expectSameTensors(a: ModelFile, b: ModelFile): Promise<void> {
  expect([...b.tensors.keys()].sort()).toEqual([...a.tensors.keys()].sort());
  for (const [name, t] of a.tensors) {
    const u = b.tensors.get(name)!;
    expect({ name, dtype: u.dtype, shape: u.shape }).toEqual({ name, dtype: t.dtype, shape: t.shape });
    expect(Buffer.compare(Buffer.from(await u.read()), Buffer.from(await t.read())), name).toBe(0);
  }
}

// each a different part of the conversion: q/k permutation (llama), norm shift and sliding layers
// (gemma3), factor tensors and keys (LongRoPE), YaRN keys, multipliers (granite), Conv1D transposes
// and learned positions (gpt2), per-layer window flags and sinks (gpt-oss), a squeezed [1, H] gate and
// shared experts (qwen2moe), the q/k/v clamp (olmoe), LayerNorm and logit scale (cohere2)
const PRESET_NAMES = ['llama-tiny', 'gemma3-tiny', 'phi3-longrope-tiny', 'qwen3-yarn-tiny', 'granite-tiny', 'gpt2-tiny', 'gpt-oss-tiny', 'qwen2moe-tiny', 'olmoe-tiny', 'cohere2-tiny'] as const;

describe('ix quantize --nested from a Hugging Face folder = from the GGUF of the same weights', () => {
  for (const preset of PRESET_NAMES) {
    it(preset, async () => {
      const { arch, shape } = PRESETS[preset]!;
      const gguf = join(dir, `${preset}.gguf`);
      const hf = join(dir, `${preset}-hf`);
      await generateModel({ arch, shape, seed: 7, gguf, quant: 'F32', hf });
      const fromGGUF = join(dir, `${preset}.nested-gguf.gguf`);
      const fromHF = join(dir, `${preset}.nested-hf.gguf`);
      const a = await writeNestedModel(gguf, fromGGUF);
      const b = await writeNestedModel(hf, fromHF);
      expect(b).toMatchObject({ nested: a.nested, q8: a.q8, kept: a.kept });
      expect(a.nested).toBeGreaterThan(0);

      const [fa, fb] = [await openModel(fromGGUF), await openModel(fromHF)];
      try {
        await expectSameTensors(fa, fb);
        expect(fb.config.architecture).toBe(fa.config.architecture);
        expect(fb.tokenizerSource?.kind).toBe('hf');
        expect(describeModel(fb).nested).toEqual(describeModel(fa).nested);
      } finally {
        await Promise.all([fa.close(), fb.close()]);
      }
      const [folder, fromFile, fromFolder] = [await behaviour(hf), await behaviour(fromGGUF), await behaviour(fromHF)];
      // (numbers, not the arrays: a failing toEqual would diff 400k-element arrays for minutes)
      expect(maxDiff(fromFolder.max!, fromFile.max!)).toBe(0);
      expect(maxDiff(fromFolder.eco!, fromFile.eco!)).toBe(0);
      expect(maxDiff(fromFolder.max!, fromFolder.eco!)).toBeGreaterThan(0);
      expect({ tokens: fromFolder.tokens, chat: fromFolder.chat }).toEqual(folder);
    });
  }

  // quantizeNested is deterministic: worker threads (the built package's nested-worker.js) change the time, not the file
  it('the same file from one thread and from worker threads', async () => {
    const { arch, shape } = PRESETS['qwen3-tiny']!;
    const gguf = join(dir, 'threads.gguf');
    await generateModel({ arch, shape, seed: 3, gguf, quant: 'F32' });
    const one = await writeNestedModel(gguf, join(dir, 'threads-1.gguf'), { threads: 1 });
    const two = await writeNestedModel(gguf, join(dir, 'threads-2.gguf'), { threads: 2 });
    expect([one.threads, two.threads]).toEqual([1, 2]);
    expect(Buffer.compare(await readFile(join(dir, 'threads-1.gguf')), await readFile(join(dir, 'threads-2.gguf')))).toBe(0);
  });

  // most checkpoints are published in BF16: the same model as the F32 folder's to BF16's rounding
  it('a BF16 folder (qwen3-tiny): the same tensors, vectors in f32, as close to the float model as from F32', async () => {
    const { arch, shape } = PRESETS['qwen3-tiny']!;
    const nested: Record<string, string> = {};
    for (const dtype of ['F32', 'BF16'] as const) {
      const hf = join(dir, `qwen3-${dtype}-hf`);
      await generateModel({ arch, shape, seed: 7, hf, hfDType: dtype });
      await writeNestedModel(hf, (nested[dtype] = join(dir, `qwen3-${dtype}.nested.gguf`)));
    }
    const [f32, bf16] = [await openModel(nested.F32!), await openModel(nested.BF16!)];
    try {
      const layout = (f: ModelFile) => [...f.tensors.values()].map((t) => `${t.name} ${t.dtype} ${t.shape.join('x')}`).sort();
      expect(layout(bf16)).toEqual(layout(f32));
      expect(bf16.tensors.get('blk.0.attn_norm.weight')!.dtype).toBe('F32');
    } finally {
      await Promise.all([f32.close(), bf16.close()]);
    }
    // against the F32 folder's float logits, both within the Q8_0 bound of the peer tests (2e-2 of
    // the spread; measured F32 1.1e-2, BF16 1.6e-2: BF16's rounding moves a few 8-bit codes)
    const float = (await behaviour(join(dir, 'qwen3-F32-hf'), true)).logits!;
    for (const dtype of ['F32', 'BF16']) {
      const max = (await behaviour(nested[dtype]!)).max!;
      let lo = Infinity, hi = -Infinity;
      for (const v of float) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
      expect(maxDiff(max, float) / (hi - lo), dtype).toBeLessThan(2e-2);
    }
  });
});
