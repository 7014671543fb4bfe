import type { FastifyInstance } from 'fastify';
import { checkModel, type ServerContext } from '../context.js';
import type { EmbedOutput, EmbedRequestOptions } from '../engine.js';
import { invalidRequest, notEmbedding } from '../errors.js';

/**
 * Embedding endpoints of both dialects, served by an embedding model (Engine.embed):
 *   OpenAI  POST /v1/embeddings  input: text, texts, token ids or arrays of them; float or base64
 *   Ollama  POST /api/embed      input: text or texts, unit vectors, truncate (default true)
 *           POST /api/embeddings the legacy form: one prompt, the raw (unnormalised) vector
 */
const MAX_INPUTS = 2048;

const tokenArray = { type: 'array', items: { type: 'integer' }, minItems: 1, maxItems: 1 << 16 };

const openAISchema = {
  type: 'object',
  required: ['model', 'input'],
  properties: {
    model: { type: 'string', minLength: 1, maxLength: 256 },
    input: {
      anyOf: [
        { type: 'string' },
        { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: MAX_INPUTS },
        tokenArray,
        { type: 'array', items: tokenArray, minItems: 1, maxItems: MAX_INPUTS },
      ],
    },
    encoding_format: { enum: ['float', 'base64', null] },
    dimensions: { anyOf: [{ type: 'integer', minimum: 1 }, { type: 'null' }] },
    user: { type: 'string' },
  },
} as const;

const ollamaEmbedSchema = {
  type: 'object',
  required: ['model'],
  properties: {
    model: { type: 'string', minLength: 1 },
    input: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' }, maxItems: MAX_INPUTS }] },
    truncate: { type: 'boolean' },
    dimensions: { type: 'integer', minimum: 1 },
    options: { type: 'object' },
    keep_alive: {},
  },
} as const;

const ollamaLegacySchema = {
  type: 'object',
  required: ['model'],
  properties: { model: { type: 'string', minLength: 1 }, prompt: { type: 'string' }, options: { type: 'object' }, keep_alive: {} },
} as const;

interface OpenAIBody {
  model: string;
  input: string | string[] | number[] | number[][];
  encoding_format?: 'float' | 'base64' | null;
  dimensions?: number | null;
}

type Input = string | readonly number[];

export function registerEmbeddings(app: FastifyInstance, ctx: ServerContext): void {
  const { engine } = ctx;
  const embed = async (inputs: readonly Input[], options: EmbedRequestOptions): Promise<EmbedOutput> => {
    // embedding models, and generative ones (their last token's state); a reranker only scores pairs
    if (engine.info.kind === 'reranker' || !engine.embed) throw notEmbedding();
    const width = engine.info.embeddingLength;
    if (options.dimensions !== undefined && width !== undefined && options.dimensions > width) {
      throw invalidRequest(`dimensions ${options.dimensions} exceeds the model's ${width}`, 'invalid_value', 'dimensions');
    }
    return engine.embed(inputs, options);
  };

  app.post<{ Body: OpenAIBody }>('/v1/embeddings', { schema: { body: openAISchema } }, async (req) => {
    const body = req.body;
    checkModel(ctx, body.model);
    const inputs = openAIInputs(body.input);
    const out = await embed(inputs, { dimensions: body.dimensions ?? undefined });
    const base64 = body.encoding_format === 'base64';
    const tokens = out.tokens.reduce((a, b) => a + b, 0);
    return {
      object: 'list',
      data: out.embeddings.map((e, index) => ({ object: 'embedding', index, embedding: base64 ? Buffer.from(e.buffer, e.byteOffset, e.byteLength).toString('base64') : Array.from(e) })),
      model: ctx.modelName,
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    };
  });

  app.post<{ Body: { model: string; input?: string | string[]; truncate?: boolean; dimensions?: number } }>('/api/embed', { schema: { body: ollamaEmbedSchema } }, async (req) => {
    const body = req.body;
    checkModel(ctx, body.model, true);
    const t0 = process.hrtime.bigint();
    const inputs = body.input === undefined ? [] : typeof body.input === 'string' ? [body.input] : body.input;
    // Ollama answers an empty input list (a "load the model" call) with no embeddings
    const out = inputs.length ? await embed(inputs, { truncate: body.truncate ?? true, dimensions: body.dimensions }) : { embeddings: [], tokens: [] };
    return {
      model: ctx.modelName,
      embeddings: out.embeddings.map((e) => Array.from(e)),
      total_duration: Number(process.hrtime.bigint() - t0),
      load_duration: 0,
      prompt_eval_count: out.tokens.reduce((a, b) => a + b, 0),
    };
  });

  app.post<{ Body: { model: string; prompt?: string } }>('/api/embeddings', { schema: { body: ollamaLegacySchema } }, async (req) => {
    const body = req.body;
    checkModel(ctx, body.model, true);
    if (!body.prompt) return { embedding: [] };
    const out = await embed([body.prompt], { normalize: false, truncate: true });
    return { embedding: Array.from(out.embeddings[0]!) };
  });
}

/** OpenAI's four input shapes as a list of texts or token arrays */
function openAIInputs(input: OpenAIBody['input']): Input[] {
  if (typeof input === 'string') return [nonEmpty(input, 'input')];
  if (input.length === 0) throw invalidRequest('input must not be empty', 'invalid_value', 'input');
  if (typeof input[0] === 'number') return [input as number[]];
  if (typeof input[0] === 'string') return (input as string[]).map((s, i) => nonEmpty(s, `input[${i}]`));
  return input as number[][];
}

function nonEmpty(text: string, param: string): string {
  if (text === '') throw invalidRequest(`${param} must not be an empty string`, 'invalid_value', param);
  return text;
}
