import { IxError } from '@ix/core';

/** An error with its HTTP status and OpenAI-style type/code; every 4xx/5xx body is built from one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: string,
    readonly code: string | null,
    readonly headers: Record<string, string> = {},
    /** the request field at fault, when one is (OpenAI's `param`) */
    readonly param: string | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** OpenAI's error body */
  get body(): ErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }

  /** Ollama's error body: the message as a string (its clients print `error` as is) */
  get ollamaBody(): { error: string } {
    return { error: this.message };
  }
}

export interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export const invalidRequest = (message: string, code = 'invalid_value', param: string | null = null) =>
  new ApiError(400, message, 'invalid_request_error', code, {}, param);

/** a generation request to an embedding model or a reranker */
export const notGenerative = (kind: string) =>
  new ApiError(
    400,
    kind === 'reranker' ? 'this model is a reranker: it does not generate text (use /v1/rerank)' : 'this model is an embedding model: it does not generate text (use /v1/embeddings, /api/embed)',
    'invalid_request_error',
    'model_not_generative',
  );

/** a rerank request to a model that is not a reranker */
export const notReranker = () =>
  new ApiError(400, 'this model does not rerank: serve a cross-encoder reranker (e.g. a BERT sequence classifier GGUF) for /v1/rerank', 'invalid_request_error', 'model_not_reranker');

/** an embedding request to a reranker (or an engine that cannot embed) */
export const notEmbedding = () =>
  new ApiError(400, 'this model does not produce embeddings (a reranker scores pairs: use /v1/rerank); serve an embedding or generative model for /v1/embeddings and /api/embed', 'invalid_request_error', 'model_not_embedding');

export const modelNotFound = (name: string) =>
  new ApiError(404, `The model '${name}' does not exist or you do not have access to it.`, 'invalid_request_error', 'model_not_found');

export class QueueFullError extends ApiError {
  constructor(retryAfterSeconds: number) {
    super(429, 'The server is busy: every slot is generating and the queue is full. Retry later.', 'rate_limit_error', 'queue_full', {
      'retry-after': String(retryAfterSeconds),
    });
  }
}

export class ShuttingDownError extends ApiError {
  constructor() {
    super(503, 'The server is shutting down.', 'server_error', 'shutting_down');
  }
}

/** Status codes of fastify's own errors (parsing, body size, media type) that we pass on. */
const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'body_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_content_length',
};

/** Map anything thrown while serving a request to an ApiError (never leaking internals for 5xx). */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof IxError) {
    switch (err.code) {
      case 'CONTEXT_FULL':
        return invalidRequest(err.message, 'context_length_exceeded');
      case 'INVALID_ARGUMENT':
      case 'CHAT_TEMPLATE':
      case 'TOKENIZER':
        return invalidRequest(err.message, err.code.toLowerCase());
      default:
        return new ApiError(500, err.message, 'server_error', err.code.toLowerCase());
    }
  }
  if (err && typeof err === 'object') {
    const e = err as { validation?: { instancePath?: string; params?: { missingProperty?: string } }[]; statusCode?: number; code?: string; message?: string };
    if (e.validation) return invalidRequest(e.message ?? 'invalid request body', 'invalid_request_body', validationParam(e.validation[0]));
    // JSON.parse errors carry statusCode 400 but no fastify code
    if (e.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || (err instanceof SyntaxError && e.statusCode === 400)) {
      return invalidRequest(`invalid JSON body: ${e.message}`, 'invalid_json');
    }
    if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
      const code = (e.code && FASTIFY_CODES[e.code]) ?? 'invalid_request';
      return new ApiError(e.statusCode, e.message ?? 'invalid request', 'invalid_request_error', code);
    }
  }
  return new ApiError(500, 'internal server error', 'server_error', 'internal_error');
}

/** the field a schema error is about, as OpenAI names it: "messages[0].content", "temperature" */
function validationParam(v: { instancePath?: string; params?: { missingProperty?: string } } | undefined): string | null {
  if (!v) return null;
  const parts = (v.instancePath ?? '').split('/').filter(Boolean);
  if (v.params?.missingProperty) parts.push(v.params.missingProperty);
  if (!parts.length) return null;
  return parts.map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i ? `.${p}` : p)).join('');
}
