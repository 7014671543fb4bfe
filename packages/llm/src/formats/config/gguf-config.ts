/** ModelConfig from GGUF metadata (`<arch>.*` keys, as llama.cpp's llama_model_loader reads them). */
import { ModelFormatError } from '@ix/core';
import type { ModelConfig, PoolingType, RopeScaling } from '../../model-config.js';
import type { GGUFMetadata } from '../gguf/types.js';
import { ropeTypeOf } from './rope.js';

/** llama.cpp enum llama_pooling_type, by value */
export const POOLING_TYPES: readonly PoolingType[] = ['none', 'mean', 'cls', 'last', 'rank'];

export function configFromGGUF(metadata: GGUFMetadata, tensors: ReadonlyMap<string, { shape: readonly number[] }>, file: string): ModelConfig {
  const arch = metadata['general.architecture'];
  if (typeof arch !== 'string' || !arch) throw new ModelFormatError(file, 'general.architecture is missing');
  const used = new Set<string>();
  const get = (key: string): unknown => {
    used.add(`${arch}.${key}`);
    return metadata[`${arch}.${key}`];
  };
  const num = (key: string, fallback?: number): number => {
    const v = scalarNumber(get(key));
    if (v !== undefined) return v;
    if (fallback !== undefined) return fallback;
    throw new ModelFormatError(file, `${arch}.${key} is missing or not a number`);
  };

  const hiddenSize = num('embedding_length');
  const nHeads = num('attention.head_count');
  const headDim = num('attention.key_length', nHeads ? hiddenSize / nHeads : 0);
  const tokens = metadata['tokenizer.ggml.tokens'];
  const embd = tensors.get('token_embd.weight');
  const vocabSize = num('vocab_size', Array.isArray(tokens) ? tokens.length : (embd?.shape[0] ?? 0));
  // BERT-family encoders: LayerNorm after each block, no output projection (nomic-bert: rotary, SwiGLU)
  const isBert = arch === 'bert' || arch === 'nomic-bert';
  const nExperts = num('expert_count', 0);
  const pooling = scalarNumber(get('pooling_type'));
  const causal = get('attention.causal');
  get('attention.value_length');
  const isGemma = /^gemma/.test(arch);
  // LayerNorm decoders: StarCoder2, GPT-2 (GELU, biases), Command-R and Cohere2 (SwiGLU)
  const layerNorm = isBert || ['starcoder2', 'gpt2', 'command-r', 'cohere2'].includes(arch);
  const gelu = arch === 'bert' || arch === 'starcoder2' || arch === 'gpt2' || isGemma;
  const pattern = get('attention.sliding_window_pattern');

  const config: ModelConfig = {
    architecture: arch,
    vocabSize,
    hiddenSize,
    intermediateSize: num('feed_forward_length', 0),
    nLayers: num('block_count'),
    nHeads,
    nKVHeads: num('attention.head_count_kv', nHeads),
    headDim,
    contextLength: num('context_length'),
    ropeTheta: num('rope.freq_base', 10000),
    ropeDims: arch === 'bert' ? 0 : num('rope.dimension_count', headDim),
    ropeType: ropeTypeOf(arch),
    ropeScaling: ropeScaling(get, tensors),
    normEps: layerNorm ? num('attention.layer_norm_epsilon') : num('attention.layer_norm_rms_epsilon'),
    normType: layerNorm ? 'layer' : 'rms',
    activation: gelu ? 'gelu' : 'silu',
    // encoders have no output projection to tie
    tiedEmbeddings: !isBert && !tensors.has('output.weight'),
    qkvBias: tensors.has('blk.0.attn_q.bias'),
    qkNorm: tensors.has('blk.0.attn_q_norm.weight'),
    nExperts,
    nExpertsUsed: num('expert_used_count', 0),
    expertIntermediateSize: scalarNumber(get('expert_feed_forward_length')),
    sharedExpertIntermediateSize: scalarNumber(get('expert_shared_feed_forward_length')),
    expertWeightsScale: scalarNumber(get('expert_weights_scale')),
    expertWeightsNorm: typeof get('expert_weights_norm') === 'boolean' ? (get('expert_weights_norm') as boolean) : undefined,
    causal: typeof causal === 'boolean' ? causal : !isBert,
    attnSoftcap: scalarNumber(get('attn_logit_softcapping')),
    finalSoftcap: scalarNumber(get('final_logit_softcapping')),
    slidingWindow: scalarNumber(get('attention.sliding_window')),
    slidingWindowPattern: Array.isArray(pattern) ? pattern.map((v) => v === true || v === 1) : scalarNumber(pattern),
    ropeThetaSwa: scalarNumber(get('rope.freq_base_swa')),
    attentionScale: scalarNumber(get('attention.scale')),
    embeddingScale: scalarNumber(get('embedding_scale')),
    residualScale: scalarNumber(get('residual_scale')),
    logitScale: scalarNumber(get('logit_scale')),
    extra: {},
  };
  const optional = ['sharedExpertIntermediateSize', 'expertWeightsScale', 'expertWeightsNorm', 'attnSoftcap', 'finalSoftcap', 'slidingWindow', 'slidingWindowPattern', 'ropeThetaSwa', 'attentionScale', 'embeddingScale', 'residualScale', 'logitScale'] as const;
  for (const key of optional) if (config[key] === undefined || config[key] === 0) delete config[key];
  // embedding models say how they pool (BERT; decoders converted as embedders, e.g. Qwen3-Embedding)
  if (pooling !== undefined) config.pooling = POOLING_TYPES[pooling] ?? 'none';
  if (isBert) {
    config.pooling ??= 'none';
    config.typeVocabSize = scalarNumber(metadata['tokenizer.ggml.token_type_count']) ?? tensors.get('token_types.weight')?.shape[0];
  }
  // llama-architecture MoE (Mixtral) experts use feed_forward_length
  if (config.expertIntermediateSize === undefined && nExperts) config.expertIntermediateSize = config.intermediateSize;
  if (config.expertIntermediateSize === undefined) delete config.expertIntermediateSize;
  if (config.ropeScaling === undefined) delete config.ropeScaling;
  for (const key of Object.keys(metadata)) {
    if (key.startsWith(`${arch}.`) && !used.has(key)) config.extra[key] = metadata[key];
  }
  return config;
}

