import { ModelFormatError, yarnCorrDims } from '@ix/core';
import type { ModelConfig } from '../model-config.js';
import type { Architecture, TensorTable } from './architecture.js';
import { buildDecoderEmbed, buildDecoderStep, type DecoderHParams, type DecoderWeights } from './decoder.js';
import { expertHParams, withExperts } from './moe.js';

/** Llama 1/2/3 (and TinyLlama, SmolLM, Vicuna, ...): the decoder graph, optional attention biases. */
export const LLAMA_TENSORS = {
  global: {
    tokenEmbd: { gguf: 'token_embd.weight', hf: 'model.embed_tokens.weight' },
    outputNorm: { gguf: 'output_norm.weight', hf: 'model.norm.weight' },
    // tied embeddings: the classifier is the embedding table
    output: { gguf: 'output.weight', hf: 'lm_head.weight', tiedTo: 'tokenEmbd' },
    // Llama 3 rope scaling: GGUF stores the divisors, an HF folder's ModelFile computes them from config.json
    ropeFreqs: { gguf: 'rope_freqs.weight', hf: 'rope_freqs.weight', optional: true },
    // LongRoPE (Phi-3 128k): divisors for long and for short contexts (an HF folder's ModelFile makes them)
    ropeFactorsLong: { gguf: 'rope_factors_long.weight', hf: 'rope_factors_long.weight', optional: true },
    ropeFactorsShort: { gguf: 'rope_factors_short.weight', hf: 'rope_factors_short.weight', optional: true },
  },
  layer: {
    attnNorm: { gguf: 'blk.{n}.attn_norm.weight', hf: 'model.layers.{n}.input_layernorm.weight' },
    wq: { gguf: 'blk.{n}.attn_q.weight', hf: 'model.layers.{n}.self_attn.q_proj.weight' },
    wk: { gguf: 'blk.{n}.attn_k.weight', hf: 'model.layers.{n}.self_attn.k_proj.weight' },
    wv: { gguf: 'blk.{n}.attn_v.weight', hf: 'model.layers.{n}.self_attn.v_proj.weight' },
    wo: { gguf: 'blk.{n}.attn_output.weight', hf: 'model.layers.{n}.self_attn.o_proj.weight' },
    bq: { gguf: 'blk.{n}.attn_q.bias', hf: 'model.layers.{n}.self_attn.q_proj.bias', optional: true },
    bk: { gguf: 'blk.{n}.attn_k.bias', hf: 'model.layers.{n}.self_attn.k_proj.bias', optional: true },
    bv: { gguf: 'blk.{n}.attn_v.bias', hf: 'model.layers.{n}.self_attn.v_proj.bias', optional: true },
    ffnNorm: { gguf: 'blk.{n}.ffn_norm.weight', hf: 'model.layers.{n}.post_attention_layernorm.weight' },
    wGate: { gguf: 'blk.{n}.ffn_gate.weight', hf: 'model.layers.{n}.mlp.gate_proj.weight' },
    wUp: { gguf: 'blk.{n}.ffn_up.weight', hf: 'model.layers.{n}.mlp.up_proj.weight' },
    wDown: { gguf: 'blk.{n}.ffn_down.weight', hf: 'model.layers.{n}.mlp.down_proj.weight' },
  },
} satisfies TensorTable;

/**
 * The decoder graph's hyper-parameters from a config, for any Llama-family architecture. The
 * architecture knows how it rotates (as llama.cpp's llama_model_rope_type): a config that says
 * otherwise is refused, one that does not know (a GGUF architecture new to the file readers) is fine.
 * Architectures with mixture-of-experts variants say how they weight the chosen experts (`experts`);
 * the others refuse expert models.
 */
