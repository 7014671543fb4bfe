export { createServer, type IxServer, type ServerOptions } from './server.js';
export { CoreEngine, type CoreEngineOptions } from './core-engine.js';
export type { EmbedOutput, EmbedRequestOptions, RerankOutput, Engine, EngineInfo, EngineSequence, PromptInput, StepItem, StepOutput } from './engine.js';
export { Scheduler, type SchedulerOptions, type JobEvent, type JobResult, type JobTimings } from './scheduler.js';
export { Generation, type GenerationRequest, type TokenEvent, type FinishReason } from './generation.js';
export { ApiError, QueueFullError, ShuttingDownError } from './errors.js';
export { Metrics } from './metrics.js';
export { SERVER_VERSION } from './version.js';
export { SpeedTarget, SPEED_LEVELS } from './speed-target.js';
