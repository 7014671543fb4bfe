/**
 * openHFModel against the GGUF path: stories260K's GGUF tensors, saved as a Hugging Face Llama
 * folder (HF names, q/k rows in HF's rotate-half order, i.e. llama.cpp's permutation undone),
 * must load back to exactly the GGUF tensors, as convert_hf_to_gguf would produce them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dequantize, f32ToBf16Bytes, ModelFormatError, quantize } from '@ix/core';
import type { ModelFile } from '../src/formats/model-file.js';
import { openModel } from '../src/formats/open-model.js';
import { writeSafetensorsFolder, type SafetensorsTensorInput } from '../src/formats/index.js';
import { openHFModel } from '../src/formats/safetensors/hf-model.js';
import { permuteQK, splitRows } from '../src/formats/transforms.js';
import type { TensorEntry } from '../src/formats/tensor-entry.js';
import { equalBytes, STORIES_GGUF, tempDir } from './fixtures/model-files.js';

const tmp = tempDir();
let gguf: ModelFile;

/**
 * HF row order from llama.cpp's: llama.cpp row h*hd + 2i + j holds HF row h*hd + j*hd/2 + i
 * (reshape(n_head, 2, hd/2).swapaxes(1, 2) in convert_hf_to_gguf), so scatter it back.
 */
function unpermute(bytes: Uint8Array, rows: number, nHead: number): Uint8Array {
  const hd = rows / nHead;
  const rowBytes = bytes.length / rows;
  const out = new Uint8Array(bytes.length);
  for (let r = 0; r < rows; r++) {
    const h = Math.floor(r / hd);
    const w = r % hd;
    const hfRow = h * hd + (w % 2) * (hd / 2) + Math.floor(w / 2);
    out.set(bytes.subarray(r * rowBytes, (r + 1) * rowBytes), hfRow * rowBytes);
  }
  return out;
}

const HF_NAMES: Record<string, string> = {
  attn_norm: 'input_layernorm',
  attn_q: 'self_attn.q_proj',
  attn_k: 'self_attn.k_proj',
  attn_v: 'self_attn.v_proj',
  attn_output: 'self_attn.o_proj',
  ffn_norm: 'post_attention_layernorm',
  ffn_gate: 'mlp.gate_proj',
  ffn_up: 'mlp.up_proj',
  ffn_down: 'mlp.down_proj',
};

function hfName(name: string): string {
  const global: Record<string, string> = { 'token_embd.weight': 'model.embed_tokens.weight', 'output_norm.weight': 'model.norm.weight', 'output.weight': 'lm_head.weight' };
  if (global[name]) return global[name]!;
  const [, l, part] = /^blk\.(\d+)\.(\w+)\.weight$/.exec(name)!;
  return `model.layers.${l}.${HF_NAMES[part!]}.weight`;
}

const CONFIG = {
  architectures: ['LlamaForCausalLM'],
  model_type: 'llama',
  hidden_size: 64,
  intermediate_size: 172,
  num_hidden_layers: 5,
  num_attention_heads: 8,
  num_key_value_heads: 4,
  vocab_size: 512,
  max_position_embeddings: 2048,
  rms_norm_eps: 1e-5,
  rope_theta: 10000,
  tie_word_embeddings: false,
  hidden_act: 'silu',
  torch_dtype: 'float32',
};

async function writeHFFolder(dir: string, dtype: 'F32' | 'BF16', shards: number): Promise<void> {
  const tensors: SafetensorsTensorInput[] = [];
  for (const [name, t] of gguf.tensors) {
    const heads = name.endsWith('attn_q.weight') ? 8 : name.endsWith('attn_k.weight') ? 4 : 0;
    tensors.push({
      name: hfName(name),
      shape: t.shape,
      dtype,
      data: async () => {
        let bytes = await t.read();
        if (heads) bytes = unpermute(bytes, t.shape[0]!, heads);
        return dtype === 'F32' ? bytes : f32ToBf16Bytes(dequantize('F32', bytes, bytes.length / 4));
      },
    });
  }
  await writeSafetensorsFolder(dir, tensors, shards);
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(CONFIG));
}

beforeAll(async () => {
  gguf = await openModel(STORIES_GGUF);
});
afterAll(async () => {
  await gguf.close();
  tmp.cleanup();
});

describe('Q/K permutation', () => {
  it('matches convert_hf_to_gguf on hand-computed row orders', async () => {
    const rows = (n: number): TensorEntry => ({ name: 'q', shape: [n, 1], dtype: 'I8', byteLength: n, read: async () => Uint8Array.from({ length: n }, (_, i) => i) });
    // reshape(1, 2, 4).swapaxes(1, 2): [[0,1,2,3],[4,5,6,7]] -> [[0,4],[1,5],[2,6],[3,7]]
    expect(Array.from(await permuteQK(rows(8), 1).read())).toEqual([0, 4, 1, 5, 2, 6, 3, 7]);
    expect(Array.from(await permuteQK(rows(8), 2).read())).toEqual([0, 2, 1, 3, 4, 6, 5, 7]);
    expect(() => permuteQK(rows(6), 2)).toThrow(ModelFormatError);
  });
});

