import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.js';

export function registerSystem(app: FastifyInstance, ctx: ServerContext): void {
  const { scheduler, metrics } = ctx;
  // Ollama clients probe "/" for a liveness line
  app.get('/', async (_req, reply) => reply.type('text/plain').send('ix is running'));
  app.get('/health', async () => {
    const processing = scheduler.activeSlots;
    return { status: 'ok', slots_idle: scheduler.parallel - processing, slots_processing: processing, queue_depth: scheduler.queueDepth };
  });
  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}
