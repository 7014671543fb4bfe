import type { Engine } from './engine.js';
import { modelNotFound, notGenerative } from './errors.js';
import type { Metrics } from './metrics.js';
import type { Scheduler } from './scheduler.js';

/** What every route handler shares. */
export interface ServerContext {
  engine: Engine;
  scheduler: Scheduler;
  metrics: Metrics;
  /** the one model name requests may use */
  modelName: string;
  /** unix seconds when the server started ("created" of /v1/models) */
  created: number;
}

/** Requests may only name the served model (Ollama clients may add the ":latest" tag). */
export function checkModel(ctx: ServerContext, name: string, allowTag = false): void {
  if (name === ctx.modelName) return;
  if (allowTag && name === `${ctx.modelName}:latest`) return;
  throw modelNotFound(name);
}

/** Generation routes refuse an embedding model before tokenizing anything. */
export function checkGenerative(ctx: ServerContext): void {
  if (ctx.engine.info.kind !== 'generative') throw notGenerative(ctx.engine.info.kind);
}
