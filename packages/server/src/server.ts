import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import type { ServerContext } from './context.js';
import type { Engine } from './engine.js';
import { ApiError, ShuttingDownError, toApiError } from './errors.js';
import { Metrics } from './metrics.js';
import { registerEmbeddings } from './routes/embeddings.js';
import { registerRerank } from './routes/rerank.js';
import { registerOllama } from './routes/ollama.js';
import { registerOpenAI } from './routes/openai.js';
import { registerSystem } from './routes/system.js';
import { Scheduler } from './scheduler.js';
import type { Precision } from '@ix/llm';
import { precisionOf, speedTargetOf } from './precision.js';

export interface ServerOptions {
  engine: Engine;
  /** the name clients use for the model */
  modelName: string;
  /** requests generating at once, one KV cache each (default 4) */
  parallel?: number;
  /** requests that may wait for a slot before new ones get 429 (default 64) */
  maxQueue?: number;
  /** prompt tokens evaluated per slot per step (default 128) */
  prefillChunk?: number;
  /** when set, every endpoint but /health needs "Authorization: Bearer <apiKey>" */
  apiKey?: string;
  /** largest accepted request body in bytes (default 4 MiB) */
  bodyLimit?: number;
  /** fastify logger (off by default) */
  logger?: boolean;
  /** add Node process metrics (CPU, memory, event loop) to /metrics */
  processMetrics?: boolean;
  /** nested models: the precision of requests that name none (changeable at run time: PUT /ix/precision) */
  precision?: Precision;
  /** nested models: instead of `precision`, a per-request decode speed that moves it (speed-target.ts) */
  tokensPerSecond?: number;
}

export interface IxServer {
  app: FastifyInstance;
  scheduler: Scheduler;
  metrics: Metrics;
  /** start listening; resolves to the bound address, e.g. http://127.0.0.1:8080 */
  listen(options?: { host?: string; port?: number }): Promise<string>;
  /**
   * Graceful stop: refuse new requests, let running ones finish (cancelling what is still running
   * after `graceMs`), close the listener. The engine is the caller's to close.
   */
  close(graceMs?: number): Promise<void>;
}

export function createServer(options: ServerOptions): IxServer {
  const metrics = new Metrics({ processMetrics: options.processMetrics });
  if (options.engine.expertUse?.()) metrics.watchExperts(() => options.engine.expertUse?.());
  const scheduler = new Scheduler(options.engine, {
    parallel: options.parallel ?? 4,
    maxQueue: options.maxQueue ?? 64,
    prefillChunk: options.prefillChunk,
    metrics,
  });
  // checked as a request's would be: a model of one precision refuses all but max
  if (options.precision !== undefined) scheduler.precision = precisionOf(options.precision, options.engine, 'the server precision');
  if (options.tokensPerSecond !== undefined) {
    if (options.precision !== undefined) throw new RangeError('give the server a precision or a tokens/s target, not both');
    scheduler.speedTarget = speedTargetOf(options.tokensPerSecond, options.engine, 'the server tokens/s target');
  }
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: options.bodyLimit ?? 4 * 2 ** 20,
    // wrong types are errors, not silently converted
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
    // requests arriving while we close get our own 503 body (hook below)
    return503OnClosing: false,
  });
  let closing = false;
  app.addHook('onRequest', async (_req, reply) => {
    if (!closing) return;
    reply.header('connection', 'close');
    throw new ShuttingDownError();
  });
  // every body is read as JSON whatever its content type, as Ollama does (curl -d sends form encoding)
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('*', { parseAs: 'string' }, app.getDefaultJsonParser('error', 'error'));
  const ctx: ServerContext = { engine: options.engine, scheduler, metrics, modelName: options.modelName, created: Math.floor(Date.now() / 1000) };

  if (options.apiKey !== undefined) {
    const expected = digest(options.apiKey);
    app.addHook('onRequest', async (req) => {
      if (req.url === '/health' || req.url.startsWith('/health?')) return;
      const header = req.headers.authorization ?? '';
      const match = /^Bearer\s+(.+)$/i.exec(header);
      // compare digests: constant time whatever the lengths
      if (!match || !timingSafeEqual(digest(match[1]!.trim()), expected)) {
        throw new ApiError(401, 'Invalid or missing API key (send "Authorization: Bearer <key>").', 'invalid_request_error', 'invalid_api_key');
      }
    });
  }
  app.addHook('onResponse', async (req, reply) => {
    metrics.requests.inc({ route: req.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) });
  });
  app.setErrorHandler((err, req, reply) => {
    const e = toApiError(err);
    if (e.status >= 500) req.log.error(err);
    return reply.code(e.status).headers(e.headers).send(isOllama(req.url) ? e.ollamaBody : e.body);
  });
  app.setNotFoundHandler((req, reply) => {
    const e = new ApiError(404, `no route ${req.method} ${req.url.split('?')[0]}`, 'invalid_request_error', 'not_found');
    return reply.code(404).send(isOllama(req.url) ? e.ollamaBody : e.body);
  });

  registerSystem(app, ctx);
  registerOpenAI(app, ctx);
  registerEmbeddings(app, ctx);
  registerRerank(app, ctx);
  registerOllama(app, ctx);

  return {
    app,
    scheduler,
    metrics,
    async listen({ host = '127.0.0.1', port = 8080 } = {}) {
      return app.listen({ host, port });
    },
    async close(graceMs = 30_000) {
      closing = true;
      scheduler.stopAccepting();
      const timer = setTimeout(() => scheduler.cancelAll(), graceMs);
      // keep-alive connections go idle once their response is written: close them as they do
      const sweep = setInterval(() => app.server.closeIdleConnections(), 50);
      try {
        await Promise.all([app.close(), scheduler.idle()]);
      } finally {
        clearTimeout(timer);
        clearInterval(sweep);
      }
    },
  };
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Ollama's API lives under /api/: its errors take Ollama's shape */
function isOllama(url: string): boolean {
  return url.startsWith('/api/');
}
