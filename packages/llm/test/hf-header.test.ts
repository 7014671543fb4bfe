/**
 * A Hugging Face folder's description as GGUF metadata (what `ix quantize --nested folder` writes):
 * published config.json files must give the keys llama.cpp's convert_hf_to_gguf writes for them
 * (typed in from the converted GGUFs), and survive a real GGUF file: written, read back, the same
 * config. The tokenizer travels as tokenizer.json and is read back as such; bad stored JSON is a
 * clear error.
 */
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, ModelFormatError } from '@ix/core';
import { ggufKeysFromConfig } from '../src/formats/config/config-to-gguf.js';
import { configFromGGUF } from '../src/formats/config/gguf-config.js';
import { configFromHF } from '../src/formats/config/hf-config.js';
import { ggufHeaderFromHF, ggufTokenizerSource, HF_TOKENIZER_KEYS } from '../src/formats/gguf/hf-header.js';
import { readGGUF } from '../src/formats/gguf/reader.js';
import { writeGGUF } from '../src/formats/gguf/writer.js';
import type { ModelFile } from '../src/formats/model-file.js';
import { MemorySink } from '../src/formats/sink.js';
import { MemorySource } from '../src/formats/source.js';
import type { ModelConfig } from '../src/model-config.js';

const QWEN25_05B = {
  architectures: ['Qwen2ForCausalLM'], hidden_size: 896, intermediate_size: 4864, max_position_embeddings: 32768, model_type: 'qwen2',
  num_attention_heads: 14, num_hidden_layers: 24, num_key_value_heads: 2, rms_norm_eps: 1e-6, rope_theta: 1000000.0, tie_word_embeddings: true, vocab_size: 151936,
};
// google/gemma-2-27b: its query scale is 1/√(hidden / heads) = 1/12, not 1/√head_dim
const GEMMA2_27B = {
  architectures: ['Gemma2ForCausalLM'], attn_logit_softcapping: 50.0, final_logit_softcapping: 30.0, head_dim: 128, hidden_activation: 'gelu_pytorch_tanh',
  hidden_size: 4608, intermediate_size: 36864, max_position_embeddings: 8192, model_type: 'gemma2', num_attention_heads: 32, num_hidden_layers: 46,
  num_key_value_heads: 16, query_pre_attn_scalar: 144, rms_norm_eps: 1e-6, rope_theta: 10000.0, sliding_window: 4096, vocab_size: 256000,
};
// Qwen3-8B served at 131k with YaRN (its model card's rope_scaling)
const QWEN3_YARN = {
  architectures: ['Qwen3ForCausalLM'], head_dim: 128, hidden_size: 4096, intermediate_size: 12288, max_position_embeddings: 40960, model_type: 'qwen3',
  num_attention_heads: 32, num_hidden_layers: 36, num_key_value_heads: 8, rms_norm_eps: 1e-6, rope_theta: 1000000, tie_word_embeddings: false, vocab_size: 151936,
  rope_scaling: { rope_type: 'yarn', factor: 4.0, original_max_position_embeddings: 32768 },
};
// Qwen1.5-MoE-A2.7B: shared expert, norm_topk_prob false
const QWEN15_MOE = {
  architectures: ['Qwen2MoeForCausalLM'], hidden_size: 2048, intermediate_size: 5632, max_position_embeddings: 8192, model_type: 'qwen2_moe',
  moe_intermediate_size: 1408, norm_topk_prob: false, num_attention_heads: 16, num_experts: 60, num_experts_per_tok: 4, num_hidden_layers: 24,
  num_key_value_heads: 16, rms_norm_eps: 1e-6, rope_theta: 1000000.0, shared_expert_intermediate_size: 5632, tie_word_embeddings: false, vocab_size: 151936,
};

/** config -> GGUF keys -> a real GGUF file -> read back -> config */
async function throughGGUF(config: ModelConfig, shapes: Record<string, number[]>): Promise<ModelConfig> {
  const { metadata, types } = ggufKeysFromConfig(config);
  const sink = new MemorySink();
  await writeGGUF(sink, { metadata, types, tensors: [] });
  const g = await readGGUF(new MemorySource('x.gguf', sink.bytes()));
  return configFromGGUF(g.metadata, new Map(Object.entries(shapes).map(([k, shape]) => [k, { shape }])), 'x.gguf');
}

/** what only an HF config says (keys nobody reads, where it came from), floats as GGUF's f32 */
function comparable({ extra: _, hf: _h, ...rest }: ModelConfig): unknown {
  return JSON.parse(JSON.stringify(rest, (_k, v) => (typeof v === 'number' && !Number.isInteger(v) ? Math.fround(v) : v)));
}

