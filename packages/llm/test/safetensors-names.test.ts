/**
 * HF tensor names -> llama.cpp names (gguf-py tensor_mapping / convert_hf_to_gguf), including
 * BERT, q/k norms, biases and MoE experts, which are stacked into [n_expert, ...] tensors.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openHFModel } from '../src/formats/safetensors/hf-model.js';
import { mapHFTensorName } from '../src/formats/safetensors/hf-names.js';
import { writeSafetensorsFolder } from '../src/formats/safetensors/folder.js';
import { ModelFormatError } from '@ix/core';
import { randomValues } from '../../core/test/helpers/run-graph.js';
import { equalBytes, tempDir } from './fixtures/model-files.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

describe('name mapping', () => {
  it.each([
    ['model.embed_tokens.weight', 'token_embd.weight'],
    ['model.norm.weight', 'output_norm.weight'],
    ['lm_head.weight', 'output.weight'],
    ['model.layers.0.input_layernorm.weight', 'blk.0.attn_norm.weight'],
    ['model.layers.11.post_attention_layernorm.weight', 'blk.11.ffn_norm.weight'],
    ['model.layers.3.self_attn.q_proj.weight', 'blk.3.attn_q.weight'],
    ['model.layers.3.self_attn.q_proj.bias', 'blk.3.attn_q.bias'],
    ['model.layers.3.self_attn.k_proj.bias', 'blk.3.attn_k.bias'],
    ['model.layers.3.self_attn.v_proj.weight', 'blk.3.attn_v.weight'],
    ['model.layers.3.self_attn.o_proj.weight', 'blk.3.attn_output.weight'],
    ['model.layers.3.self_attn.q_norm.weight', 'blk.3.attn_q_norm.weight'],
    ['model.layers.3.self_attn.k_norm.weight', 'blk.3.attn_k_norm.weight'],
    ['model.layers.3.mlp.gate_proj.weight', 'blk.3.ffn_gate.weight'],
    ['model.layers.3.mlp.up_proj.weight', 'blk.3.ffn_up.weight'],
    ['model.layers.3.mlp.down_proj.weight', 'blk.3.ffn_down.weight'],
    ['model.layers.3.block_sparse_moe.gate.weight', 'blk.3.ffn_gate_inp.weight'],
    ['model.layers.3.mlp.gate.weight', 'blk.3.ffn_gate_inp.weight'],
  ])('llama/qwen %s -> %s', (hf, internal) => {
    expect(mapHFTensorName(hf, 'llama')).toEqual({ kind: 'tensor', name: internal });
  });

  it.each([
    ['model.layers.1.block_sparse_moe.experts.5.w1.weight', 'blk.1.ffn_gate_exps.weight', 5],
    ['model.layers.1.block_sparse_moe.experts.0.w2.weight', 'blk.1.ffn_down_exps.weight', 0],
    ['model.layers.1.block_sparse_moe.experts.7.w3.weight', 'blk.1.ffn_up_exps.weight', 7],
    ['model.layers.2.mlp.experts.12.gate_proj.weight', 'blk.2.ffn_gate_exps.weight', 12],
    ['model.layers.2.mlp.experts.12.up_proj.weight', 'blk.2.ffn_up_exps.weight', 12],
    ['model.layers.2.mlp.experts.12.down_proj.weight', 'blk.2.ffn_down_exps.weight', 12],
  ])('MoE expert %s -> slot of %s', (hf, name, expert) => {
    expect(mapHFTensorName(hf, 'llama')).toEqual({ kind: 'expert', name, expert });
  });

  // all-MiniLM-L6-v2's tensor names (BertModel state dict) and the names llama.cpp gives them
  it.each([
    ['embeddings.word_embeddings.weight', 'token_embd.weight'],
    ['embeddings.position_embeddings.weight', 'position_embd.weight'],
    ['embeddings.token_type_embeddings.weight', 'token_types.weight'],
    ['embeddings.LayerNorm.weight', 'token_embd_norm.weight'],
    ['embeddings.LayerNorm.bias', 'token_embd_norm.bias'],
    ['encoder.layer.0.attention.self.query.weight', 'blk.0.attn_q.weight'],
    ['encoder.layer.0.attention.self.key.bias', 'blk.0.attn_k.bias'],
    ['encoder.layer.5.attention.self.value.weight', 'blk.5.attn_v.weight'],
    ['encoder.layer.5.attention.output.dense.weight', 'blk.5.attn_output.weight'],
    ['encoder.layer.5.attention.output.LayerNorm.bias', 'blk.5.attn_output_norm.bias'],
    ['encoder.layer.2.intermediate.dense.weight', 'blk.2.ffn_up.weight'],
    ['encoder.layer.2.output.dense.bias', 'blk.2.ffn_down.bias'],
    ['encoder.layer.2.output.LayerNorm.weight', 'blk.2.layer_output_norm.weight'],
    ['bert.encoder.layer.2.output.LayerNorm.gamma', 'blk.2.layer_output_norm.weight'],
  ])('bert %s -> %s', (hf, internal) => {
    expect(mapHFTensorName(hf, 'bert')).toEqual({ kind: 'tensor', name: internal });
  });

  it('reads a bare decoder\'s names (Qwen3Model, as Qwen3-Embedding saves them) like the LM\'s', () => {
    expect(mapHFTensorName('embed_tokens.weight', 'qwen3')).toEqual({ kind: 'tensor', name: 'token_embd.weight' });
    expect(mapHFTensorName('norm.weight', 'qwen3')).toEqual({ kind: 'tensor', name: 'output_norm.weight' });
    expect(mapHFTensorName('layers.3.self_attn.k_norm.weight', 'qwen3')).toEqual(mapHFTensorName('model.layers.3.self_attn.k_norm.weight', 'qwen3'));
    expect(mapHFTensorName('layers.3.mlp.down_proj.weight', 'qwen3')).toEqual({ kind: 'tensor', name: 'blk.3.ffn_down.weight' });
  });

  it('drops what llama.cpp drops (pre-training heads, rotary caches); a classifier head becomes cls / cls.output', () => {
    for (const n of ['cls.predictions.bias', 'cls.seq_relationship.weight', 'embeddings.position_ids']) expect(mapHFTensorName(n, 'bert').kind).toBe('skip');
    expect(mapHFTensorName('bert.pooler.dense.weight', 'bert')).toEqual({ kind: 'tensor', name: 'cls.weight' });
    expect(mapHFTensorName('classifier.bias', 'bert')).toEqual({ kind: 'tensor', name: 'cls.output.bias' });
    expect(mapHFTensorName('model.layers.0.self_attn.rotary_emb.inv_freq', 'llama').kind).toBe('skip');
  });
});

describe('a tiny Mixtral folder', () => {
  const H = 64, FF = 32, E = 2;
  const f32 = (n: number, seed: number) => new Uint8Array(randomValues(n, seed).buffer);
  const CONFIG = {
    model_type: 'mixtral', hidden_size: H, intermediate_size: FF, num_hidden_layers: 1, num_attention_heads: 2,
    num_key_value_heads: 1, num_local_experts: E, num_experts_per_tok: 1, vocab_size: 16, max_position_embeddings: 64,
    rms_norm_eps: 1e-5, rope_theta: 1e6,
  };
  const expertTensors = (experts: number) => {
    const t = [];
    for (let e = 0; e < experts; e++) {
      t.push({ name: `model.layers.0.block_sparse_moe.experts.${e}.w1.weight`, shape: [FF, H], dtype: 'F32' as const, data: f32(FF * H, 10 + e) });
      t.push({ name: `model.layers.0.block_sparse_moe.experts.${e}.w2.weight`, shape: [H, FF], dtype: 'F32' as const, data: f32(FF * H, 20 + e) });
      t.push({ name: `model.layers.0.block_sparse_moe.experts.${e}.w3.weight`, shape: [FF, H], dtype: 'F32' as const, data: f32(FF * H, 30 + e) });
    }
    return t;
  };

  it('experts are stacked in expert order, the router keeps its name, q/k are permuted', async () => {
    const dir = path.join(tmp.dir, 'mixtral');
    const tensors = [
      { name: 'model.layers.0.block_sparse_moe.gate.weight', shape: [E, H], dtype: 'F32' as const, data: f32(E * H, 1) },
      { name: 'model.layers.0.self_attn.q_proj.weight', shape: [H, H], dtype: 'F32' as const, data: f32(H * H, 2) },
      ...expertTensors(E),
    ];
    await writeSafetensorsFolder(dir, tensors, 2);
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(CONFIG));
    const m = await openHFModel(dir);
    expect([...m.tensors.keys()].sort()).toEqual(['blk.0.attn_q.weight', 'blk.0.ffn_down_exps.weight', 'blk.0.ffn_gate_exps.weight', 'blk.0.ffn_gate_inp.weight', 'blk.0.ffn_up_exps.weight']);
    const byName = new Map(tensors.map((t) => [t.name, t.data]));
    const gate = m.tensors.get('blk.0.ffn_gate_exps.weight')!;
    expect(gate.shape).toEqual([E, FF, H]);
    const concat = (a: Uint8Array, b: Uint8Array) => Uint8Array.from([...a, ...b]);
    const w = (e: number, k: string) => byName.get(`model.layers.0.block_sparse_moe.experts.${e}.${k}.weight`)!;
    expect(equalBytes(await gate.read(), concat(w(0, 'w1'), w(1, 'w1')))).toBe(true);
    expect(m.tensors.get('blk.0.ffn_down_exps.weight')!.shape).toEqual([E, H, FF]);
    expect(equalBytes(await m.tensors.get('blk.0.ffn_down_exps.weight')!.read(), concat(w(0, 'w2'), w(1, 'w2')))).toBe(true);
    expect(equalBytes(await m.tensors.get('blk.0.ffn_up_exps.weight')!.read(), concat(w(0, 'w3'), w(1, 'w3')))).toBe(true);
    expect(equalBytes(await m.tensors.get('blk.0.ffn_gate_inp.weight')!.read(), byName.get('model.layers.0.block_sparse_moe.gate.weight')!)).toBe(true);
    // 2 heads of 32 rows: row 1 of the result is row 16 of the HF weight
    const q = await m.tensors.get('blk.0.attn_q.weight')!.read();
    const src = byName.get('model.layers.0.self_attn.q_proj.weight')!;
    expect(equalBytes(q.subarray(H * 4, 2 * H * 4), src.subarray(16 * H * 4, 17 * H * 4))).toBe(true);
    expect(m.config).toMatchObject({ nExperts: 2, nExpertsUsed: 1, architecture: 'llama' });
    await m.close();
  });

  it('a missing expert is a ModelFormatError', async () => {
    const dir = path.join(tmp.dir, 'mixtral-missing');
    await writeSafetensorsFolder(dir, expertTensors(E).filter((t) => !t.name.includes('experts.1.w2')), 1);
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(CONFIG));
    await expect(openHFModel(dir)).rejects.toThrow(ModelFormatError);
    await expect(openHFModel(dir)).rejects.toThrow(/expert 1 of "blk.0.ffn_down_exps.weight" is missing/);
  });
});
