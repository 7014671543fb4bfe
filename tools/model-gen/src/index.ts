export { generateModel, hfName, hfExpertName, type GenerateOptions } from './generate.js';
export { PRESETS, tensorSpecs, isMoE, isExpertTensor, type GeneratedArch, type MoEArch, type ModelShape, type TensorSpec } from './shapes.js';
export { quantMix, type QuantPreset } from './quant-mix.js';
export { openPeer, openEmbeddingPeer, openRankingPeer, type PeerModel, type EmbeddingPeer, type RankingPeer } from './llamacpp-peer.js';
export { toolArgs, toolProgress } from './tool-cli.js';