describe('ggufKeysFromConfig', () => {
  it("gives the keys convert_hf_to_gguf writes for Qwen2.5-0.5B and Gemma 2 27B's config.json", () => {
    expect(ggufKeysFromConfig(configFromHF(QWEN25_05B, 'config.json')).metadata).toMatchObject({
      'general.architecture': 'qwen2', 'qwen2.block_count': 24, 'qwen2.context_length': 32768, 'qwen2.embedding_length': 896,
      'qwen2.feed_forward_length': 4864, 'qwen2.attention.head_count': 14, 'qwen2.attention.head_count_kv': 2,
      'qwen2.rope.freq_base': 1000000, 'qwen2.attention.layer_norm_rms_epsilon': Math.fround(1e-6),
    });
    const gemma = ggufKeysFromConfig(configFromHF(GEMMA2_27B, 'config.json'));
    expect(gemma.metadata).toMatchObject({
      'general.architecture': 'gemma2', 'gemma2.block_count': 46, 'gemma2.context_length': 8192, 'gemma2.embedding_length': 4608,
      'gemma2.feed_forward_length': 36864, 'gemma2.attention.head_count': 32, 'gemma2.attention.head_count_kv': 16,
      'gemma2.attention.key_length': 128, 'gemma2.attention.value_length': 128, 'gemma2.attn_logit_softcapping': 50,
      'gemma2.final_logit_softcapping': 30, 'gemma2.attention.sliding_window': 4096,
      // not the converter's (llama.cpp computes 1/12 for the 27B itself): ix states it, as config.json does
      'gemma2.attention.scale': Math.fround(1 / 12),
    });
    // the usual 1/√head_dim is left to readers, as the converter leaves it
    expect(ggufKeysFromConfig(configFromHF({ ...GEMMA2_27B, query_pre_attn_scalar: 128 }, 'config.json')).metadata['gemma2.attention.scale']).toBeUndefined();
  });

  it('survives a GGUF file: Qwen2.5 (tied, biases), Gemma 2 27B, Qwen3 YaRN, Qwen1.5-MoE', async () => {
    const cases: [Record<string, unknown>, Record<string, number[]>][] = [
      [QWEN25_05B, { 'token_embd.weight': [151936, 896], 'blk.0.attn_q.bias': [896] }],
      [GEMMA2_27B, { 'token_embd.weight': [256000, 4608] }],
      [QWEN3_YARN, { 'token_embd.weight': [151936, 4096], 'output.weight': [151936, 4096], 'blk.0.attn_q_norm.weight': [128] }],
      [QWEN15_MOE, { 'token_embd.weight': [151936, 2048], 'output.weight': [151936, 2048], 'blk.0.attn_q.bias': [2048] }],
    ];
    for (const [json, shapes] of cases) {
      const hf = configFromHF(json, 'config.json');
      expect(comparable(await throughGGUF(hf, shapes)), String(json.model_type)).toEqual(comparable(hf));
    }
  });
});

describe('a folder tokenizer in a GGUF', () => {
  const tokenizerJson = { model: { type: 'BPE', vocab: { a: 0, b: 1 }, merges: [] }, added_tokens: [] };
  const tokenizerConfig = { chat_template: [{ name: 'default', template: '{{ messages }}' }, { name: 'tool_use', template: '{{ tools }}' }], add_bos_token: false };
  const folder = (tokenizerSource: ModelFile['tokenizerSource']): ModelFile => ({
    format: 'safetensors', path: '/models/My-Model/', config: configFromHF(QWEN25_05B, 'config.json'), metadata: {}, tensors: new Map(), tokenizerSource, close: async () => {},
  });

  it('is stored whole and read back as the same tokenizer.json, config and templates', async () => {
    const { metadata, types } = ggufHeaderFromHF(folder({ kind: 'hf', tokenizerJson, tokenizerConfig }));
    expect(metadata).toMatchObject({ 'general.name': 'My-Model', 'tokenizer.chat_template': '{{ messages }}', 'tokenizer.chat_template.tool_use': '{{ tools }}' });
    const sink = new MemorySink();
    await writeGGUF(sink, { metadata, types, tensors: [] });
    const g = await readGGUF(new MemorySource('x.gguf', sink.bytes()));
    expect(ggufTokenizerSource(g.metadata, 'x.gguf')).toEqual({ kind: 'hf', tokenizerJson, tokenizerConfig });
  });

  it('refuses what it cannot store, and stored JSON that is not an object, by name', () => {
    expect(() => ggufHeaderFromHF(folder({ kind: 'xlm-roberta', sentencePieceModel: new Uint8Array(4) }))).toThrow(InvalidArgumentError);
    expect(() => ggufHeaderFromHF(folder({ kind: 'xlm-roberta', sentencePieceModel: new Uint8Array(4) }))).toThrow(/sentencepiece\.bpe\.model.*convert_hf_to_gguf/);
    for (const bad of ['{"model": ', '[1, 2]', 42]) {
      expect(() => ggufTokenizerSource({ [HF_TOKENIZER_KEYS.json]: bad }, 'x.gguf')).toThrow(ModelFormatError);
    }
    expect(() => ggufTokenizerSource({ [HF_TOKENIZER_KEYS.json]: '{}', [HF_TOKENIZER_KEYS.config]: 'null' }, 'x.gguf')).toThrow(/ix\.tokenizer\.huggingface\.config is not a JSON object/);
    // a llama.cpp vocabulary wins when both are present
    expect(ggufTokenizerSource({ 'tokenizer.ggml.model': 'gpt2', [HF_TOKENIZER_KEYS.json]: 'not json' }, 'x.gguf')?.kind).toBe('gguf');
  });
});
