import { ModelFormatError } from '@ix/core';
import type { Architecture } from './architecture.js';
import { buildDecoderStep, type DecoderHParams, type DecoderWeights } from './decoder.js';
import { decoderHParams, LLAMA_TENSORS } from './llama.js';
import { withExperts } from './moe.js';

/**
 * OLMoE (OLMoE-1B-7B): a Llama with NeoX rope, RMS norms on all of Q and all of K, and FFNs of 64
 * experts, 8 per token, their weights not renormalized (llama.cpp's olmoe.cpp).
 */
const { bq: _bq, bk: _bk, bv: _bv, ...layer } = LLAMA_TENSORS.layer;
const { ropeFreqs: _ropeFreqs, ...global } = LLAMA_TENSORS.global;

export const olmoe: Architecture<DecoderHParams, DecoderWeights> = {
  name: 'olmoe',
  ggufNames: ['olmoe'],
  hfClasses: ['OlmoeForCausalLM'],
  hfModelTypes: ['olmoe'],
  tensors: withExperts({
    global,
    layer: {
      ...layer,
      qNorm: { gguf: 'blk.{n}.attn_q_norm.weight', hf: 'model.layers.{n}.self_attn.q_norm.weight' },
      kNorm: { gguf: 'blk.{n}.attn_k_norm.weight', hf: 'model.layers.{n}.self_attn.k_norm.weight' },
    },
  }),
  hparams(config, file) {
    // OLMoE checkpoints clip Q, K and V only when clip_qkv is set; none published does
    const clip = config.extra['clip_qkv'] ?? config.extra['olmoe.attention.clamp_kqv'];
    if (typeof clip === 'number' && clip > 0) throw new ModelFormatError(file, `olmoe: clipping Q, K and V (clip_qkv ${clip}) is not supported`);
    return decoderHParams('olmoe', config, file, 'neox', { normWeights: false });
  },
  buildStep: buildDecoderStep,
};
