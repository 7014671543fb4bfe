import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dequantize, type DTypeName } from '@ix/core';
import { FileSink, FileSource, openHFModel, openSafetensorsFolder, readGGUF, writeGGUF, type GGUFFile, type TensorEntry } from '@ix/llm';
import { generateModel, hfName, openPeer, PRESETS, type QuantPreset } from '../src/index.js';

/**
 * gpt-oss as llama.cpp's converter and the openai/gpt-oss-20b checkpoint lay it out, checked
 * against truths model-gen does not share: the MXFP4 experts of the HF folder decoded with
 * transformers' own formula equal the GGUF's decoded by @ix/core (gate = even rows of gate_up, up =
 * odd rows); the F32 folder's [in, out] experts transposed equal the GGUF's; llama.cpp loads both
 * GGUF files (its tensor names, shapes and required keys) and gives finite logits.
 */
const PRESET = 'gpt-oss-tiny';
const { arch, shape } = PRESETS[PRESET]!;
const moe = shape.moe!;
const [E, F, H] = [moe.nExperts, moe.expertFfn, shape.hiddenSize];
const PROMPT = [1, 415, 2936, 9060, 285, 1142, 461, 10575, 754, 272, 17898, 3914];

// transformers' FP4_VALUES (integrations/mxfp4.py): E2M1 codes, sign in bit 3
const FP4_VALUES = [+0.0, +0.5, +1.0, +1.5, +2.0, +3.0, +4.0, +6.0, -0.0, -0.5, -1.0, -1.5, -2.0, -3.0, -4.0, -6.0];

/**
 * transformers' convert_moe_packed_tensors, in plain loops: blocks [..., G, 16] and scales [..., G]
 * to [..., G * 32]; byte i of a block holds element 2i (low nibble) and 2i + 1 (high nibble), the
 * value FP4_VALUES[nibble] * 2^(scale - 127)
 */
function hfMxfp4Decode(blocks: Uint8Array, scales: Uint8Array): Float32Array {
  const out = new Float32Array(blocks.length * 2);
  for (let g = 0; g < scales.length; g++) {
    const m = 2 ** (scales[g]! - 127);
    for (let i = 0; i < 16; i++) {
      const b = blocks[g * 16 + i]!;
      out[g * 32 + 2 * i] = FP4_VALUES[b & 15]! * m;
      out[g * 32 + 2 * i + 1] = FP4_VALUES[b >> 4]! * m;
    }
  }
  return out;
}

const f32 = (bytes: Uint8Array) => new Float32Array(bytes.slice().buffer);

/** rows of `width` from `a`, taken every `step` rows starting at `first` (gate: 2, 0; up: 2, 1) */
function rows(a: Float32Array, width: number, step: number, first: number): Float32Array {
  const n = a.length / width / step;
  const out = new Float32Array(n * width);
  for (let r = 0; r < n; r++) out.set(a.subarray((r * step + first) * width, (r * step + first + 1) * width), r * width);
  return out;
}

/** [E, a, b] -> [E, b, a] */
function transpose3(v: Float32Array, e: number, a: number, b: number): Float32Array {
  const out = new Float32Array(v.length);
  for (let x = 0; x < e; x++) for (let i = 0; i < a; i++) for (let j = 0; j < b; j++) out[(x * b + j) * a + i] = v[(x * a + i) * b + j]!;
  return out;
}

/** exact equality, reported as the count of differing elements (+0 and -0 differ: MXFP4 has both) */
function mismatches(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let n = 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) n++;
  return n;
}

type SafetensorsFolder = Awaited<ReturnType<typeof openSafetensorsFolder>>;

let dir: string;
const opened: { close?: () => Promise<void> }[] = [];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ix-gpt-oss-'));
});
afterAll(async () => {
  await Promise.all(opened.map((s) => s.close?.()));
  await rm(dir, { recursive: true, force: true });
});

