import type { FastifyInstance } from 'fastify';
import { checkModel, type ServerContext } from '../context.js';
import { notReranker } from '../errors.js';

/**
 * Reranking as llama.cpp's server, Jina and Cohere shape it: a query and documents in, results by
 * relevance out (best first, `top_n` of them), each with its index in the request and, with
 * `return_documents`, its text. Scores are the cross-encoder's raw output (a logit), as llama.cpp's.
 */
const MAX_DOCUMENTS = 2048;

const rerankSchema = {
  type: 'object',
  required: ['query', 'documents'],
  properties: {
    model: { type: 'string', minLength: 1, maxLength: 256 },
    query: { type: 'string', minLength: 1 },
    documents: {
      type: 'array',
      minItems: 1,
      maxItems: MAX_DOCUMENTS,
      items: { anyOf: [{ type: 'string' }, { type: 'object', required: ['text'], properties: { text: { type: 'string' } } }] },
    },
    top_n: { anyOf: [{ type: 'integer', minimum: 1 }, { type: 'null' }] },
    return_documents: { type: 'boolean' },
    // llama.cpp's older name for return_documents
    return_text: { type: 'boolean' },
  },
} as const;

interface RerankBody {
  model?: string;
  query: string;
  documents: (string | { text: string })[];
  top_n?: number | null;
  return_documents?: boolean;
  return_text?: boolean;
}

export function registerRerank(app: FastifyInstance, ctx: ServerContext): void {
  const { engine } = ctx;
  const handler = async (req: { body: RerankBody }) => {
    const body = req.body;
    if (body.model !== undefined) checkModel(ctx, body.model);
    if (engine.info.kind !== 'reranker' || !engine.rerank) throw notReranker();
    const texts = body.documents.map((d) => (typeof d === 'string' ? d : d.text));
    const out = await engine.rerank(body.query, texts);
    const withText = body.return_documents ?? body.return_text ?? false;
    const results = out.scores
      .map((relevance_score, index) => ({ index, relevance_score, ...(withText ? { document: { text: texts[index]! } } : {}) }))
      .sort((a, b) => b.relevance_score - a.relevance_score || a.index - b.index)
      .slice(0, body.top_n ?? texts.length);
    const tokens = out.tokens.reduce((a, b) => a + b, 0);
    return { object: 'list', model: ctx.modelName, results, usage: { prompt_tokens: tokens, total_tokens: tokens } };
  };
  for (const path of ['/v1/rerank', '/rerank', '/v1/reranking', '/reranking']) app.post<{ Body: RerankBody }>(path, { schema: { body: rerankSchema } }, handler);
}