describe('fused matrices split into row ranges', () => {
  // 6 rows of 2 bytes at file offset 100; reads counted
  let reads = 0;
  const fused: TensorEntry = {
    name: 'qkv', shape: [6, 2], dtype: 'I8', byteLength: 12, file: 'm.gguf', offset: 100,
    read: async () => (reads++, Uint8Array.from({ length: 12 }, (_, i) => i)),
  };

  it('takes the rows in order, keeps each slice mappable, and reads the fused bytes once', async () => {
    const [q, k, v] = splitRows(fused, [['q', 2], ['k', 1], ['v', 3]]);
    expect([q!.shape, k!.shape, v!.shape]).toEqual([[2, 2], [1, 2], [3, 2]]);
    expect([q!.offset, k!.offset, v!.offset]).toEqual([100, 104, 106]);
    const bytes = await Promise.all([q!, k!, v!].map(async (t) => Array.from(await t.read())));
    expect(bytes).toEqual([[0, 1, 2, 3], [4, 5], [6, 7, 8, 9, 10, 11]]);
    expect(reads).toBe(1);
  });

  it('refuses parts that do not cover the matrix exactly, naming the expected split', () => {
    expect(() => splitRows(fused, [['q', 2], ['k', 2]])).toThrow(/"qkv" \[6, 2\] has 6 rows, expected 4 \(2 for q, 2 for k\)/);
    expect(() => splitRows(fused, [['q', 4], ['k', 4]])).toThrow(ModelFormatError);
  });
});

describe('stories260K as a Hugging Face folder', () => {
  it('3 F32 shards load to the GGUF tensors bit for bit, with the same config', async () => {
    const dir = path.join(tmp.dir, 'hf-f32');
    await writeHFFolder(dir, 'F32', 3);
    const hf = await openModel(dir);
    expect(hf.format).toBe('safetensors');
    expect([...hf.tensors.keys()].sort()).toEqual([...gguf.tensors.keys()].sort());
    for (const [name, t] of gguf.tensors) {
      const h = hf.tensors.get(name)!;
      expect([h.shape, h.dtype], name).toEqual([t.shape, t.dtype]);
      expect(equalBytes(await h.read(), await t.read()), name).toBe(true);
      // permuted tensors are computed, the rest map straight into the shard files
      expect(h.file === undefined, name).toBe(/attn_[qk]\.weight$/.test(name));
    }
    const { normEps: a, extra: _x, hf: _h, ...hfRest } = hf.config;
    const { normEps: b, extra: _y, ...ggufRest } = gguf.config;
    expect(hfRest).toEqual(ggufRest);
    expect(a).toBeCloseTo(b, 10);
    expect(hf.config.hf).toEqual({ modelType: 'llama', architectures: ['LlamaForCausalLM'] });
    expect(hf.config.extra).toMatchObject({ hidden_act: 'silu' });
    await hf.close();
  });

  it('BF16 shards: same permuted rows, in BF16', async () => {
    const dir = path.join(tmp.dir, 'hf-bf16');
    await writeHFFolder(dir, 'BF16', 2);
    const hf = await openHFModel(dir);
    for (const [name, t] of gguf.tensors) {
      const h = hf.tensors.get(name)!;
      expect(h.dtype).toBe('BF16');
      const expected = f32ToBf16Bytes(dequantize('F32', await t.read(), t.byteLength / 4));
      expect(equalBytes(await h.read(), expected), name).toBe(true);
    }
    await hf.close();
  });

  it('quantize-on-load gives Q8_0 matrices equal to quantizing the GGUF tensors; norms and 172-wide rows stay F32', async () => {
    const dir = path.join(tmp.dir, 'hf-q8');
    await writeHFFolder(dir, 'F32', 1);
    expect(fs.existsSync(path.join(dir, 'model.safetensors'))).toBe(true);
    const hf = await openHFModel(dir, { quant: 'Q8_0' });
    const fromGguf = await openModel(STORIES_GGUF, { quant: 'Q8_0' });
    for (const [name, t] of gguf.tensors) {
      const h = hf.tensors.get(name)!;
      // ffn_down rows are 172 wide: not whole 32-element blocks
      if (t.shape.length === 1 || name.endsWith('ffn_down.weight')) {
        expect(h.dtype).toBe('F32');
        continue;
      }
      expect(h.dtype).toBe('Q8_0');
      expect(h.byteLength).toBe((t.shape[0]! * t.shape[1]!) / 32 * 34);
      const expected = quantize('Q8_0', dequantize('F32', await t.read(), t.byteLength / 4));
      expect(equalBytes(await h.read(), expected), name).toBe(true);
      expect(equalBytes(await fromGguf.tensors.get(name)!.read(), expected), name).toBe(true);
    }
    await Promise.all([hf.close(), fromGguf.close()]);
  });

  it('a single .safetensors file opens with the config.json beside it', async () => {
    const m = await openModel(path.join(tmp.dir, 'hf-q8', 'model.safetensors'));
    expect(m.tensors.size).toBe(48);
    expect(m.config.nLayers).toBe(5);
    await m.close();
  });

  it('a folder without config.json is a ModelFormatError', async () => {
    const dir = path.join(tmp.dir, 'no-config');
    await writeHFFolder(dir, 'F32', 1);
    fs.rmSync(path.join(dir, 'config.json'));
    await expect(openModel(dir)).rejects.toThrow(/config.json: missing/);
  });
});
