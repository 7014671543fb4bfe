/**
 * Nested models (adaptive precision) on stories260K's real weights, reference backend. The truth for
 * each precision is an ordinary GGUF of the weights it reads (writeNestedLevel: the base as Q4_0, or
 * base + residual decoded to F32, per part): running it must give the logits
 * the nested file gives at that precision, so the loader, the plans and the graph's residual products
 * are checked against plain matmuls of the weights they stand for.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dequantize, type DTypeName, InvalidArgumentError, ModelFormatError } from '@ix/core';
import path from 'node:path';
import { FileSink, GGUFValueType, loadModel, openModel, Session, writeGGUF, writeNestedLevel, writeNestedModel, type GGUFTensorInput, type Model, NESTED_KEYS, RESIDUAL_SUFFIX, parsePrecision, type Precision, AutoPrecision, logitsEntropy } from '../src/index.js';
import { BUNDLED_STORIES } from './helpers/shared-models.js';
import { tempDir } from './fixtures/model-files.js';

const tmp = tempDir();
const nestedPath = path.join(tmp.dir, 'stories-nested.gguf');
const TOKENS = [1, 403, 407, 261, 378, 13, 400, 1, 266, 291, 267, 300, 284, 396, 45];

/** An ordinary GGUF of the nested file's weights as `refined(name)` reads them: base, or base + residual. */
async function flattened(target: string, refined: (name: string) => boolean): Promise<string> {
  await writeNestedLevel(nestedPath, target, refined);
  return target;
}

async function logits(model: Model, precision?: Precision): Promise<Float32Array> {
  // an F32 cache: in F16, a last-bit difference of (x·b + x·r) against x·(b + r) can flip a cached
  // value's rounding, and the step grows to 1e-3 of the logits
  const s = model.createSession({ contextLength: 64, precision, kvType: 'F32' });
  try {
    return await s.evaluate(TOKENS, true);
  } finally {
    s.dispose();
  }
}

async function fileLogits(file: string): Promise<Float32Array> {
  const m = await loadModel(file, { backend: 'reference' });
  try {
    return await logits(m);
  } finally {
    await m.dispose();
  }
}

function maxRelDiff(a: Float32Array, b: Float32Array): number {
  let d = 0;
  let spread = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    spread = Math.max(spread, Math.abs(b[i]!));
  }
  return d / spread;
}

let model: Model;
beforeAll(async () => {
  const summary = await writeNestedModel(BUNDLED_STORIES, nestedPath);
  // 5 layers x (q, k, v, output, gate, up); ffn_down's rows (172) are not whole 32-blocks
  expect(summary.nested).toBe(30);
  model = await loadModel(nestedPath, { backend: 'reference' });
});
afterAll(async () => {
  await model?.dispose();
  tmp.cleanup();
});

