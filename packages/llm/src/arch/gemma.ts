import { ModelFormatError } from '@ix/core';
import type { ModelConfig } from '../model-config.js';
import type { Architecture, TensorTable } from './architecture.js';
import { buildDecoderEmbed, buildDecoderStep, slidingLayers, type DecoderHParams, type DecoderWeights } from './decoder.js';
import { decoderShape, LLAMA_TENSORS } from './llama.js';

/**
 * Gemma 2 and Gemma 3 (text): the decoder graph with embeddings scaled by √width, RMS norms on each
 * block's output as well as its input, a GELU-gated FFN, and sliding-window layers. Gemma 2 also
 * soft-caps attention scores and logits; Gemma 3 norms each Q and K head and gives its sliding
 * layers a rope base of their own. Norm weights are stored as 1 + w (convert_hf_to_gguf adds the 1;
 * an HF folder's reader does too). As llama.cpp's gemma2.cpp / gemma3.cpp.
 */
const { ropeFreqs: _ropeFreqs, ...global } = LLAMA_TENSORS.global;
const { bq: _bq, bk: _bk, bv: _bv, ...layer } = LLAMA_TENSORS.layer;

const GEMMA2_TENSORS = {
  global,
  layer: {
    ...layer,
    attnPostNorm: { gguf: 'blk.{n}.post_attention_norm.weight', hf: 'model.layers.{n}.post_attention_layernorm.weight' },
    ffnNorm: { gguf: 'blk.{n}.ffn_norm.weight', hf: 'model.layers.{n}.pre_feedforward_layernorm.weight' },
    ffnPostNorm: { gguf: 'blk.{n}.post_ffw_norm.weight', hf: 'model.layers.{n}.post_feedforward_layernorm.weight' },
  },
} satisfies TensorTable;

const GEMMA3_TENSORS = {
  global,
  layer: {
    ...GEMMA2_TENSORS.layer,
    qNorm: { gguf: 'blk.{n}.attn_q_norm.weight', hf: 'model.layers.{n}.self_attn.q_norm.weight' },
    kNorm: { gguf: 'blk.{n}.attn_k_norm.weight', hf: 'model.layers.{n}.self_attn.k_norm.weight' },
  },
} satisfies TensorTable;

interface GemmaRules {
  /** layers of the 27B model, whose query scale is 1/√(width / heads) (llama.cpp decides by layer count) */
  layersOf27B: number;
  /** which layers slide when the file does not say: l % period < period - 1 */
  period: number;
  /** the window when the file does not say (0: no sliding layers) */
  window: number;
  /** rope base and scale of sliding layers when the file does not say: the global ones (Gemma 2) or 10000 and 1 (Gemma 3) */
  slidingRope: 'global' | 'local';
}

function gemmaHParams(name: string, c: ModelConfig, file: string, rules: GemmaRules): DecoderHParams {
  if (c.nExperts > 0) throw new ModelFormatError(file, `${name}: mixture-of-experts layers are not part of Gemma`);
  if (c.normType !== 'rms' || c.activation !== 'gelu') throw new ModelFormatError(file, `${c.normType} norm with ${c.activation} is not a Gemma decoder`);
  if (c.ropeScaling && c.ropeScaling.type !== 'linear') throw new ModelFormatError(file, `rope scaling "${c.ropeScaling.type}" is not supported for ${name} (linear)`);
  const ropeFreqScale = c.ropeScaling?.type === 'linear' ? 1 / c.ropeScaling.factor : 1;
  const window = c.slidingWindow ?? rules.window;
  const pattern = c.slidingWindowPattern ?? rules.period;
  const layers = slidingLayers(c.nLayers, pattern);
  const local = rules.slidingRope === 'local';
  const attnScale = c.attentionScale ?? (c.nLayers === rules.layersOf27B ? 1 / Math.sqrt(c.hiddenSize / c.nHeads) : 1 / Math.sqrt(c.headDim));
  return {
    ...decoderShape(name, c, 'neox'),
    ffn: 'geglu',
    embedScale: Math.sqrt(c.hiddenSize),
    attnScale,
    ...(c.attnSoftcap && { attnSoftcap: c.attnSoftcap }),
    ...(c.finalSoftcap && { finalSoftcap: c.finalSoftcap }),
    ...(window > 0 && {
      slidingWindow: { size: window, layers, ropeBase: c.ropeThetaSwa ?? (local ? 10000 : c.ropeTheta), ropeFreqScale: local ? 1 : ropeFreqScale },
    }),
  };
}

export const gemma2: Architecture<DecoderHParams, DecoderWeights> = {
  name: 'gemma2',
  ggufNames: ['gemma2'],
  hfClasses: ['Gemma2ForCausalLM'],
  hfModelTypes: ['gemma2'],
  tensors: GEMMA2_TENSORS,
  hparams: (config, file) => gemmaHParams('gemma2', config, file, { layersOf27B: 46, period: 2, window: 4096, slidingRope: 'global' }),
  buildStep: buildDecoderStep,
};

export const gemma3: Architecture<DecoderHParams, DecoderWeights> = {
  name: 'gemma3',
  ggufNames: ['gemma3'],
  hfClasses: ['Gemma3ForCausalLM'],
  hfModelTypes: ['gemma3_text'],
  tensors: GEMMA3_TENSORS,
  hparams: (config, file) => gemmaHParams('gemma3', config, file, { layersOf27B: 62, period: 6, window: 0, slidingRope: 'local' }),
  buildStep: buildDecoderStep,
};

/**
 * EmbeddingGemma: Gemma 3's layers as an encoder (llama.cpp's gemma-embedding): every token attends
 * to its whole input, sliding layers to a symmetric window (size / 2 either side), no LM head; the
 * pooled output goes through sentence-transformers' Dense modules when the file has them
 * (convert_hf_to_gguf --sentence-transformers-dense-modules; an HF folder's modules.json).
 */
const { output: _output, ...embeddingGlobal } = global;

export const gemmaEmbedding: Architecture<DecoderHParams, DecoderWeights> = {
  name: 'gemma-embedding',
  ggufNames: ['gemma-embedding'],
  hfClasses: ['Gemma3TextModel'],
  hfModelTypes: [],
  tensors: {
    global: {
      ...embeddingGlobal,
      dense2: { gguf: 'dense_2.weight', hf: '2_Dense/linear.weight', optional: true },
      dense2B: { gguf: 'dense_2.bias', hf: '2_Dense/linear.bias', optional: true },
      dense3: { gguf: 'dense_3.weight', hf: '3_Dense/linear.weight', optional: true },
      dense3B: { gguf: 'dense_3.bias', hf: '3_Dense/linear.bias', optional: true },
    },
    layer: GEMMA3_TENSORS.layer,
  },
  hparams: (config, file) => ({
    // the pooling its file names (sentence-transformers: mean), else mean
    ...gemmaHParams('gemma-embedding', config, file, { layersOf27B: -1, period: 6, window: 0, slidingRope: 'local' }),
    pooling: config.pooling && config.pooling !== 'none' ? config.pooling : 'mean',
    bidirectional: true,
  }),
  buildEmbed: buildDecoderEmbed,
};