async function open(quant: QuantPreset): Promise<{ gguf: GGUFFile; hf: SafetensorsFolder; tensors: Map<string, TensorEntry>; path: string; hfDir: string }> {
  const path = join(dir, `${quant}.gguf`);
  const hfDir = join(dir, `${quant}-hf`);
  await generateModel({ arch, shape, seed: 11, gguf: path, hf: hfDir, quant });
  const source = await FileSource.open(path);
  const hf = await openSafetensorsFolder(hfDir);
  opened.push(source, ...hf.sources);
  const gguf = await readGGUF(source);
  return { gguf, hf, tensors: new Map(gguf.tensors.map((t) => [t.name, t])), path, hfDir };
}

async function hfRead(hf: SafetensorsFolder, name: string, shapeWanted: number[], dtype: string): Promise<Uint8Array> {
  const t = hf.tensors.get(name);
  expect(t, name).toBeDefined();
  expect([t!.dtype, ...t!.shape], name).toEqual([dtype, ...shapeWanted]);
  return t!.read();
}

describe('gpt-oss-tiny, MXFP4 (as the checkpoint and llama.cpp ship it)', () => {
  let m: Awaited<ReturnType<typeof open>>;
  beforeAll(async () => {
    m = await open('MXFP4');
  });

  it('GGUF metadata: the keys convert_hf_to_gguf writes for gpt-oss', () => {
    const md = m.gguf.metadata;
    const a = 'gpt-oss.';
    expect(md['general.architecture']).toBe('gpt-oss');
    const keys = Object.keys(md).filter((k) => !k.startsWith('tokenizer.') && k !== 'general.name');
    expect(keys).toEqual([
      'general.architecture',
      ...['block_count', 'context_length', 'embedding_length', 'feed_forward_length', 'attention.head_count', 'attention.head_count_kv'].map((k) => a + k),
      ...['rope.scaling.type', 'rope.scaling.factor', 'rope.scaling.original_context_length', 'rope.scaling.yarn_beta_fast', 'rope.scaling.yarn_beta_slow'].map((k) => a + k),
      ...['rope.freq_base', 'attention.layer_norm_rms_epsilon', 'expert_count', 'expert_used_count', 'attention.key_length', 'attention.value_length'].map((k) => a + k),
      'general.file_type',
      a + 'attention.sliding_window',
      a + 'expert_feed_forward_length',
      'general.quantization_version',
    ]);
    expect(md[a + 'block_count']).toBe(4);
    expect(md[a + 'embedding_length']).toBe(64);
    expect(md[a + 'feed_forward_length']).toBe(64);
    expect(md[a + 'expert_feed_forward_length']).toBe(64);
    expect(md[a + 'attention.head_count']).toBe(4);
    expect(md[a + 'attention.head_count_kv']).toBe(2);
    expect(md[a + 'attention.key_length']).toBe(32);
    expect(md[a + 'attention.value_length']).toBe(32);
    expect(md[a + 'expert_count']).toBe(8);
    expect(md[a + 'expert_used_count']).toBe(4);
    expect(md[a + 'attention.sliding_window']).toBe(4);
    expect(md[a + 'rope.scaling.type']).toBe('yarn');
    expect(md[a + 'rope.scaling.factor']).toBe(32);
    expect(md[a + 'rope.scaling.original_context_length']).toBe(4096);
    expect(md[a + 'rope.scaling.yarn_beta_fast']).toBe(32);
    expect(md[a + 'rope.scaling.yarn_beta_slow']).toBe(1);
    expect(md[a + 'rope.freq_base']).toBe(150000);
    expect(md[a + 'attention.layer_norm_rms_epsilon']).toBeCloseTo(1e-5, 10);
    expect(md['general.file_type']).toBe(38); // LLAMA_FTYPE_MOSTLY_MXFP4_MOE
    expect(md['general.quantization_version']).toBe(2);
    expect((md['tokenizer.ggml.tokens'] as string[]).length).toBe(shape.vocabSize);
  });

  it('GGUF tensors: llama.cpp MXFP4_MOE types, biases, sinks and router in F32', () => {
    const want = (name: string) => {
      if (/_exps\.weight$/.test(name)) return 'MXFP4';
      if (/\.(bias|attn_sinks\.weight|ffn_gate_inp\.weight)$/.test(name) || /norm\.weight$/.test(name)) return 'F32';
      return 'Q8_0';
    };
    for (const t of m.gguf.tensors) expect(`${t.name} ${t.dtype}`).toBe(`${t.name} ${want(t.name)}`);
    const l0 = (n: string) => m.tensors.get(`blk.0.${n}`)!.shape;
    expect(l0('attn_q.weight')).toEqual([128, 64]);
    expect(l0('attn_output.weight')).toEqual([64, 128]);
    expect(l0('attn_sinks.weight')).toEqual([4]);
    expect(l0('ffn_gate_exps.weight')).toEqual([E, F, H]);
    expect(l0('ffn_gate_exps.bias')).toEqual([E, F]);
    expect(l0('ffn_down_exps.weight')).toEqual([E, H, F]);
    expect(l0('ffn_down_exps.bias')).toEqual([E, H]);
    expect(m.gguf.tensors.length).toBe(3 + 19 * shape.nLayers);
  });

  it('config.json is gpt-oss-20b\'s, with the mxfp4 quantization_config', async () => {
    const c = JSON.parse(await readFile(join(m.hfDir, 'config.json'), 'utf8')) as Record<string, unknown>;
    expect(c).toMatchObject({
      architectures: ['GptOssForCausalLM'],
      model_type: 'gpt_oss',
      hidden_size: 64,
      intermediate_size: 64,
      num_hidden_layers: 4,
      num_attention_heads: 4,
      num_key_value_heads: 2,
      head_dim: 32,
      num_local_experts: 8,
      num_experts_per_tok: 4,
      experts_per_token: 4,
      rms_norm_eps: 1e-5,
      rope_theta: 150000,
      rope_scaling: { rope_type: 'yarn', factor: 32, beta_fast: 32, beta_slow: 1, truncate: false, original_max_position_embeddings: 4096 },
      sliding_window: 4,
      layer_types: ['sliding_attention', 'full_attention', 'sliding_attention', 'full_attention'],
      swiglu_limit: 7,
      attention_bias: true,
      tie_word_embeddings: false,
      vocab_size: 32000,
      quantization_config: { quant_method: 'mxfp4' },
    });
  });

  it('the folder\'s MXFP4 experts (transformers\' decoding) equal the GGUF\'s (ggml\'s), gate and up interleaved; biases and sinks equal', async () => {
    const gg = async (name: string) => {
      const t = m.tensors.get(name)!;
      const count = t.shape.reduce((x, y) => x * y, 1);
      return t.dtype === 'MXFP4' ? dequantize('MXFP4', await t.read(), count) : f32(await t.read());
    };
    let hfChecked = 0;
    for (let l = 0; l < shape.nLayers; l++) {
      const p = `model.layers.${l}.mlp.experts.`;
      const gateUp = hfMxfp4Decode(await hfRead(m.hf, `${p}gate_up_proj_blocks`, [E, 2 * F, H / 32, 16], 'U8'), await hfRead(m.hf, `${p}gate_up_proj_scales`, [E, 2 * F, H / 32], 'U8'));
      const down = hfMxfp4Decode(await hfRead(m.hf, `${p}down_proj_blocks`, [E, H, F / 32, 16], 'U8'), await hfRead(m.hf, `${p}down_proj_scales`, [E, H, F / 32], 'U8'));
      const gateUpBias = f32(await hfRead(m.hf, `${p}gate_up_proj_bias`, [E, 2 * F], 'F32'));
      const downBias = f32(await hfRead(m.hf, `${p}down_proj_bias`, [E, H], 'F32'));
      hfChecked += 6;
      const gate = await gg(`blk.${l}.ffn_gate_exps.weight`);
      // random weights are not degenerate: most of the decoded values are not zero
      expect(gate.filter((v) => v !== 0).length).toBeGreaterThan(gate.length * 0.8);
      expect(mismatches(rows(gateUp, H, 2, 0), gate), `layer ${l} gate`).toBe(0);
      expect(mismatches(rows(gateUp, H, 2, 1), await gg(`blk.${l}.ffn_up_exps.weight`)), `layer ${l} up`).toBe(0);
      expect(mismatches(down, await gg(`blk.${l}.ffn_down_exps.weight`)), `layer ${l} down`).toBe(0);
      expect(mismatches(rows(gateUpBias, 1, 2, 0), await gg(`blk.${l}.ffn_gate_exps.bias`)), `layer ${l} gate bias`).toBe(0);
      expect(mismatches(rows(gateUpBias, 1, 2, 1), await gg(`blk.${l}.ffn_up_exps.bias`)), `layer ${l} up bias`).toBe(0);
      expect(mismatches(downBias, await gg(`blk.${l}.ffn_down_exps.bias`)), `layer ${l} down bias`).toBe(0);
      const sinks = f32(await hfRead(m.hf, `model.layers.${l}.self_attn.sinks`, [shape.nHeads], 'F32'));
      expect(mismatches(sinks, await gg(`blk.${l}.attn_sinks.weight`))).toBe(0);
      // sinks of a few units, biases small and not all equal
      expect(Math.max(...sinks.map(Math.abs))).toBeGreaterThan(1);
      expect(new Set(gateUpBias).size).toBe(gateUpBias.length);
    }
    // every other tensor is there under its HF name (F32 in the folder, Q8_0 or F32 in the GGUF)
    for (const t of m.gguf.tensors) {
      if (/_exps\.(weight|bias)$/.test(t.name)) continue;
      const h = m.hf.tensors.get(hfName(t.name, arch));
      expect(h, t.name).toBeDefined();
      expect(h!.shape).toEqual(t.shape);
      if (t.dtype === 'F32') expect(Buffer.from(await h!.read()).equals(await t.read()), t.name).toBe(true);
      hfChecked++;
    }
    expect(m.hf.tensors.size).toBe(hfChecked);
  });
});

