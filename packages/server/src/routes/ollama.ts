import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ChatMessage } from '@ix/llm';
import { checkGenerative, checkModel, type ServerContext } from '../context.js';
import { invalidRequest, toApiError } from '../errors.js';
import type { GenerationRequest } from '../generation.js';
import { constraintsFor, ollamaGrammarOf } from '../grammar.js';
import { assistantTurn, toolUseOf, type ToolUse } from '../tools.js';
import type { Channel } from '../channel.js';
import type { JobEvent, JobResult } from '../scheduler.js';
import { clientGone, collectJobs, sendStream } from '../streaming.js';
import { chatSchema, generateSchema, showSchema } from './ollama-schemas.js';
import { SERVER_VERSION } from '../version.js';
import { precisionOf } from '../precision.js';

interface OllamaOptions {
  num_predict?: number;
  temperature?: number;
  top_k?: number;
  top_p?: number;
  min_p?: number;
  seed?: number;
  stop?: string[];
  repeat_penalty?: number;
  repeat_last_n?: number;
  presence_penalty?: number;
  frequency_penalty?: number;
  precision?: unknown;
}

interface CommonBody {
  model: string;
  stream?: boolean;
  options?: OllamaOptions;
}
type GenerateBody = CommonBody & { prompt?: string; system?: string; raw?: boolean };
type ChatBody = CommonBody & { messages?: ChatMessage[] };

/** Ollama's options as sampling options; num_predict < 0 means "until the end". */
function samplingOf(o: OllamaOptions = {}): Omit<GenerationRequest, 'promptTokens'> {
  return {
    maxTokens: o.num_predict === undefined || o.num_predict < 0 ? undefined : o.num_predict,
    temperature: o.temperature,
    topK: o.top_k,
    topP: o.top_p,
    minP: o.min_p,
    seed: o.seed === undefined ? undefined : o.seed >>> 0,
    stop: (o.stop ?? []).filter((s) => s.length > 0),
    repeatPenalty: o.repeat_penalty,
    penaltyLastN: o.repeat_last_n,
    presencePenalty: o.presence_penalty,
    frequencyPenalty: o.frequency_penalty,
  };
}

/** Fields we do not implement are refused rather than silently ignored. */
function rejectUnsupported(request: object): void {
  const body = request as Record<string, unknown>;
  for (const field of ['images', 'context']) {
    const v = body[field];
    if (Array.isArray(v) && v.length > 0) throw invalidRequest(`"${field}" is not supported by this server`, 'unsupported_parameter');
  }
  for (const field of ['template', 'suffix']) {
    if (body[field] !== undefined && body[field] !== '' && body[field] !== null) throw invalidRequest(`"${field}" is not supported by this server`, 'unsupported_parameter');
  }
}

const ns = (v: bigint) => Number(v);
const doneReason = (r: JobResult['finishReason']) => (r === 'stop' ? 'stop' : 'length');

/** The statistics Ollama puts in its final object. */
function finalStats(r: JobResult) {
  return {
    done: true,
    done_reason: doneReason(r.finishReason),
    total_duration: ns(r.timings.totalNs),
    load_duration: 0,
    prompt_eval_count: r.promptTokens,
    prompt_eval_duration: ns(r.timings.promptNs),
    eval_count: r.completionTokens,
    eval_duration: ns(r.timings.generationNs),
  };
}

