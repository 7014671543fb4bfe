import { basename, extname } from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError } from '@ix/core';
import { loadModelFromFlags, MOE_MEMORY_HELP } from '../load.js';
import { byteSize, int, num, PRECISION_HELP, precisionOption, SENSITIVITY_HELP } from '../parse.js';

interface ServeOptions {
  host: string;
  moeMemory?: number;
  port: number;
  parallel?: number;
  maxQueue: number;
  ctxSize?: number;
  apiKey?: string;
  alias?: string;
  chatTemplate?: string;
  tokenizer?: string;
  backend?: string;
  threads?: number;
  bodyLimit: number;
  shutdownGrace: number;
  log?: boolean;
  precision?: 'max' | 'eco' | 'auto' | number;
  targetTps?: number;
  sensitivity?: string;
}

export function registerServe(program: Command): void {
  program
    .command('serve <model>')
    .description('serve a model over HTTP: OpenAI (/v1/...) and Ollama (/api/...) APIs, continuous batching')
    .option('--host <addr>', 'address to bind (use 0.0.0.0 to listen on every interface)', '127.0.0.1')
    .option('--port <n>', 'port', int, 8080)
    .option('--parallel <n>', 'requests generated at once (one KV cache each; default: the tuned profile\'s, else 4)', int)
    .option('--max-queue <n>', 'requests that may wait for a slot; more get 429', int, 64)
    .option('-c, --ctx-size <n>', 'context length of each slot in tokens (default: the tuned profile\'s, else the model\'s, at most 4096)', int)
    .option('--api-key <key>', 'require "Authorization: Bearer <key>" (all endpoints but /health); default: $IX_API_KEY')
    .option('--alias <name>', 'model name clients use (default: the file name without extension)')
    .option('--chat-template <jinja>', 'use this Jinja chat template instead of the model\'s')
    .option('--tokenizer <path>', 'tokenizer.bin for llama2.c checkpoints')
    .option('--backend <name>', 'force a backend (see ix probe)')
    .option('-t, --threads <n>', 'threads for CPU backends', int)
    .option('--moe-memory <size>', MOE_MEMORY_HELP, byteSize)
    .option('--precision <p>', `${PRECISION_HELP}: what requests that name none read (changeable at run time: PUT /ix/precision)`, precisionOption)
    .option('--target-tps <n>', 'nested models: instead of --precision, each request\'s decode speed in tokens/s; the bits read move (half a bit at a time) until it is met (changeable at run time: PUT /ix/precision {"tokensPerSecond": n})', num)
    .option('--sensitivity <file>', SENSITIVITY_HELP)
    .option('--body-limit <bytes>', 'largest request body', int, 4 * 2 ** 20)
    .option('--shutdown-grace <ms>', 'on SIGINT/SIGTERM, let running requests finish this long before cancelling them', int, 30_000)
    .option('--log', 'log every request (JSON lines on stdout)')
    .action(async (modelPath: string, opts: ServeOptions) => {
      const { CoreEngine, createServer } = await importServer();
      const model = await loadModelFromFlags(modelPath, opts);
      if (opts.precision !== undefined && opts.precision !== 'max' && !model.nested) {
        await model.dispose();
        throw new InvalidArgumentError(`--precision ${opts.precision}: ${modelPath} holds one precision; a nested model (ix quantize --nested) can be read at several`);
      }
      if (opts.targetTps !== undefined && (!model.nested || opts.precision !== undefined || !(opts.targetTps > 0))) {
        await model.dispose();
        throw new InvalidArgumentError(
          !model.nested ? `--target-tps: ${modelPath} holds one precision, so there are no bits to move; a nested model (ix quantize --nested) can be read at several` : opts.precision !== undefined ? '--target-tps and --precision both set the precision of requests that name none: give one' : '--target-tps must be a positive number',
        );
      }
      const tuned = model.tuning?.profile?.server;
      const parallel = opts.parallel ?? tuned?.parallel ?? 4;
      const engine = await CoreEngine.create(model, { contextLength: opts.ctxSize ?? tuned?.contextLength });
      const modelName = opts.alias ?? basename(modelPath, extname(modelPath));
      const server = createServer({
        engine,
        modelName,
        parallel,
        maxQueue: opts.maxQueue,
        apiKey: opts.apiKey ?? process.env.IX_API_KEY,
        bodyLimit: opts.bodyLimit,
        logger: opts.log ?? false,
        processMetrics: true,
        precision: opts.precision,
        tokensPerSecond: opts.targetTps,
      });
      const address = await server.listen({ host: opts.host, port: opts.port });
      process.stderr.write(
        engine.info.kind === 'reranker'
          ? `ix: serving reranker "${modelName}" (${engine.info.arch}, backend "${engine.info.backend}", pairs of up to ${model.hparams.contextLength} tokens) at ${address}: /v1/rerank\n`
          : engine.info.kind === 'embedding'
          ? `ix: serving embedding model "${modelName}" (${engine.info.arch}, backend "${engine.info.backend}", inputs of up to ${model.hparams.contextLength} tokens) at ${address}: /v1/embeddings, /api/embed\n`
          : `ix: serving "${modelName}" (${engine.info.arch}, backend "${engine.info.backend}", ${parallel} slots of ${engine.info.contextLength} tokens) at ${address}\n`,
      );

      let stopping = false;
      const stop = async (signal: string) => {
        if (stopping) {
          // a second signal: cancel what still runs
          server.scheduler.cancelAll();
          return;
        }
        stopping = true;
        process.stderr.write(`ix: ${signal}: finishing running requests (again to cancel them)\n`);
        await server.close(opts.shutdownGrace);
        await engine.close();
        process.exit(0);
      };
      process.on('SIGINT', () => void stop('SIGINT'));
      process.on('SIGTERM', () => void stop('SIGTERM'));
    });
}

/**
 * The server package is an optional peer of the CLI (its HTTP stack is most of an install's size):
 * `ix serve` without it says how to add it.
 */
async function importServer(): Promise<typeof import('@ix/server')> {
  try {
    return await import('@ix/server');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && String((err as Error).message).includes('@ix/server')) {
      throw new InvalidArgumentError('ix serve needs the server package: npm install @ix/server (beside @ix/cli)');
    }
    throw err;
  }
}
