import { describe, expect, it } from 'vitest';
import { ModelFormatError } from '@ix/core';
import { configFromHF } from '../src/formats/config/hf-config.js';
import { gptOssExpertTensors, isGptOssExpertPart } from '../src/formats/safetensors/gpt-oss.js';
import type { TensorEntry } from '../src/formats/tensor-entry.js';

/**
 * gpt-oss's Hugging Face experts rearranged into llama.cpp's tensors, on hand-made bytes whose
 * expected result follows from the two formats' definitions: the checkpoint packs elements 2i and
 * 2i + 1 of a 32-element block into byte i (low nibble first) after its E8M0 exponent in `_scales`;
 * ggml's MXFP4 block is the exponent, then 16 bytes whose low nibbles are elements 0..15 and high
 * nibbles 16..31. Gate and up rows alternate in gate_up_proj.
 */
const config = configFromHF(
  {
    model_type: 'gpt_oss',
    architectures: ['GptOssForCausalLM'],
    vocab_size: 8,
    hidden_size: 32,
    intermediate_size: 32,
    num_hidden_layers: 1,
    num_attention_heads: 1,
    num_key_value_heads: 1,
    head_dim: 32,
    num_local_experts: 1,
    num_experts_per_tok: 1,
    max_position_embeddings: 64,
  },
  'config.json',
);

const entry = (name: string, shape: number[], dtype: TensorEntry['dtype'], bytes: Uint8Array): TensorEntry => ({ name, shape, dtype, byteLength: bytes.byteLength, read: async () => bytes });
const f32 = (values: number[]) => new Uint8Array(Float32Array.from(values).buffer);

/** element e of a checkpoint row (one 32-element block) has code (e * 5 + row) & 15 */
const code = (row: number, e: number) => (e * 5 + row) & 15;
function hfBlock(row: number): number[] {
  return Array.from({ length: 16 }, (_, i) => code(row, 2 * i) | (code(row, 2 * i + 1) << 4));
}
function ggmlBlock(row: number, exponent: number): number[] {
  return [exponent, ...Array.from({ length: 16 }, (_, j) => code(row, j) | (code(row, j + 16) << 4))];
}

function folder(drop?: string): Map<string, TensorEntry> {
  const p = 'model.layers.0.mlp.experts.';
  // gate_up: 64 rows (row 2i gate i, 2i + 1 up i), row r's exponent 100 + r; down: 32 rows, exponent 130
  const parts = [
    entry(`${p}gate_up_proj_blocks`, [1, 64, 1, 16], 'U8', Uint8Array.from(Array.from({ length: 64 }, (_, r) => hfBlock(r)).flat())),
    entry(`${p}gate_up_proj_scales`, [1, 64, 1], 'U8', Uint8Array.from({ length: 64 }, (_, r) => 100 + r)),
    entry(`${p}gate_up_proj_bias`, [1, 64], 'F32', f32(Array.from({ length: 64 }, (_, i) => i / 4))),
    entry(`${p}down_proj_blocks`, [1, 32, 1, 16], 'U8', Uint8Array.from(Array.from({ length: 32 }, (_, r) => hfBlock(r + 64)).flat())),
    entry(`${p}down_proj_scales`, [1, 32, 1], 'U8', Uint8Array.from({ length: 32 }, () => 130)),
    entry(`${p}down_proj_bias`, [1, 32], 'F32', f32(Array.from({ length: 32 }, (_, i) => i))),
  ];
  return new Map(parts.filter((t) => !t.name.endsWith(drop ?? '\0')).map((t) => [t.name, t]));
}