export function registerOllama(app: FastifyInstance, ctx: ServerContext): void {
  const { engine, scheduler } = ctx;
  const info = engine.info;
  const details = {
    parent_model: '',
    format: 'gguf',
    family: info.arch,
    families: [info.arch],
    parameter_size: info.parameterCount === undefined ? '' : humanCount(info.parameterCount),
    quantization_level: info.quantization ?? '',
  };
  // an identifier of the served file (hashing a multi-GB file at start-up is not worth it)
  const digest = createHash('sha256').update(`${ctx.modelName}\0${info.sizeBytes}\0${info.modifiedAt.toISOString()}`).digest('hex');
  const createdAt = () => new Date().toISOString();

  /**
   * Generate, then answer as one object or as NDJSON lines; `piece` shapes the text of a line. With
   * `tools` the turn is sent whole once it ends (its calls taken out of the text, Ollama's
   * `message.tool_calls` with arguments as objects).
   */
  async function respond(channels: Channel<JobEvent>[], stream: boolean, reply: FastifyReply, piece: (text: string, calls?: object[]) => object, tools?: ToolUse) {
    const whole = (result: JobResult) => {
      const turn = assistantTurn(result.text, tools);
      const calls = turn.calls.map((c) => ({ function: { name: c.function.name, arguments: JSON.parse(c.function.arguments) } }));
      return calls.length ? piece(turn.content ?? '', calls) : piece(result.text);
    };
    if (!stream) {
      const [{ result }] = await collectJobs(channels);
      return { model: ctx.modelName, created_at: createdAt(), ...whole(result), ...finalStats(result) };
    }
    async function* lines() {
      try {
        for await (const event of channels[0]!) {
          if (tools) {
            if (event.type === 'token') continue;
            yield JSON.stringify({ model: ctx.modelName, created_at: createdAt(), ...whole(event.result), done: false }) + '\n';
            yield JSON.stringify({ model: ctx.modelName, created_at: createdAt(), ...piece(''), ...finalStats(event.result) }) + '\n';
            continue;
          }
          if (event.type === 'token') {
            if (event.text) yield JSON.stringify({ model: ctx.modelName, created_at: createdAt(), ...piece(event.text), done: false }) + '\n';
          } else {
            yield JSON.stringify({ model: ctx.modelName, created_at: createdAt(), ...piece(''), ...finalStats(event.result) }) + '\n';
          }
        }
      } catch (err) {
        yield JSON.stringify(toApiError(err).ollamaBody) + '\n';
      }
    }
    return sendStream(reply, 'application/x-ndjson', lines());
  }

  app.post<{ Body: GenerateBody }>('/api/generate', { schema: { body: generateSchema } }, async (req, reply) => {
    const body = req.body;
    checkModel(ctx, body.model, true);
    checkGenerative(ctx);
    rejectUnsupported(body);
    // an empty prompt only loads the model in Ollama; ours is loaded already
    if (!body.prompt) return { model: ctx.modelName, created_at: createdAt(), response: '', done: true, done_reason: 'load' };
    const useTemplate = !body.raw && info.chatTemplate !== undefined;
    const messages: ChatMessage[] = [...(body.system ? [{ role: 'system', content: body.system }] : []), { role: 'user', content: body.prompt }];
    const promptTokens = await (useTemplate ? engine.promptTokens({ messages }) : engine.promptTokens({ text: body.prompt }));
    const [constraint] = await constraintsFor(engine, ollamaGrammarOf(body as object), 1);
    const precision = precisionOf(body.options?.precision, engine, 'options.precision');
    const channels = scheduler.submit([{ ...samplingOf(body.options), precision, promptTokens, constraint }], clientGone(reply));
    return respond(channels, body.stream !== false, reply, (text) => ({ response: text }));
  });

  app.post<{ Body: ChatBody }>('/api/chat', { schema: { body: chatSchema } }, async (req, reply) => {
    const body = req.body;
    checkModel(ctx, body.model, true);
    checkGenerative(ctx);
    rejectUnsupported(body);
    const message = (content: string, calls?: object[]) => ({ message: { role: 'assistant', content, ...(calls ? { tool_calls: calls } : {}) } });
    if (!body.messages?.length) return { model: ctx.modelName, created_at: createdAt(), ...message(''), done: true, done_reason: 'load' };
    if (body.messages.some((m) => Array.isArray(m.images) && m.images.length > 0)) throw invalidRequest('"images" is not supported by this server', 'unsupported_parameter');
    const tools = toolUseOf({ tools: (body as { tools?: unknown }).tools });
    const promptTokens = await engine.promptTokens({ messages: body.messages, tools: tools?.tools });
    const [constraint] = await constraintsFor(engine, ollamaGrammarOf(body as object), 1);
    const precision = precisionOf(body.options?.precision, engine, 'options.precision');
    const channels = scheduler.submit([{ ...samplingOf(body.options), precision, promptTokens, constraint }], clientGone(reply));
    return respond(channels, body.stream !== false, reply, message, tools);
  });

  const listed = () => ({ name: ctx.modelName, model: ctx.modelName, size: info.sizeBytes, digest, details });
  app.get('/api/tags', async () => ({ models: [{ ...listed(), modified_at: info.modifiedAt.toISOString() }] }));
  app.get('/api/ps', async () => ({
    models: [{ ...listed(), expires_at: '9999-12-31T23:59:59Z', size_vram: 0, context_length: info.contextLength }],
  }));
  app.get('/api/version', async () => ({ version: SERVER_VERSION }));

  app.post<{ Body: { model?: string; name?: string } }>('/api/show', { schema: { body: showSchema } }, async (req) => {
    const name = req.body.model ?? req.body.name;
    if (name === undefined) throw invalidRequest('"model" is required', 'missing_model');
    checkModel(ctx, name, true);
    return {
      modelfile: '',
      parameters: '',
      template: info.chatTemplate ?? '',
      details,
      model_info: {
        'general.architecture': info.arch,
        ...(info.parameterCount === undefined ? {} : { 'general.parameter_count': info.parameterCount }),
        [`${info.arch}.context_length`]: info.contextLength,
        [`${info.arch}.vocab_size`]: info.vocabSize,
      },
      capabilities: info.kind === 'generative' ? ['completion'] : ['embedding'],
      modified_at: info.modifiedAt.toISOString(),
    };
  });
}

/** 260000 -> "260K", 7.2e9 -> "7.2B", as Ollama shows parameter sizes */
export function humanCount(n: number): string {
  for (const [unit, size] of [
    ['B', 1e9],
    ['M', 1e6],
    ['K', 1e3],
  ] as const) {
    if (n >= size) return `${Number((n / size).toFixed(n >= 10 * size ? 0 : 1))}${unit}`;
  }
  return String(n);
}
