export type { Architecture, ModelHParams, ModelWeights, TensorSpec, TensorTable, KVCache, StepSegment, StepOptions, StepGraph, EmbedGraph } from './architecture.js';
export { bert, nomicBert, buildBertEmbed, type BertHParams, type BertWeights, type BertLayerWeights } from './bert.js';
export { buildDecoderEmbed, buildDecoderStep, type DecoderHParams, type DecoderWeights, type LayerWeights } from './decoder.js';
export { decoderHParams, llama, LLAMA_TENSORS } from './llama.js';
export { mistral } from './mistral.js';
export { qwen2 } from './qwen2.js';
export { qwen3 } from './qwen3.js';
export { ARCHITECTURES, architectureFor } from './registry.js';
export { loadWeights, type ProgressCallback } from './load-weights.js';
