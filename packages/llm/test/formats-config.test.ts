/**
 * ModelConfig from HF config.json and from GGUF metadata: published configs (typed in from the
 * model repositories) and the GGUF keys llama.cpp's convert_hf_to_gguf writes for them must give
 * the same config; the real all-MiniLM-L6-v2 config must give the facts in its SOURCE.md.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelFormatError } from '@ix/core';
import { configFromGGUF } from '../src/formats/config/gguf-config.js';
import { configFromHF, llama3RopeFreqs, normalQuantile, poolingFromSentenceTransformers } from '../src/formats/config/hf-config.js';
import type { GGUFMetadata } from '../src/formats/gguf/types.js';
import type { ModelConfig } from '../src/model-config.js';
import { MINILM_DIR } from './fixtures/model-files.js';

const shapes = (entries: Record<string, number[]>) => new Map(Object.entries(entries).map(([k, shape]) => [k, { shape }]));
// what only one source can say: keys nobody reads, and where an HF config came from
const withoutExtra = ({ extra: _, hf: _h, ...rest }: ModelConfig) => rest;

describe('HF config.json and GGUF metadata agree', () => {
  it('Qwen2.5-0.5B-Instruct (tied, q/k/v biases, neox rope)', () => {
    const hf = configFromHF(
      {
        architectures: ['Qwen2ForCausalLM'], attention_dropout: 0.0, bos_token_id: 151643, eos_token_id: 151645, hidden_act: 'silu',
        hidden_size: 896, initializer_range: 0.02, intermediate_size: 4864, max_position_embeddings: 32768, max_window_layers: 21,
        model_type: 'qwen2', num_attention_heads: 14, num_hidden_layers: 24, num_key_value_heads: 2, rms_norm_eps: 1e-6,
        rope_theta: 1000000.0, sliding_window: 32768, tie_word_embeddings: true, torch_dtype: 'bfloat16', use_cache: true,
        use_sliding_window: false, vocab_size: 151936,
      },
      'config.json',
    );
    const gguf = configFromGGUF(
      {
        'general.architecture': 'qwen2', 'qwen2.block_count': 24, 'qwen2.context_length': 32768, 'qwen2.embedding_length': 896,
        'qwen2.feed_forward_length': 4864, 'qwen2.attention.head_count': 14, 'qwen2.attention.head_count_kv': 2,
        'qwen2.rope.freq_base': 1000000, 'qwen2.attention.layer_norm_rms_epsilon': 1e-6,
      },
      shapes({ 'token_embd.weight': [151936, 896], 'blk.0.attn_q.bias': [896] }),
      'qwen.gguf',
    );
    expect(withoutExtra(hf)).toEqual(withoutExtra(gguf));
    expect(hf).toMatchObject({ architecture: 'qwen2', headDim: 64, ropeType: 'neox', tiedEmbeddings: true, qkvBias: true, qkNorm: false, nExperts: 0 });
    expect(hf.extra).toMatchObject({ sliding_window: 32768, use_sliding_window: false, bos_token_id: 151643 });
  });

  it('Qwen3-0.6B (explicit head_dim, q/k norms)', () => {
    const hf = configFromHF(
      {
        architectures: ['Qwen3ForCausalLM'], attention_bias: false, head_dim: 128, hidden_act: 'silu', hidden_size: 1024,
        intermediate_size: 3072, max_position_embeddings: 40960, model_type: 'qwen3', num_attention_heads: 16,
        num_hidden_layers: 28, num_key_value_heads: 8, rms_norm_eps: 1e-6, rope_scaling: null, rope_theta: 1000000,
        tie_word_embeddings: true, vocab_size: 151936,
      },
      'config.json',
    );
    const gguf = configFromGGUF(
      {
        'general.architecture': 'qwen3', 'qwen3.block_count': 28, 'qwen3.context_length': 40960, 'qwen3.embedding_length': 1024,
        'qwen3.feed_forward_length': 3072, 'qwen3.attention.head_count': 16, 'qwen3.attention.head_count_kv': 8,
        'qwen3.rope.freq_base': 1000000, 'qwen3.attention.layer_norm_rms_epsilon': 1e-6, 'qwen3.attention.key_length': 128,
        'qwen3.attention.value_length': 128,
      },
      shapes({ 'token_embd.weight': [151936, 1024], 'blk.0.attn_q_norm.weight': [128] }),
      'qwen3.gguf',
    );
    expect(withoutExtra(hf)).toEqual(withoutExtra(gguf));
    expect(hf).toMatchObject({ headDim: 128, ropeDims: 128, qkNorm: true, qkvBias: false, ropeType: 'neox' });
  });

  it('Mixtral-8x7B (GGUF arch llama with expert keys)', () => {
    const hf = configFromHF(
      {
        architectures: ['MixtralForCausalLM'], hidden_act: 'silu', hidden_size: 4096, intermediate_size: 14336,
        max_position_embeddings: 32768, model_type: 'mixtral', num_attention_heads: 32, num_experts_per_tok: 2,
        num_hidden_layers: 32, num_key_value_heads: 8, num_local_experts: 8, rms_norm_eps: 1e-5, rope_theta: 1e6,
        router_aux_loss_coef: 0.02, sliding_window: null, tie_word_embeddings: false, vocab_size: 32000,
      },
      'config.json',
    );
    const gguf = configFromGGUF(
      {
        'general.architecture': 'llama', 'llama.block_count': 32, 'llama.context_length': 32768, 'llama.embedding_length': 4096,
        'llama.feed_forward_length': 14336, 'llama.attention.head_count': 32, 'llama.attention.head_count_kv': 8,
        'llama.rope.freq_base': 1e6, 'llama.attention.layer_norm_rms_epsilon': 1e-5, 'llama.expert_count': 8,
        'llama.expert_used_count': 2, 'llama.vocab_size': 32000, 'llama.rope.dimension_count': 128,
      },
      shapes({ 'output.weight': [32000, 4096] }),
      'mixtral.gguf',
    );
    expect(withoutExtra(hf)).toEqual(withoutExtra(gguf));
    expect(hf).toMatchObject({ architecture: 'llama', nExperts: 8, nExpertsUsed: 2, expertIntermediateSize: 14336, ropeType: 'normal' });
  });

  it('Llama-3.1-8B (llama3 rope scaling: parameters from config.json, rope_freqs.weight on both paths)', () => {
    const hf = configFromHF(
      {
        architectures: ['LlamaForCausalLM'], attention_bias: false, hidden_size: 4096, intermediate_size: 14336,
        max_position_embeddings: 131072, model_type: 'llama', num_attention_heads: 32, num_hidden_layers: 32,
        num_key_value_heads: 8, rms_norm_eps: 1e-5, rope_theta: 500000.0, tie_word_embeddings: false, vocab_size: 128256,
        rope_scaling: { factor: 8.0, low_freq_factor: 1.0, high_freq_factor: 4.0, original_max_position_embeddings: 8192, rope_type: 'llama3' },
      },
      'config.json',
    );
    expect(hf.ropeScaling).toEqual({ type: 'llama3', factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalContextLength: 8192 });
    const gguf = configFromGGUF(
      {
        'general.architecture': 'llama', 'llama.block_count': 32, 'llama.context_length': 131072, 'llama.embedding_length': 4096,
        'llama.feed_forward_length': 14336, 'llama.attention.head_count': 32, 'llama.attention.head_count_kv': 8,
        'llama.rope.freq_base': 500000, 'llama.attention.layer_norm_rms_epsilon': 1e-5, 'llama.vocab_size': 128256,
      },
      shapes({ 'output.weight': [128256, 4096], 'rope_freqs.weight': [64] }),
      'llama3.gguf',
    );
    expect(gguf.ropeScaling).toEqual({ type: 'llama3' });
    const { ropeScaling: _a, ...h } = withoutExtra(hf);
    const { ropeScaling: _b, ...g } = withoutExtra(gguf);
    expect(h).toEqual(g);
    // Llama 3 scaling: wavelengths under 8192/4 keep their frequency (1), over 8192/1 are divided by 8,
    // the band between is interpolated
    const f = llama3RopeFreqs(hf)!;
    expect(f.length).toBe(64);
    expect(f[0]).toBe(1);
    expect(f[63]).toBe(8);
    for (let i = 1; i < 64; i++) expect(f[i]!).toBeGreaterThanOrEqual(f[i - 1]!);
    const wavelen = (i: number) => 2 * Math.PI * Math.pow(500000, (2 * i) / 128);
    for (let i = 0; i < 64; i++) {
      if (wavelen(i) < 2048) expect(f[i]).toBe(1);
      else if (wavelen(i) > 8192) expect(f[i]).toBe(8);
      else expect(f[i]!).toBeCloseTo(1 / ((1 - (8192 / wavelen(i) - 1) / 3) / 8 + (8192 / wavelen(i) - 1) / 3), 6);
    }
  });

  it('all-MiniLM-L6-v2: the real config.json and 1_Pooling (SOURCE.md facts) vs bert.* GGUF keys', () => {
    const cfgJson = JSON.parse(fs.readFileSync(path.join(MINILM_DIR, 'config.json'), 'utf8'));
    const pooling = poolingFromSentenceTransformers(JSON.parse(fs.readFileSync(path.join(MINILM_DIR, '1_Pooling', 'config.json'), 'utf8')));
    const hf = configFromHF(cfgJson, 'config.json', pooling);
    expect(hf).toMatchObject({
      architecture: 'bert', hiddenSize: 384, nLayers: 6, nHeads: 12, nKVHeads: 12, headDim: 32, intermediateSize: 1536,
      vocabSize: 30522, contextLength: 512, typeVocabSize: 2, normEps: 1e-12, normType: 'layer', activation: 'gelu',
      pooling: 'mean', causal: false, ropeType: 'none', qkvBias: true, tiedEmbeddings: false,
    });
    const gguf = configFromGGUF(
      {
        'general.architecture': 'bert', 'bert.block_count': 6, 'bert.context_length': 512, 'bert.embedding_length': 384,
        'bert.feed_forward_length': 1536, 'bert.attention.head_count': 12, 'bert.attention.layer_norm_epsilon': 1e-12,
        'bert.attention.causal': false, 'bert.pooling_type': 1, 'tokenizer.ggml.token_type_count': 2,
      },
      shapes({ 'token_embd.weight': [30522, 384], 'token_types.weight': [2, 384], 'blk.0.attn_q.bias': [384] }),
      'minilm.gguf',
    );
    expect(withoutExtra(hf)).toEqual(withoutExtra(gguf));
  });
});

describe('unknown keys and bad configs', () => {
  it('GGUF <arch>.* keys the config does not cover land in extra; 64-bit values are accepted', () => {
    const md: GGUFMetadata = {
      'general.architecture': 'llama', 'llama.block_count': 2n, 'llama.context_length': 128, 'llama.embedding_length': 64,
      'llama.attention.head_count': 4, 'llama.attention.layer_norm_rms_epsilon': 1e-5, 'llama.some_new_key': 'x',
    };
    const c = configFromGGUF(md, shapes({}), 'x.gguf');
    expect(c.nLayers).toBe(2);
    expect(c.extra).toEqual({ 'llama.some_new_key': 'x' });
  });

  it.each([
    [{ model_type: 'gptj' }, /model_type "gptj" is not supported/],
    [{ model_type: 'gpt2', n_layer: 2, n_head: 4, n_ctx: 64, vocab_size: 10 }, /"n_embd" is missing/],
    [{ model_type: 'llama', hidden_size: 64 }, /"num_attention_heads" is missing/],
    [{ model_type: 'llama', hidden_size: '64', num_attention_heads: 4 }, /"hidden_size" is not a number/],
    [
      { model_type: 'llama', hidden_size: 64, num_attention_heads: 4, vocab_size: 10, intermediate_size: 8, num_hidden_layers: 1, max_position_embeddings: 8, rope_scaling: { rope_type: 'dynamic' } },
      /rope_scaling type "dynamic"/,
    ],
  ])('HF %j -> ModelFormatError', (cfg, message) => {
    expect(() => configFromHF(cfg as Record<string, unknown>, 'config.json')).toThrow(ModelFormatError);
    expect(() => configFromHF(cfg as Record<string, unknown>, 'config.json')).toThrow(message);
  });

  it('GGUF without general.architecture or a required key -> ModelFormatError', () => {
    expect(() => configFromGGUF({}, shapes({}), 'x.gguf')).toThrow(/general.architecture is missing/);
    expect(() => configFromGGUF({ 'general.architecture': 'llama' }, shapes({}), 'x.gguf')).toThrow(/llama.embedding_length is missing/);
  });
});

describe('Gemma 3n config.json', () => {
  it('normalQuantile: the standard normal quantiles (published values; torch gives the converter 1.6448533535003662 in f32 for 0.95, a part in ten million off)', () => {
    expect(normalQuantile(0.95)).toBeCloseTo(1.6448536269514722, 14);
    expect(Math.fround(normalQuantile(0.95))).toBeCloseTo(1.6448533535003662, 6);
    expect(normalQuantile(0.025)).toBeCloseTo(-1.959963984540054, 14);
    expect(normalQuantile(0.5)).toBe(0);
    expect(normalQuantile(1e-10)).toBeCloseTo(-6.361340902404056, 12);
    expect(normalQuantile(0)).toBe(-Infinity);
  });

  it('reads text_config: sparsity as quantiles, KV sharing, one FFN width; refuses widths that differ by layer', () => {
    const text = {
      model_type: 'gemma3n_text', vocab_size: 100, hidden_size: 64, intermediate_size: [128, 128, 128], num_hidden_layers: 3, num_attention_heads: 2,
      num_key_value_heads: 1, head_dim: 32, max_position_embeddings: 512, rms_norm_eps: 1e-6, rope_theta: 1e6, hidden_activation: 'gelu_pytorch_tanh',
      hidden_size_per_layer_input: 256, num_kv_shared_layers: 1, activation_sparsity_pattern: [0.95, 0, 0], layer_types: ['sliding_attention', 'sliding_attention', 'full_attention'], sliding_window: 4,
    };
    const c = configFromHF({ architectures: ['Gemma3nForConditionalGeneration'], model_type: 'gemma3n', text_config: text }, 'config.json');
    expect(c.architecture).toBe('gemma3n');
    expect(c.intermediateSize).toBe(128);
    expect(c.slidingWindowPattern).toEqual([true, true, false]);
    expect(Array.from(c.extra['gemma3n.activation_sparsity_scale'] as Float32Array)).toEqual([Math.fround(normalQuantile(0.95)), -Infinity, -Infinity]);
    expect(c.extra['gemma3n.attention.shared_kv_layers']).toBe(1);
    expect(() => configFromHF({ model_type: 'gemma3n', text_config: { ...text, intermediate_size: [128, 256, 128] } }, 'config.json')).toThrow(/differ by layer/);
    expect(() => configFromHF({ model_type: 'gemma3n' }, 'config.json')).toThrow(/text_config/);
  });
});
