import type { Architecture } from './architecture.js';
import { buildDecoderEmbed, buildDecoderStep, type DecoderHParams, type DecoderWeights } from './decoder.js';
import { decoderHParams, LLAMA_TENSORS } from './llama.js';

/** Qwen2 / Qwen2.5: the Llama graph with NeoX rope and biases on Q, K and V. */
const { bq, bk, bv, ...layer } = LLAMA_TENSORS.layer;

export const qwen2: Architecture<DecoderHParams, DecoderWeights> = {
  name: 'qwen2',
  ggufNames: ['qwen2'],
  hfClasses: ['Qwen2ForCausalLM'],
  hfModelTypes: ['qwen2'],
  tensors: {
    global: LLAMA_TENSORS.global,
    layer: { ...layer, bq: { ...bq, optional: false }, bk: { ...bk, optional: false }, bv: { ...bv, optional: false } },
  },
  hparams: (config, file) => decoderHParams('qwen2', config, file, 'neox'),
  buildStep: buildDecoderStep,
  buildEmbed: buildDecoderEmbed,
};
