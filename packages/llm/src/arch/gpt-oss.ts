import { ModelFormatError } from '@ix/core';
import type { Architecture } from './architecture.js';
import { buildDecoderStep, slidingLayers, type DecoderHParams, type DecoderWeights } from './decoder.js';
import { decoderHParams, LLAMA_TENSORS } from './llama.js';
import { EXPERT_TENSORS } from './moe.js';

/**
 * gpt-oss (OpenAI gpt-oss-20b / -120b; GGUF `gpt-oss`): a mixture-of-experts decoder whose layers
 * alternate sliding-window (even layers, 128 positions) and full attention, every layer rotating
 * with the same YaRN rope. Attention has biases and a learned sink logit per head; the router and
 * every expert have biases; the chosen experts' weights are the softmax of their logits; the
 * experts' SwiGLU is clamped (swiglu_oai: alpha 1.702, limit 7). As llama.cpp's openai-moe.cpp.
 * Its experts ship in MXFP4; a Hugging Face folder's blocks/scales (or dequantized experts) are
 * rearranged by the folder's reader (formats/safetensors/gpt-oss.ts) into llama.cpp's tensors.
 */
const { ropeFreqs: _ropeFreqs, ...global } = LLAMA_TENSORS.global;
const { wGate: _g, wUp: _u, wDown: _d, ffnNorm: _n, ...layer } = LLAMA_TENSORS.layer;
// tensors the folder's reader makes under their llama.cpp names
const made = (gguf: string) => ({ gguf, hf: gguf });

export const GPT_OSS_TENSORS = {
  global,
  layer: {
    ...layer,
    bo: { gguf: 'blk.{n}.attn_output.bias', hf: 'model.layers.{n}.self_attn.o_proj.bias' },
    attnSinks: { gguf: 'blk.{n}.attn_sinks.weight', hf: 'model.layers.{n}.self_attn.sinks' },
    // the norm before the FFN, which llama.cpp names after the attention
    ffnNorm: { gguf: 'blk.{n}.post_attention_norm.weight', hf: 'model.layers.{n}.post_attention_layernorm.weight' },
    ...EXPERT_TENSORS,
    ffnGateInp: { gguf: 'blk.{n}.ffn_gate_inp.weight', hf: 'model.layers.{n}.mlp.router.weight' },
    ffnGateInpB: { gguf: 'blk.{n}.ffn_gate_inp.bias', hf: 'model.layers.{n}.mlp.router.bias' },
    ffnGateExpsB: made('blk.{n}.ffn_gate_exps.bias'),
    ffnUpExpsB: made('blk.{n}.ffn_up_exps.bias'),
    ffnDownExpsB: made('blk.{n}.ffn_down_exps.bias'),
  },
};

/** swiglu_oai's constants (llama.cpp hard-codes them; HF configs carry the limit as swiglu_limit) */
const ALPHA = 1.702;
const LIMIT = 7;

export const gptOss: Architecture<DecoderHParams, DecoderWeights> = {
  name: 'gpt-oss',
  ggufNames: ['gpt-oss'],
  hfClasses: ['GptOssForCausalLM'],
  hfModelTypes: ['gpt_oss'],
  tensors: GPT_OSS_TENSORS,
  hparams(config, file) {
    if (!(config.nExperts > 0)) throw new ModelFormatError(file, 'gpt-oss: the expert count (expert_count / num_local_experts) is missing');
    const limit = config.extra['swiglu_limit'] ?? LIMIT;
    if (limit !== LIMIT) throw new ModelFormatError(file, `gpt-oss: swiglu_limit ${JSON.stringify(limit)} is not supported (${LIMIT}, as llama.cpp)`);
    const hp = decoderHParams('gpt-oss', config, file, 'neox', { normWeights: true });
    const window = config.slidingWindow ?? 128;
    return {
      ...hp,
      moe: { ...hp.moe!, clampedGlu: { alpha: ALPHA, limit: LIMIT } },
      ...(window > 0 && { slidingWindow: { size: window, layers: slidingLayers(config.nLayers, config.slidingWindowPattern ?? 2) } }),
    };
  },
  buildStep: buildDecoderStep,
};
