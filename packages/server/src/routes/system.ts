import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.js';
import { precisionOf } from '../precision.js';

export function registerSystem(app: FastifyInstance, ctx: ServerContext): void {
  const { scheduler, metrics } = ctx;
  // Ollama clients probe "/" for a liveness line
  app.get('/', async (_req, reply) => reply.type('text/plain').send('ix is running'));
  app.get('/health', async () => {
    const processing = scheduler.activeSlots;
    return { status: 'ok', slots_idle: scheduler.parallel - processing, slots_processing: processing, queue_depth: scheduler.queueDepth };
  });
  // nested models: the precision of requests that name none, read and changed at run time (a
  // device on a small power budget trades precision for speed; running requests follow at their next step)
  app.get('/ix/precision', async () => ({ precision: scheduler.precision ?? 'max', nested: ctx.engine.info.nestedLayers !== undefined }));
  app.put<{ Body: { precision?: unknown } }>('/ix/precision', { schema: { body: { type: 'object', required: ['precision'], properties: { precision: {} } } } }, async (req) => {
    scheduler.precision = precisionOf(req.body.precision, ctx.engine);
    // what the new precision does not read is given back; a request that asks for more reads it again
    ctx.engine.releaseUnread?.(scheduler.precision ?? 'max');
    return { precision: scheduler.precision ?? 'max' };
  });
  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}
