import type { Architecture } from './architecture.js';
import { buildDecoderEmbed, buildDecoderStep, type DecoderHParams, type DecoderWeights } from './decoder.js';
import { decoderHParams, LLAMA_TENSORS } from './llama.js';

/**
 * Granite 3.x (GGUF `granite`): Llama with four multipliers — token embeddings, the query scale,
 * each block's output before its residual add, and the logits (divided by logits_scaling). As
 * llama.cpp's granite.cpp.
 */
export const granite: Architecture<DecoderHParams, DecoderWeights> = {
  name: 'granite',
  ggufNames: ['granite'],
  hfClasses: ['GraniteForCausalLM'],
  hfModelTypes: ['granite'],
  tensors: LLAMA_TENSORS,
  hparams(config, file) {
    const hp = decoderHParams('granite', config, file, 'normal');
    if (config.embeddingScale) hp.embedScale = config.embeddingScale;
    if (config.attentionScale) hp.attnScale = config.attentionScale;
    if (config.residualScale) hp.residualScale = config.residualScale;
    if (config.logitScale) hp.logitScale = 1 / config.logitScale;
    return hp;
  },
  buildStep: buildDecoderStep,
  buildEmbed: buildDecoderEmbed,
};