describe("ix's folder reader (formats/safetensors/gpt-oss.ts)", () => {
  // the checkpoint's MXFP4 blocks rearranged by ix byte for byte as llama.cpp's converter does, and
  // the plain [in, out] experts transposed: the GGUF's tensors exactly
  it.each(['MXFP4', 'F32'] as const)('%s folder: every expert tensor and bias is the GGUF\'s, byte for byte', async (quant) => {
    const m = await open(quant);
    const file = await openHFModel(m.hfDir);
    try {
      let checked = 0;
      for (const t of m.gguf.tensors) {
        if (!/_exps\.(weight|bias)$/.test(t.name)) continue;
        const ours = file.tensors.get(t.name);
        expect(ours, t.name).toBeDefined();
        expect([ours!.dtype, ...ours!.shape], t.name).toEqual([t.dtype, ...t.shape]);
        expect(Buffer.from(await ours!.read()).equals(await t.read()), t.name).toBe(true);
        checked++;
      }
      expect(checked).toBe(6 * shape.nLayers);
    } finally {
      await file.close();
    }
  });
});

describe('gpt-oss-tiny, F32', () => {
  let m: Awaited<ReturnType<typeof open>>;
  beforeAll(async () => {
    m = await open('F32');
  });

  it('the folder\'s experts, stored [in, out] with gate/up columns interleaved, transposed equal the GGUF\'s', async () => {
    const c = JSON.parse(await readFile(join(m.hfDir, 'config.json'), 'utf8')) as Record<string, unknown>;
    expect(c.quantization_config).toBeUndefined();
    expect(m.gguf.metadata['general.file_type']).toBe(0);
    const gg = async (name: string) => {
      const t = m.tensors.get(name)!;
      expect(t.dtype, name).toBe('F32');
      return f32(await t.read());
    };
    let hfChecked = 0;
    for (let l = 0; l < shape.nLayers; l++) {
      const p = `model.layers.${l}.mlp.experts.`;
      expect(m.hf.tensors.has(`${p}gate_up_proj_blocks`)).toBe(false);
      // [E, H, 2F] -> [E, 2F, H]: row 2i gate row i, row 2i + 1 up row i
      const gateUp = transpose3(f32(await hfRead(m.hf, `${p}gate_up_proj`, [E, H, 2 * F], 'F32')), E, H, 2 * F);
      const down = transpose3(f32(await hfRead(m.hf, `${p}down_proj`, [E, F, H], 'F32')), E, F, H);
      const gateUpBias = f32(await hfRead(m.hf, `${p}gate_up_proj_bias`, [E, 2 * F], 'F32'));
      const downBias = f32(await hfRead(m.hf, `${p}down_proj_bias`, [E, H], 'F32'));
      hfChecked += 4;
      expect(mismatches(rows(gateUp, H, 2, 0), await gg(`blk.${l}.ffn_gate_exps.weight`)), `layer ${l} gate`).toBe(0);
      expect(mismatches(rows(gateUp, H, 2, 1), await gg(`blk.${l}.ffn_up_exps.weight`)), `layer ${l} up`).toBe(0);
      expect(mismatches(down, await gg(`blk.${l}.ffn_down_exps.weight`)), `layer ${l} down`).toBe(0);
      expect(mismatches(rows(gateUpBias, 1, 2, 0), await gg(`blk.${l}.ffn_gate_exps.bias`))).toBe(0);
      expect(mismatches(rows(gateUpBias, 1, 2, 1), await gg(`blk.${l}.ffn_up_exps.bias`))).toBe(0);
      expect(mismatches(downBias, await gg(`blk.${l}.ffn_down_exps.bias`))).toBe(0);
    }
    for (const t of m.gguf.tensors) {
      if (/_exps\.(weight|bias)$/.test(t.name)) continue;
      const h = m.hf.tensors.get(hfName(t.name, arch))!;
      expect(h, t.name).toBeDefined();
      expect(Buffer.from(await h.read()).equals(await t.read()), t.name).toBe(true);
      hfChecked++;
    }
    expect(m.hf.tensors.size).toBe(hfChecked);
  });

  it('the MXFP4 experts are the F32 ones quantized (same seed): close, not equal', async () => {
    const mx = await FileSource.open(join(dir, 'MXFP4.gguf'));
    opened.push(mx);
    const q = new Map((await readGGUF(mx)).tensors.map((t) => [t.name, t]));
    const name = 'blk.1.ffn_down_exps.weight';
    const exact = f32(await m.tensors.get(name)!.read());
    const deq = dequantize('MXFP4', await q.get(name)!.read(), exact.length);
    let err = 0, norm = 0;
    for (let i = 0; i < exact.length; i++) [err, norm] = [err + (deq[i]! - exact[i]!) ** 2, norm + exact[i]! ** 2];
    const rel = Math.sqrt(err / norm);
    expect(rel).toBeGreaterThan(0);
    expect(rel).toBeLessThan(0.2);
  });
});