export function decoderHParams(name: string, c: ModelConfig, file: string, ropeMode: 'normal' | 'neox', experts?: { normWeights: boolean }): DecoderHParams {
  if (c.nExperts > 0 && !experts) throw new ModelFormatError(file, `${name}: mixture-of-experts layers (${c.nExperts} experts) are not part of this architecture`);
  if (c.ropeType !== 'unknown' && c.ropeType !== ropeMode) throw new ModelFormatError(file, `${name} rotates with ${ropeMode} rope, the config says "${c.ropeType}"`);
  if (c.ropeScaling && !['linear', 'llama3', 'yarn', 'longrope'].includes(c.ropeScaling.type)) {
    throw new ModelFormatError(file, `rope scaling "${c.ropeScaling.type}" is not supported yet`);
  }
  if (c.normType !== 'rms' || c.activation !== 'silu') throw new ModelFormatError(file, `${c.normType} norm with ${c.activation} is not a Llama-family decoder`);
  const hp = decoderShape(name, c, ropeMode);
  if (c.nExperts > 0 && experts) hp.moe = expertHParams(c, file, experts.normWeights);
  return hp;
}

/** The sizes, rope and norm epsilon every decoder reads from its config the same way (no checks: the caller's). */
export function decoderShape(name: string, c: ModelConfig, ropeMode: 'normal' | 'neox'): DecoderHParams {
  return {
    arch: name,
    vocabSize: c.vocabSize,
    embedDim: c.hiddenSize,
    ffnDim: c.intermediateSize,
    nLayers: c.nLayers,
    nHeads: c.nHeads,
    nKVHeads: c.nKVHeads,
    headDim: c.headDim,
    ropeDims: c.ropeDims,
    ropeBase: c.ropeTheta,
    ropeMode,
    // llama3 scaling lives in the rope_freqs tensor; linear scaling divides positions, YaRN too (ramped)
    ropeFreqScale: c.ropeScaling?.type === 'linear' || c.ropeScaling?.type === 'yarn' ? 1 / c.ropeScaling.factor : 1,
    ...(c.ropeScaling?.type === 'yarn' && c.ropeScaling.factor > 1 && { ropeYarn: yarnRope(c.ropeScaling, c) }),
    // LongRoPE: the factors by context (ropeLongAfter), cos and sin times the file's magnitude
    ...(c.ropeScaling?.type === 'longrope' && {
      ropeLongAfter: c.ropeScaling.originalContextLength,
      ...(c.ropeScaling.attentionFactor !== 1 && { ropeYarn: { extFactor: 0, attnFactor: c.ropeScaling.attentionFactor, corrDims: [0, 0] as const } }),
    }),
    normEps: c.normEps,
    contextLength: c.contextLength,
    ...(c.pooling && c.pooling !== 'none' ? { pooling: c.pooling } : {}),
  };
}

/** Llama, and GGUF `llama` files with experts (Mixtral, which renormalizes the chosen experts' weights). */
/**
 * YaRN as llama.cpp runs it: ext_factor 1; its attention factor, after cancelling the
 * 1 + 0.1·ln(1/freqScale) the rope op applies, is 1 (times the file's own factor); the ramp between
 * the pairs that turn 32 and 1 times over the original context.
 */
function yarnRope(s: Extract<NonNullable<ModelConfig['ropeScaling']>, { type: 'yarn' }>, c: ModelConfig): NonNullable<DecoderHParams['ropeYarn']> {
  const magnitude = 0.1 * Math.log(s.factor) + 1;
  return {
    extFactor: 1,
    attnFactor: (s.attentionFactor ?? magnitude) / magnitude,
    corrDims: yarnCorrDims(c.ropeDims, s.originalContextLength ?? c.contextLength, c.ropeTheta, s.betaFast ?? 32, s.betaSlow ?? 1),
  };
}

export const llama: Architecture<DecoderHParams, DecoderWeights> = {
  name: 'llama',
  ggufNames: ['llama'],
  hfClasses: ['LlamaForCausalLM'],
  hfModelTypes: ['llama'],
  tensors: LLAMA_TENSORS,
  tensorsFor: (hp) => (hp.moe ? withExperts(LLAMA_TENSORS) : LLAMA_TENSORS),
  hparams: (config, file) => decoderHParams('llama', config, file, 'normal', { normWeights: true }),
  buildStep: buildDecoderStep,
  buildEmbed: buildDecoderEmbed,
};
