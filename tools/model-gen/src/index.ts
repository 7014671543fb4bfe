export { generateModel, hfName, type GenerateOptions } from './generate.js';
export { PRESETS, tensorSpecs, type GeneratedArch, type ModelShape, type TensorSpec } from './shapes.js';
export { quantMix, type QuantPreset } from './quant-mix.js';
export { openPeer, openEmbeddingPeer, openRankingPeer, type PeerModel, type EmbeddingPeer, type RankingPeer } from './llamacpp-peer.js';
export { toolArgs, toolProgress } from './tool-cli.js';
