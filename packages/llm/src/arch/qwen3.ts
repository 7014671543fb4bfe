import type { Architecture } from './architecture.js';
import { buildDecoderEmbed, buildDecoderStep, type DecoderHParams, type DecoderWeights } from './decoder.js';
import { decoderHParams, LLAMA_TENSORS } from './llama.js';

/** Qwen3 (dense): the Llama graph with NeoX rope and an RMS norm on every Q and K head. */
export const qwen3: Architecture<DecoderHParams, DecoderWeights> = {
  name: 'qwen3',
  ggufNames: ['qwen3'],
  hfClasses: ['Qwen3ForCausalLM'],
  hfModelTypes: ['qwen3'],
  tensors: {
    global: LLAMA_TENSORS.global,
    layer: {
      ...LLAMA_TENSORS.layer,
      qNorm: { gguf: 'blk.{n}.attn_q_norm.weight', hf: 'model.layers.{n}.self_attn.q_norm.weight' },
      kNorm: { gguf: 'blk.{n}.attn_k_norm.weight', hf: 'model.layers.{n}.self_attn.k_norm.weight' },
    },
  },
  hparams: (config, file) => decoderHParams('qwen3', config, file, 'neox'),
  buildStep: buildDecoderStep,
  buildEmbed: buildDecoderEmbed,
};