describe('a nested stories260K', () => {
  it('stores each nested matrix as a Q4_0 base and residual; the header says so', async () => {
    const f = await openModel(nestedPath);
    try {
      expect(f.metadata[NESTED_KEYS.version]).toBe(1);
      expect(Array.from(f.metadata[NESTED_KEYS.levels] as ArrayLike<number>)).toEqual([4, 8]);
      const q = f.tensors.get('blk.0.attn_q.weight')!;
      const r = f.tensors.get('blk.0.attn_q.weight' + RESIDUAL_SUFFIX)!;
      expect([q.dtype, r.dtype, r.shape]).toEqual(['Q4_0', 'Q4_0', q.shape]);
      expect(f.tensors.get('blk.0.ffn_down.weight')!.dtype).toBe('F32');
      expect(f.tensors.get('token_embd.weight')!.dtype).toBe('Q8_0');
    } finally {
      await f.close();
    }
  });

  it('groups its matrices in layer parts', () => {
    const parts = model.nested!.parts;
    expect(parts.map((p) => `${p.layer}.${p.part}`)).toEqual(['0.attn', '0.ffn', '1.attn', '1.ffn', '2.attn', '2.ffn', '3.attn', '3.ffn', '4.attn', '4.ffn']);
    // attention: q, o 64x64 and k, v 32x64; FFN: gate and up 172x64
    expect(parts[0]!.weights).toBe(2 * 64 * 64 + 2 * 32 * 64);
    expect(parts[1]!.weights).toBe(2 * 172 * 64);
    expect(model.nested!.bitsPerWeight(model.nested!.chosen('eco'))).toBeCloseTo(4.5, 10);
    expect(model.nested!.bitsPerWeight(model.nested!.chosen('max'))).toBeCloseTo(9, 10);
  });

  it("'max' gives the logits of its 8-bit weights (base + residual) as plain F32", async () => {
    const truth = await fileLogits(await flattened(path.join(tmp.dir, 'max.gguf'), () => true));
    expect(maxRelDiff(await logits(model, 'max'), truth)).toBeLessThan(1e-5);
    // the default is 'max'
    expect(maxRelDiff(await logits(model), truth)).toBeLessThan(1e-5);
  });

  it("'eco' gives the logits of its 4-bit weights (the bases alone)", async () => {
    const truth = await fileLogits(await flattened(path.join(tmp.dir, 'eco.gguf'), () => false));
    const eco = await logits(model, 'eco');
    expect(maxRelDiff(eco, truth)).toBeLessThan(1e-5);
    // and the levels differ (the residual is read at max, not at eco)
    expect(maxRelDiff(eco, await logits(model, 'max'))).toBeGreaterThan(1e-3);
  });

  it('a bit budget reads the parts its plan chooses at 8 bits, and stays within the budget', async () => {
    const nested = model.nested!;
    const chosen = nested.chosen(6.5);
    expect(nested.bitsPerWeight(chosen)).toBeLessThanOrEqual(6.5);
    expect(chosen.size).toBeGreaterThan(0);
    expect(chosen.size).toBeLessThan(nested.parts.length);
    const refined = new Set([...chosen].flatMap((i) => nested.parts[i]!.bases.map((t) => t.name)));
    const truth = await fileLogits(await flattened(path.join(tmp.dir, 'mix.gguf'), (name) => refined.has(name)));
    expect(maxRelDiff(await logits(model, 6.5), truth)).toBeLessThan(1e-5);
    // below 4.5 bits nothing is refined; from 9 everything
    expect(nested.chosen(4).size).toBe(0);
    expect(nested.chosen(9).size).toBe(nested.parts.length);
  });

  it('per generation, over the session’s own; a batched step reads the most precise of its sessions', async () => {
    const s = model.createSession({ contextLength: 64, precision: 'eco', kvType: 'F32' });
    const greedy = async (precision?: 'max' | 'eco') => {
      let text = '';
      for await (const t of s.generate('Once upon a time', { temperature: 0, maxTokens: 24, precision })) text += t.text;
      s.reset();
      return text;
    };
    const eco = await greedy();
    const max = await greedy('max');
    expect(s.precision).toBe('eco');
    expect(await greedy()).toBe(eco);
    expect(max).not.toBe(eco);

    const other = model.createSession({ contextLength: 64, precision: 'max', kvType: 'F32' });
    const [a, b] = await Session.evaluateBatch([
      { session: s, tokens: TOKENS },
      { session: other, tokens: TOKENS },
    ]);
    const alone = await logits(model, 'max');
    const last = alone.subarray(alone.length - a!.length);
    expect(maxRelDiff(a!, last)).toBeLessThan(1e-5);
    expect(maxRelDiff(b!, last)).toBeLessThan(1e-5);
    s.dispose();
    other.dispose();
  });
});

describe("'auto': bits per step from the request", () => {
  it('a diverse prompt reads more than a repetitive one; a hesitant step more than a sure one', () => {
    const auto = new AutoPrecision([0.2, 0.5, 1, 2, 3]);
    const diverse = auto.forPrompt([1, 5, 9, 13, 17, 21, 25, 29]) as number;
    const repeated = auto.forPrompt([1, 5, 1, 5, 1, 5, 1, 5]) as number;
    expect(diverse).toBe(9); // every token distinct: the most entropy its length allows
    // ln 2 / ln 8 = 1/3 of the way: 6 bits, in half-bit steps
    expect(repeated).toBe(4.5 + Math.round(9 * (Math.log(2) / Math.log(8))) / 2);
    expect(repeated).toBe(6);
    const sure = new Float32Array(512).fill(-20);
    sure[3] = 10;
    const flat = new Float32Array(512);
    expect(logitsEntropy(flat)).toBeCloseTo(Math.log(512), 6);
    expect(auto.afterLogits(sure)).toBe(4.5);
    expect(auto.afterLogits(flat)).toBe(9);
    // between two quantiles, linearly: ln 2 = 0.693 lies 0.386 of the way from the 2nd (0.5) to
    // the 3rd (1) of 5, a share of (1 + 0.386) / 4 = 0.347: 4.5 + 1.5 bits in half-bit steps
    const two = new Float32Array(2);
    const share = (1 + (logitsEntropy(two) - 0.5) / 0.5) / 4;
    expect(auto.afterLogits(two)).toBe(4.5 + Math.round(9 * share) / 2);
    expect(auto.afterLogits(two)).toBe(6);
  });

  it('a session reads each step at the bits auto chose, and reports them', async () => {
    const s = model.createSession({ contextLength: 64, precision: 'auto', kvType: 'F32' });
    const first = await s.evaluate(TOKENS);
    const chosen = s.lastPrecision as number;
    expect(chosen).toBe(new AutoPrecision(model.nested!.entropyQuantiles).forPrompt(TOKENS));
    s.dispose();
    // the same logits as that budget given as a number
    const fixed = await logits(model, chosen);
    expect(maxRelDiff(first, fixed.subarray(fixed.length - first.length))).toBeLessThan(1e-5);
    // generation: every step's budget lies in 4.5..9 and follows the logits before it
    const g = model.createSession({ contextLength: 64, precision: 'auto' });
    const seen: number[] = [];
    for await (const _ of g.generate('Once upon a time', { temperature: 0, maxTokens: 12 })) seen.push(g.lastPrecision as number);
    expect(seen.every((b) => b >= 4.5 && b <= 9)).toBe(true);
    expect(new Set(seen).size).toBeGreaterThan(1);
    g.dispose();
  });
});

