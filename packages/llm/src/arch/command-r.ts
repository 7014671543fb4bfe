import { ModelFormatError } from '@ix/core';
import type { ModelConfig } from '../model-config.js';
import type { Architecture, TensorTable } from './architecture.js';
import { buildDecoderEmbed, buildDecoderStep, slidingLayers, type DecoderHParams, type DecoderWeights } from './decoder.js';
import { decoderShape, LLAMA_TENSORS } from './llama.js';

/**
 * Command-R (GGUF `command-r`) and Command R7B / Command A (`cohere2`): LayerNorm without bias, and
 * attention and the SwiGLU FFN side by side on the same normed input, both added to the residual;
 * logits times logit_scale; the output projection is the embedding table. Command-R+ norms each Q
 * and K head (LayerNorm, a weight row per head). Cohere2 slides three layers of each four and
 * rotates only those. As llama.cpp's command-r.cpp and cohere2.cpp.
 */
const { bq: _bq, bk: _bk, bv: _bv, ffnNorm: _ffnNorm, ...layer } = LLAMA_TENSORS.layer;
const { ropeFreqs: _ropeFreqs, output, ...global } = LLAMA_TENSORS.global;

const COMMAND_R_TENSORS = {
  // llama.cpp reads the output projection from token_embd whatever else the file holds
  global: { ...global, output: { ...output, gguf: 'token_embd.weight', hf: 'model.embed_tokens.weight' } },
  layer: {
    ...layer,
    qNorm: { gguf: 'blk.{n}.attn_q_norm.weight', hf: 'model.layers.{n}.self_attn.q_norm.weight', optional: true },
    kNorm: { gguf: 'blk.{n}.attn_k_norm.weight', hf: 'model.layers.{n}.self_attn.k_norm.weight', optional: true },
  },
} satisfies TensorTable;

function cohereHParams(name: string, c: ModelConfig, file: string, sliding: boolean): DecoderHParams {
  if (c.nExperts > 0) throw new ModelFormatError(file, `${name}: mixture-of-experts layers are not supported`);
  if (c.normType !== 'layer' || c.activation !== 'silu') throw new ModelFormatError(file, `${c.normType} norm with ${c.activation} is not a ${name} decoder (LayerNorm, SwiGLU)`);
  if (c.ropeScaling) throw new ModelFormatError(file, `rope scaling "${c.ropeScaling.type}" is not supported for ${name}`);
  const hp: DecoderHParams = {
    ...decoderShape(name, c, 'normal'),
    norm: 'layer',
    parallel: true,
    ...(c.logitScale && { logitScale: c.logitScale }),
  };
  if (sliding) {
    if (!c.slidingWindow) throw new ModelFormatError(file, `${name}: the sliding window (attention.sliding_window) is missing`);
    const pattern = c.slidingWindowPattern ?? 4;
    const layers = slidingLayers(c.nLayers, pattern);
    hp.slidingWindow = { size: c.slidingWindow, layers, ropeBase: c.ropeThetaSwa ?? c.ropeTheta, ropeFreqScale: 1 };
    // global layers attend without positions
    hp.ropeLayers = layers;
  }
  return hp;
}

export const commandR: Architecture<DecoderHParams, DecoderWeights> = {
  name: 'command-r',
  ggufNames: ['command-r'],
  hfClasses: ['CohereForCausalLM'],
  hfModelTypes: ['cohere'],
  tensors: COMMAND_R_TENSORS,
  hparams: (config, file) => cohereHParams('command-r', config, file, false),
  buildStep: buildDecoderStep,
  buildEmbed: buildDecoderEmbed,
};

export const cohere2: Architecture<DecoderHParams, DecoderWeights> = {
  name: 'cohere2',
  ggufNames: ['cohere2'],
  hfClasses: ['Cohere2ForCausalLM'],
  hfModelTypes: ['cohere2'],
  tensors: COMMAND_R_TENSORS,
  hparams: (config, file) => cohereHParams('cohere2', config, file, true),
  buildStep: buildDecoderStep,
};
