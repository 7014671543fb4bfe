/**
 * GGUF `<arch>.*` metadata for a ModelConfig: the inverse of configFromGGUF, with the key names
 * and value types convert_hf_to_gguf writes, so a model read from a Hugging Face folder can be
 * stored as a GGUF that ix (and llama.cpp, for its keys) reads back to the same config.
 */
import type { ModelConfig } from '../../model-config.js';
import { GGUFValueType, type GGUFTypeTag } from '../gguf/types.js';
import { POOLING_TYPES } from './gguf-config.js';

export interface GGUFHeaderValues {
  metadata: Record<string, unknown>;
  types: Record<string, GGUFTypeTag>;
}

export function ggufKeysFromConfig(c: ModelConfig): GGUFHeaderValues {
  const a = c.architecture;
  const metadata: Record<string, unknown> = {};
  const types: Record<string, GGUFTypeTag> = {};
  const put = (key: string, value: unknown, type: GGUFTypeTag) => {
    metadata[key] = value;
    types[key] = type;
  };
  const u32 = (key: string, v: number | undefined) => v !== undefined && put(`${a}.${key}`, v, GGUFValueType.UINT32);
  // the converter stores every float hyperparameter as f32
  const f32 = (key: string, v: number | undefined) => v !== undefined && put(`${a}.${key}`, Math.fround(v), GGUFValueType.FLOAT32);
  const bool = (key: string, v: boolean | undefined) => v !== undefined && put(`${a}.${key}`, v, GGUFValueType.BOOL);

  put('general.architecture', a, GGUFValueType.STRING);
  u32('vocab_size', c.vocabSize);
  u32('context_length', c.contextLength);
  u32('embedding_length', c.hiddenSize);
  if (c.intermediateSize > 0) u32('feed_forward_length', c.intermediateSize);
  u32('block_count', c.nLayers);
  u32('attention.head_count', c.nHeads);
  u32('attention.head_count_kv', c.nKVHeads);
  u32('attention.key_length', c.headDim);
  u32('attention.value_length', c.headDim);
  if (c.ropeType !== 'none' && a !== 'bert') {
    f32('rope.freq_base', c.ropeTheta);
    u32('rope.dimension_count', c.ropeDims);
  }
  f32(c.normType === 'layer' ? 'attention.layer_norm_epsilon' : 'attention.layer_norm_rms_epsilon', c.normEps);
  if (!c.causal) bool('attention.causal', false);
  if (c.nExperts) {
    u32('expert_count', c.nExperts);
    u32('expert_used_count', c.nExpertsUsed);
    u32('expert_feed_forward_length', c.expertIntermediateSize);
    u32('expert_shared_feed_forward_length', c.sharedExpertIntermediateSize);
    f32('expert_weights_scale', c.expertWeightsScale);
    bool('expert_weights_norm', c.expertWeightsNorm);
  }
  f32('attn_logit_softcapping', c.attnSoftcap);
  f32('final_logit_softcapping', c.finalSoftcap);
  u32('attention.sliding_window', c.slidingWindow);
  const pattern = c.slidingWindowPattern;
  if (Array.isArray(pattern)) put(`${a}.attention.sliding_window_pattern`, pattern, { array: GGUFValueType.BOOL });
  else u32('attention.sliding_window_pattern', pattern);
  f32('rope.freq_base_swa', c.ropeThetaSwa);
  // the query scale only where it is not the usual 1/√headDim (Gemma's configs state that one; the
  // converter writes none and readers compute it)
  if (c.attentionScale !== undefined && Math.fround(c.attentionScale) !== Math.fround(1 / Math.sqrt(c.headDim))) f32('attention.scale', c.attentionScale);
  f32('embedding_scale', c.embeddingScale);
  f32('residual_scale', c.residualScale);
  f32('logit_scale', c.logitScale);
  if (c.pooling !== undefined) u32('pooling_type', POOLING_TYPES.indexOf(c.pooling));
  // OLMoE's q/k/v clamp (HF clip_qkv)
  const clip = c.extra['clip_qkv'];
  if (typeof clip === 'number' && clip > 0) f32('attention.clamp_kqv', clip);

  const s = c.ropeScaling;
  if (s?.type === 'linear') {
    put(`${a}.rope.scaling.type`, 'linear', GGUFValueType.STRING);
    f32('rope.scaling.factor', s.factor);
  } else if (s?.type === 'yarn') {
    put(`${a}.rope.scaling.type`, 'yarn', GGUFValueType.STRING);
    f32('rope.scaling.factor', s.factor);
    u32('rope.scaling.original_context_length', s.originalContextLength);
    f32('rope.scaling.yarn_beta_fast', s.betaFast);
    f32('rope.scaling.yarn_beta_slow', s.betaSlow);
    // llama.cpp multiplies its own magnitude (0.1·ln(factor) + 1) by attn_factor
    if (s.attentionFactor !== undefined) f32('rope.scaling.attn_factor', s.attentionFactor / (0.1 * Math.log(s.factor) + 1));
  } else if (s?.type === 'longrope') {
    // the factors travel as tensors (rope_factors_long/short.weight)
    u32('rope.scaling.original_context_length', s.originalContextLength);
    f32('rope.scaling.attn_factor', s.attentionFactor);
  }
  // llama3: the rope_freqs.weight tensor carries the scaling
  // keys of the architecture's own kept as they are (Gemma 3n's AltUp and sparsity, a file's keys ix
  // has no field for): integers as u32, other numbers as f32, flags, float arrays
  for (const [key, v] of Object.entries(c.extra)) {
    if (!key.startsWith(`${a}.`) || key in metadata) continue;
    if (typeof v === 'number') put(key, Number.isInteger(v) && v >= 0 && v < 2 ** 32 ? v : Math.fround(v), Number.isInteger(v) && v >= 0 && v < 2 ** 32 ? GGUFValueType.UINT32 : GGUFValueType.FLOAT32);
    else if (typeof v === 'boolean') put(key, v, GGUFValueType.BOOL);
    else if (v instanceof Float32Array) put(key, v, { array: GGUFValueType.FLOAT32 });
  }
  return { metadata, types };
}
