export { loadModel, Model, type LoadModelOptions } from './model.js';
export { Session, ContextFullError, type SessionOptions, type GenerateOptions, type GeneratedToken, type GenerateResult, type FinishReason } from './session.js';
export { Sampler, DEFAULT_SAMPLING, argmax, logprobs, type SamplingOptions, type TokenLogprob } from './sampling.js';
export { StopStringFilter } from './stop-strings.js';
export { buildDecoderStep, type DecoderWeights, type LayerWeights, type KVCache, type StepGraph, type StepSegment } from './arch/decoder.js';
export type { DecoderHParams } from './hparams.js';
export { decoderHParams } from './hparams-from-config.js';
export type { ProgressCallback } from './weights.js';
export { measureSpeed, type SpeedResult } from './speed.js';
