import type { Architecture } from './architecture.js';
import { buildDecoderStep, slidingLayers, type DecoderHParams, type DecoderWeights } from './decoder.js';
import { decoderHParams, LLAMA_TENSORS } from './llama.js';

/**
 * OLMo 2 (GGUF `olmo2`): the decoder with NeoX rope and norms on block outputs only (no pre-norms),
 * and RMS norms on all of Q and all of K before they are split into heads. OLMo 3's sliding
 * layers (three of each four, unscaled rope) when the file has a window. As llama.cpp's olmo2.cpp.
 */
const { attnNorm: _attnNorm, ffnNorm: _ffnNorm, bq: _bq, bk: _bk, bv: _bv, ...layer } = LLAMA_TENSORS.layer;
const { ropeFreqs: _ropeFreqs, ...global } = LLAMA_TENSORS.global;

export const olmo2: Architecture<DecoderHParams, DecoderWeights> = {
  name: 'olmo2',
  ggufNames: ['olmo2'],
  hfClasses: ['Olmo2ForCausalLM'],
  hfModelTypes: ['olmo2'],
  tensors: {
    global,
    layer: {
      ...layer,
      qNorm: { gguf: 'blk.{n}.attn_q_norm.weight', hf: 'model.layers.{n}.self_attn.q_norm.weight' },
      kNorm: { gguf: 'blk.{n}.attn_k_norm.weight', hf: 'model.layers.{n}.self_attn.k_norm.weight' },
      attnPostNorm: { gguf: 'blk.{n}.post_attention_norm.weight', hf: 'model.layers.{n}.post_attention_layernorm.weight' },
      ffnPostNorm: { gguf: 'blk.{n}.post_ffw_norm.weight', hf: 'model.layers.{n}.post_feedforward_layernorm.weight' },
    },
  },
  hparams(config, file) {
    const hp = decoderHParams('olmo2', config, file, 'neox');
    const window = config.slidingWindow ?? 0;
    if (window > 0) {
      const period = config.slidingWindowPattern ?? 4;
      const layers = slidingLayers(hp.nLayers, period);
      hp.slidingWindow = { size: window, layers, ropeBase: config.ropeThetaSwa ?? hp.ropeBase, ropeFreqScale: 1 };
    }
    return hp;
  },
  buildStep: buildDecoderStep,
};
