export { loadModel, Model, type LoadModelOptions } from './model.js';
export { embed, type EmbedOptions, type EmbedResult } from './embed.js';
export { Session, ContextFullError, type SessionModel, type StepInput, type StepRow, type SessionOptions, type GenerateOptions, type GeneratedToken, type GenerateResult, type FinishReason } from './session.js';
export { Sampler, DEFAULT_SAMPLING, argmax, logprobs, type SamplingOptions, type TokenLogprob } from './sampling.js';
export { Rng } from './rng.js';
export { TopK } from './top-k.js';
export { StopStringFilter } from './stop-strings.js';
export { StepGraphs } from './step-graphs.js';
export { measureSpeed, type SpeedResult, type SpeedSampling } from './speed.js';