describe('gpt-oss-tiny in llama.cpp', () => {
  async function logits(path: string): Promise<Float32Array[]> {
    const peer = await openPeer(path, { vocabSize: shape.vocabSize, contextSize: 64 });
    try {
      return await peer.logits(PROMPT, PROMPT.map((_, i) => i));
    } finally {
      await peer.dispose();
    }
  }
  const finite = (rows: Float32Array[]) => {
    expect(rows.length).toBe(PROMPT.length);
    for (const row of rows) {
      expect(row.every(Number.isFinite)).toBe(true);
      expect(Math.max(...row) - Math.min(...row)).toBeGreaterThan(0);
    }
  };
  /**
   * A copy of a GGUF file with the same metadata; `f32` gives a tensor's new values (then stored
   * F32), else its bytes are copied
   */
  async function rewrite(from: string, to: string, f32Values: (t: TensorEntry, bytes: Uint8Array) => Float32Array | undefined): Promise<void> {
    const source = await FileSource.open(from);
    try {
      const file = await readGGUF(source);
      const changed = new Map<string, Float32Array>();
      for (const t of file.tensors) {
        const v = f32Values(t, await t.read());
        if (v) changed.set(t.name, v);
      }
      await writeGGUF(await FileSink.create(to), {
        metadata: file.metadata,
        types: file.types,
        alignment: file.alignment,
        tensors: file.tensors.map((t) => ({ name: t.name, shape: t.shape, dtype: changed.has(t.name) ? 'F32' : (t.dtype as DTypeName), data: async () => changed.get(t.name) ?? (await t.read()) })),
      });
    } finally {
      await source.close();
    }
  }
  const spread = (rows: Float32Array[]) => Math.max(...rows.map((r) => Math.max(...r) - Math.min(...r)));
  const maxDiff = (a: Float32Array[], b: Float32Array[]) => Math.max(...a.map((r, i) => Math.max(...r.map((v, j) => Math.abs(v - b[i]![j]!)))));

  let f32Logits: Float32Array[];
  it('loads the F32 GGUF: finite logits after each of 12 tokens', async () => {
    f32Logits = await logits(join(dir, 'F32.gguf'));
    finite(f32Logits);
  });

  it('loads the MXFP4 GGUF: its logits are those of the same weights dequantized to F32 (llama.cpp decodes the experts as @ix/core does)', async () => {
    const mxPath = join(dir, 'MXFP4.gguf');
    const mx = await logits(mxPath);
    finite(mx);
    const deqPath = join(dir, 'MXFP4-dequantized.gguf');
    await rewrite(mxPath, deqPath, (t, bytes) => (t.dtype === 'F32' ? undefined : dequantize(t.dtype, bytes, t.shape.reduce((x, y) => x * y, 1))));
    const deq = await logits(deqPath);
    let agree = 0;
    mx.forEach((r, i) => (r.indexOf(Math.max(...r)) === deq[i]!.indexOf(Math.max(...deq[i]!)) ? agree++ : 0));
    const rel = maxDiff(mx, deq) / spread(deq);
    const relF32 = maxDiff(mx, f32Logits) / spread(f32Logits);
    console.log(`gpt-oss-tiny llama.cpp MXFP4 vs its weights dequantized: relative ${rel.toExponential(2)}, top-1 ${agree}/${PROMPT.length}; vs the unquantized F32 model: relative ${relF32.toExponential(2)}`);
    // llama.cpp rounds activations to 8 bits against quantized weights: a Q8_0 file of this model
    // differs from its dequantized copy as much (2-4% of the spread per position), while the
    // unquantized model is ~35% away and a wrong nibble order or scale would be further still
    expect(rel).toBeLessThan(0.08);
    expect(rel).toBeLessThan(relF32 / 4);
  });

  it('the sinks matter: the same file with every sink at -1000 gives other logits', async () => {
    const path = join(dir, 'F32-nosinks.gguf');
    await rewrite(join(dir, 'F32.gguf'), path, (t, bytes) => (t.name.endsWith('attn_sinks.weight') ? new Float32Array(shape.nHeads).fill(-1000) : undefined));
    const rel = maxDiff(await logits(path), f32Logits) / spread(f32Logits);
    console.log(`gpt-oss-tiny llama.cpp without sinks vs with: max diff relative to spread ${rel.toExponential(2)}`);
    expect(rel).toBeGreaterThan(0.02);
  });
});