function ropeScaling(get: (key: string) => unknown, tensors: ReadonlyMap<string, unknown>): RopeScaling | undefined {
  const type = get('rope.scaling.type');
  const factor = scalarNumber(get('rope.scaling.factor')) ?? scalarNumber(get('rope.scale_linear'));
  const original = scalarNumber(get('rope.scaling.original_context_length'));
  if (type === 'linear' || (type === undefined && factor !== undefined && factor !== 1)) return { type: 'linear', factor: factor ?? 1 };
  if (type === 'yarn') {
    // llama.cpp multiplies its YaRN magnitude (0.1·ln(factor) + 1) by rope.scaling.attn_factor
    const attn = scalarNumber(get('rope.scaling.attn_factor'));
    const [betaFast, betaSlow] = [scalarNumber(get('rope.scaling.yarn_beta_fast')), scalarNumber(get('rope.scaling.yarn_beta_slow'))];
    const f = factor ?? 1;
    return {
      type: 'yarn',
      factor: f,
      ...(original !== undefined && { originalContextLength: original }),
      ...(betaFast !== undefined && { betaFast }),
      ...(betaSlow !== undefined && { betaSlow }),
      ...(attn !== undefined && attn !== 1 && { attentionFactor: attn * (0.1 * Math.log(f) + 1) }),
    };
  }
  if (tensors.has('rope_freqs.weight')) return { type: 'llama3' };
  if (tensors.has('rope_factors_long.weight')) {
    // llama.cpp: the original context defaults to the trained one, the magnitude to 1
    const context = scalarNumber(get('context_length'));
    return { type: 'longrope', originalContextLength: original ?? context ?? 0, attentionFactor: scalarNumber(get('rope.scaling.attn_factor')) ?? 1 };
  }
  return undefined;
}

/** A number from a scalar (BigInt when safe) or the first element of a per-layer array. */
export function scalarNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : undefined;
  if ((ArrayBuffer.isView(v) || Array.isArray(v)) && (v as ArrayLike<unknown>).length > 0) return scalarNumber((v as ArrayLike<unknown>)[0]);
  return undefined;
}
