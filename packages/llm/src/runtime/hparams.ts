/** What a decoder graph needs to know about a model, whatever file it came from. */
export interface DecoderHParams {
  arch: 'llama' | 'qwen2' | 'qwen3';
  vocabSize: number;
  embedDim: number;
  ffnDim: number;
  nLayers: number;
  nHeads: number;
  nKVHeads: number;
  headDim: number;
  ropeDims: number;
  ropeBase: number;
  ropeMode: 'normal' | 'neox';
  ropeFreqScale: number;
  normEps: number;
  contextLength: number;
}
