import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.js';
import { precisionOf, speedTargetOf } from '../precision.js';

export function registerSystem(app: FastifyInstance, ctx: ServerContext): void {
  const { scheduler, metrics } = ctx;
  // Ollama clients probe "/" for a liveness line
  app.get('/', async (_req, reply) => reply.type('text/plain').send('ix is running'));
  app.get('/health', async () => {
    const processing = scheduler.activeSlots;
    return { status: 'ok', slots_idle: scheduler.parallel - processing, slots_processing: processing, queue_depth: scheduler.queueDepth };
  });
  // nested models: the precision of requests that name none, read and changed at run time (a
  // device on a small power budget trades precision for speed; running requests follow at their
  // next step), set directly or through a tokens/s target that moves it (speed-target.ts)
  const state = () => {
    const t = scheduler.speedTarget;
    return {
      precision: scheduler.precision ?? 'max',
      nested: ctx.engine.info.nestedLayers !== undefined,
      ...(t && { tokensPerSecond: t.tokensPerSecond, ...(t.lastMeasured !== undefined && { measuredTokensPerSecond: Math.round(t.lastMeasured * 10) / 10 }) }),
    };
  };
  app.get('/ix/precision', async () => state());
  app.put<{ Body: { precision?: unknown; tokensPerSecond?: unknown } }>(
    '/ix/precision',
    { schema: { body: { type: 'object', properties: { precision: {}, tokensPerSecond: {} }, additionalProperties: false, minProperties: 1, maxProperties: 1 } } },
    async (req) => {
      if (req.body.tokensPerSecond !== undefined) {
        scheduler.speedTarget = speedTargetOf(req.body.tokensPerSecond, ctx.engine, 'tokensPerSecond', scheduler.precision);
        return state();
      }
      scheduler.precision = precisionOf(req.body.precision, ctx.engine);
      // what the new precision does not read is given back; a request that asks for more reads it again
      ctx.engine.releaseUnread?.(scheduler.precision ?? 'max');
      return state();
    },
  );
  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}
