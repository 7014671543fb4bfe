/** JSON schemas of the OpenAI request bodies we accept (unknown fields are ignored, as OpenAI's SDKs send many). */

const nullable = (schema: Record<string, unknown>) => ({ anyOf: [schema, { type: 'null' }] });

/** sampling fields shared by /v1/completions and /v1/chat/completions (top_k, min_p, repeat_penalty: llama.cpp extensions) */
const sampling = {
  model: { type: 'string', minLength: 1, maxLength: 256 },
  max_tokens: nullable({ type: 'integer', minimum: 0 }),
  temperature: nullable({ type: 'number', minimum: 0, maximum: 2 }),
  top_p: nullable({ type: 'number', exclusiveMinimum: 0, maximum: 1 }),
  top_k: nullable({ type: 'integer', minimum: 0 }),
  min_p: nullable({ type: 'number', minimum: 0, maximum: 1 }),
  repeat_penalty: nullable({ type: 'number', exclusiveMinimum: 0 }),
  presence_penalty: nullable({ type: 'number', minimum: -2, maximum: 2 }),
  frequency_penalty: nullable({ type: 'number', minimum: -2, maximum: 2 }),
  seed: nullable({ type: 'integer' }),
  n: nullable({ type: 'integer', minimum: 1, maximum: 16 }),
  // bounded: the stop filter rescans held-back text against every stop string at each token
  stop: nullable({ anyOf: [{ type: 'string', maxLength: 1024 }, { type: 'array', items: { type: 'string', maxLength: 1024 }, maxItems: 16 }] }),
  stream: nullable({ type: 'boolean' }),
  stream_options: nullable({ type: 'object', properties: { include_usage: { type: 'boolean' } } }),
  user: { type: 'string' },
  // OpenAI's {"token id": bias} or llama.cpp's [[id or text, bias or false], ...]; checked in openai-mapping.ts
  logit_bias: nullable({ anyOf: [{ type: 'object', maxProperties: 1024 }, { type: 'array', maxItems: 1024 }] }),
  // ix: nested models' precision ("max", "eco", bits per weight or {attn, ffn} bits per layer); checked in precision.ts
  precision: nullable({ anyOf: [{ type: 'string', maxLength: 16 }, { type: 'number' }, { type: 'object', maxProperties: 2 }] }),
} as const;

const contentPart = {
  type: 'object',
  required: ['type'],
  properties: { type: { type: 'string' }, text: { type: 'string' } },
};

export const chatCompletionSchema = {
  type: 'object',
  required: ['model', 'messages'],
  properties: {
    ...sampling,
    max_completion_tokens: nullable({ type: 'integer', minimum: 0 }),
    logprobs: nullable({ type: 'boolean' }),
    top_logprobs: nullable({ type: 'integer', minimum: 0, maximum: 20 }),
    messages: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['role'],
        properties: {
          role: { type: 'string', enum: ['system', 'developer', 'user', 'assistant', 'tool', 'function'] },
          content: nullable({ anyOf: [{ type: 'string' }, { type: 'array', items: contentPart }] }),
          name: { type: 'string' },
        },
      },
    },
  },
} as const;

export const completionSchema = {
  type: 'object',
  required: ['model', 'prompt'],
  properties: {
    ...sampling,
    prompt: {
      anyOf: [
        { type: 'string' },
        { type: 'array', minItems: 1, items: { type: 'string' } },
        { type: 'array', minItems: 1, items: { type: 'integer' } },
        { type: 'array', minItems: 1, items: { type: 'array', minItems: 1, items: { type: 'integer' } } },
      ],
    },
    logprobs: nullable({ type: 'integer', minimum: 0, maximum: 20 }),
    echo: nullable({ type: 'boolean' }),
    suffix: nullable({ type: 'string' }),
  },
} as const;
