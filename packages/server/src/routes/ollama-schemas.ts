/** JSON schemas of the Ollama request bodies we accept (unknown fields and options are ignored, as Ollama does). */

const options = {
  type: 'object',
  properties: {
    num_predict: { type: 'integer' },
    temperature: { type: 'number', minimum: 0 },
    top_k: { type: 'integer', minimum: 0 },
    top_p: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
    min_p: { type: 'number', minimum: 0, maximum: 1 },
    seed: { type: 'integer' },
    stop: { type: 'array', items: { type: 'string', maxLength: 1024 }, maxItems: 16 },
    repeat_penalty: { type: 'number', exclusiveMinimum: 0 },
    repeat_last_n: { type: 'integer', minimum: -1 },
    presence_penalty: { type: 'number' },
    frequency_penalty: { type: 'number' },
    // ix: nested models' precision ("max", "eco", bits per weight or {attn, ffn} bits per layer); checked in precision.ts
    precision: { anyOf: [{ type: 'string', maxLength: 16 }, { type: 'number' }, { type: 'object', maxProperties: 2 }] },
  },
} as const;

const common = {
  model: { type: 'string', minLength: 1, maxLength: 256 },
  stream: { type: 'boolean' },
  options,
  keep_alive: { anyOf: [{ type: 'string' }, { type: 'number' }] },
} as const;

export const generateSchema = {
  type: 'object',
  required: ['model'],
  properties: {
    ...common,
    prompt: { type: 'string' },
    system: { type: 'string' },
    raw: { type: 'boolean' },
  },
} as const;

export const chatSchema = {
  type: 'object',
  required: ['model'],
  properties: {
    ...common,
    messages: {
      type: 'array',
      items: {
        type: 'object',
        required: ['role', 'content'],
        properties: { role: { type: 'string', enum: ['system', 'user', 'assistant', 'tool'] }, content: { type: 'string' } },
      },
    },
  },
} as const;

export const showSchema = {
  type: 'object',
  properties: { model: { type: 'string', minLength: 1 }, name: { type: 'string', minLength: 1 } },
} as const;