describe('precision errors', () => {
  it('a model of one precision refuses any but max', async () => {
    const m = await loadModel(BUNDLED_STORIES, { backend: 'reference' });
    try {
      expect(m.nested).toBeUndefined();
      expect(() => m.createSession({ precision: 'eco' })).toThrow(/holds one precision/);
      expect(() => m.createSession({ precision: 'max' })).not.toThrow();
    } finally {
      await m.dispose();
    }
  });

  it('precisions are checked', () => {
    expect(parsePrecision('max')).toBe('max');
    expect(parsePrecision('6.5')).toBe(6.5);
    for (const bad of ['', 'fast', -1, Number.NaN, '4bit', null]) expect(() => parsePrecision(bad)).toThrow(InvalidArgumentError);
    expect(parsePrecision('auto')).toBe('auto');
    expect(() => model.createSession({ precision: 'fastest' as never })).toThrow(/precision must be/);
  });

  it('nesting a nested or a quantized file is refused', async () => {
    await expect(writeNestedModel(nestedPath, path.join(tmp.dir, 'again.gguf'))).rejects.toThrow(/nested already/);
    const q8 = await flattened(path.join(tmp.dir, 'q8.gguf'), () => true);
    const f = await openModel(q8);
    const tensors = [...f.tensors.values()].map((e) => ({ name: e.name, shape: e.shape, dtype: (e.name === 'blk.0.attn_q.weight' ? 'Q8_0' : e.dtype) as DTypeName, data: async () => (e.name === 'blk.0.attn_q.weight' ? dequantize(e.dtype as DTypeName, await e.read(), 64 * 64) : e.read()) }));
    const quantized = path.join(tmp.dir, 'quantized.gguf');
    await writeGGUF(await FileSink.create(quantized), { metadata: f.metadata, types: f.metadataTypes, tensors });
    await f.close();
    await expect(writeNestedModel(quantized, path.join(tmp.dir, 'x.gguf'))).rejects.toThrow(/needs float weights/);
  });

  it('a residual without its base, or of another type, is a malformed file', async () => {
    const f = await openModel(nestedPath);
    const rewrite = async (name: string, change: (t: GGUFTensorInput) => GGUFTensorInput | undefined) => {
      const tensors = [...f.tensors.values()].flatMap((e) => {
        const t: GGUFTensorInput = { name: e.name, shape: e.shape, dtype: e.dtype as DTypeName, data: () => e.read() };
        const changed = e.name === name ? change(t) : t;
        return changed ? [changed] : [];
      });
      const out = path.join(tmp.dir, `bad-${Math.random().toString(36).slice(2)}.gguf`);
      await writeGGUF(await FileSink.create(out), { metadata: f.metadata, types: f.metadataTypes, tensors });
      return out;
    };
    try {
      const orphan = await rewrite('blk.1.attn_k.weight', () => undefined);
      await expect(loadModel(orphan, { backend: 'reference' })).rejects.toThrow(ModelFormatError);
      await expect(loadModel(orphan, { backend: 'reference' })).rejects.toThrow(/has no base tensor "blk.1.attn_k.weight"/);
      const f32 = await rewrite('blk.2.ffn_up.weight' + RESIDUAL_SUFFIX, (t) => ({ ...t, dtype: 'F32', data: async () => new Float32Array(172 * 64) }));
      await expect(loadModel(f32, { backend: 'reference' })).rejects.toThrow(/must both be Q4_0 of one shape/);
    } finally {
      await f.close();
    }
  });

  it('the nested keys are typed as documented', async () => {
    const f = await openModel(nestedPath);
    try {
      expect(f.metadataTypes?.[NESTED_KEYS.version]).toBe(GGUFValueType.UINT32);
      expect(f.metadata['general.architecture']).toBe('llama');
    } finally {
      await f.close();
    }
  });
});