describe('gpt-oss folder experts', () => {
  it('knows its expert parts and nothing else', () => {
    expect(isGptOssExpertPart('model.layers.3.mlp.experts.gate_up_proj_blocks')).toBe(true);
    expect(isGptOssExpertPart('model.layers.3.mlp.experts.down_proj')).toBe(true);
    expect(isGptOssExpertPart('model.layers.3.mlp.router.weight')).toBe(false);
  });

  it('MXFP4 blocks become ggml blocks: exponent first, nibbles reordered, gate and up de-interleaved', async () => {
    const out = new Map(gptOssExpertTensors(folder(), config, 'dir').map((t) => [t.name, t]));
    const gate = out.get('blk.0.ffn_gate_exps.weight')!;
    expect([gate.dtype, ...gate.shape]).toEqual(['MXFP4', 1, 32, 32]);
    expect([...(await gate.read())]).toEqual(Array.from({ length: 32 }, (_, i) => ggmlBlock(2 * i, 100 + 2 * i)).flat());
    expect([...(await out.get('blk.0.ffn_up_exps.weight')!.read())]).toEqual(Array.from({ length: 32 }, (_, i) => ggmlBlock(2 * i + 1, 101 + 2 * i)).flat());
    const down = out.get('blk.0.ffn_down_exps.weight')!;
    expect([down.dtype, ...down.shape]).toEqual(['MXFP4', 1, 32, 32]);
    expect([...(await down.read())]).toEqual(Array.from({ length: 32 }, (_, r) => ggmlBlock(r + 64, 130)).flat());
    const bias = async (name: string) => [...new Float32Array((await out.get(name)!.read()).slice().buffer)];
    expect(await bias('blk.0.ffn_gate_exps.bias')).toEqual(Array.from({ length: 32 }, (_, i) => (2 * i) / 4));
    expect(await bias('blk.0.ffn_up_exps.bias')).toEqual(Array.from({ length: 32 }, (_, i) => (2 * i + 1) / 4));
  });

  it('a missing part or a wrong shape is a ModelFormatError naming it', () => {
    expect(() => gptOssExpertTensors(folder('gate_up_proj_scales'), config, 'dir')).toThrow(ModelFormatError);
    expect(() => gptOssExpertTensors(folder('gate_up_proj_scales'), config, 'dir')).toThrow(/gate_up_proj_scales" is missing/);
    const bad = folder();
    const p = 'model.layers.0.mlp.experts.down_proj_scales';
    bad.set(p, entry(p, [1, 31, 1], 'U8', new Uint8Array(31)));
    expect(() => gptOssExpertTensors(bad, config, 'dir')).toThrow(/down_proj_scales" is U8 \[1, 31, 1\], expected U8 \[1, 32, 1\]/);
  });

  it('plain experts stored [in, out] are transposed, gate and up columns de-interleaved', async () => {
    const p = 'model.layers.0.mlp.experts.';
    // gate_up [1, H=32, 2F=64]: column c of input row h holds h * 100 + c
    const gu = Float32Array.from({ length: 32 * 64 }, (_, i) => Math.floor(i / 64) * 100 + (i % 64));
    const down = Float32Array.from({ length: 32 * 32 }, (_, i) => i);
    const plain = new Map(
      [
        entry(`${p}gate_up_proj`, [1, 32, 64], 'F32', new Uint8Array(gu.buffer)),
        entry(`${p}gate_up_proj_bias`, [1, 64], 'F32', f32(Array.from({ length: 64 }, (_, i) => i))),
        entry(`${p}down_proj`, [1, 32, 32], 'F32', new Uint8Array(down.buffer)),
        entry(`${p}down_proj_bias`, [1, 32], 'F32', f32(Array.from({ length: 32 }, (_, i) => i))),
      ].map((t) => [t.name, t]),
    );
    const out = new Map(gptOssExpertTensors(plain, config, 'dir').map((t) => [t.name, t]));
    const up = new Float32Array((await out.get('blk.0.ffn_up_exps.weight')!.read()).slice().buffer);
    // up row i, element h = input row h's column 2i + 1
    expect(up[3 * 32 + 5]).toBe(5 * 100 + 7);
    const d = new Float32Array((await out.get('blk.0.ffn_down_exps.weight')!.read()).slice().buffer);
    expect(d[4 * 32 + 9]).toBe(9 * 32 + 4);
  });
});
