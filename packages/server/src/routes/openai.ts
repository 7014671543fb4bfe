import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { checkGenerative, checkModel, type ServerContext } from '../context.js';
import { toApiError, modelNotFound, invalidRequest } from '../errors.js';
import type { GenerationRequest } from '../generation.js';
import { constraintsFor, openAIGrammarOf } from '../grammar.js';
import { assistantTurn, toolGrammarOf, toolUseOf } from '../tools.js';
import type { JobResult } from '../scheduler.js';
import { clientGone, collectJobs, mergeJobs, sendStream } from '../streaming.js';
import { chatCompletionSchema, completionSchema } from './openai-schemas.js';
import { precisionOf } from '../precision.js';
import {
  chatLogprob,
  chatMessagesOf,
  checkTokenIds,
  completionLogprobs,
  logitBiasOf,
  openaiFinishReason,
  rejectUnsupported,
  samplingOf,
  type OpenAISampling,
} from './openai-mapping.js';

interface StreamingFields {
  model: string;
  stream?: boolean | null;
  stream_options?: { include_usage?: boolean } | null;
}

type ChatBody = OpenAISampling &
  StreamingFields & {
    messages: { role: string; content?: string | null | { type: string; text?: string }[]; name?: string }[];
    max_completion_tokens?: number | null;
    logprobs?: boolean | null;
    top_logprobs?: number | null;
  };

type CompletionBody = OpenAISampling &
  StreamingFields & {
    prompt: string | string[] | number[] | number[][];
    logprobs?: number | null;
    echo?: boolean | null;
  };

const sse = (data: unknown) => `data: ${JSON.stringify(data)}\n\n`;
const newId = (prefix: string) => `${prefix}-${randomUUID().replaceAll('-', '')}`;

function usageOf(results: readonly JobResult[], promptsPerChoice: readonly number[]) {
  const prompt_tokens = promptsPerChoice.reduce((a, b) => a + b, 0);
  const completion_tokens = results.reduce((a, r) => a + r.completionTokens, 0);
  return { prompt_tokens, completion_tokens, total_tokens: prompt_tokens + completion_tokens };
}

export function registerOpenAI(app: FastifyInstance, ctx: ServerContext): void {
  const { engine, scheduler } = ctx;

  const modelObject = () => ({ id: ctx.modelName, object: 'model', created: ctx.created, owned_by: 'ix' });
  app.get('/v1/models', async () => ({ object: 'list', data: [modelObject()] }));
  app.get<{ Params: { model: string } }>('/v1/models/:model', async (req) => {
    if (req.params.model !== ctx.modelName) throw modelNotFound(req.params.model);
    return modelObject();
  });

  app.post<{ Body: ChatBody }>('/v1/chat/completions', { schema: { body: chatCompletionSchema } }, async (req, reply) => {
    const body = req.body;
    checkModel(ctx, body.model);
    checkGenerative(ctx);
    rejectUnsupported(body);
    const toolUse = toolUseOf(body);
    const promptTokens = await engine.promptTokens({ messages: chatMessagesOf(body.messages), tools: toolUse?.tools });
    const maxTokens = body.max_completion_tokens ?? body.max_tokens ?? undefined;
    const logprobs = body.logprobs ? (body.top_logprobs ?? 0) : undefined;
    const n = body.n ?? 1;
    // parsed once for the n choices (a text key is tokenized)
    const logitBias = logitBiasOf(body.logit_bias, engine);
    const precision = precisionOf(body.precision, engine);
    const format = openAIGrammarOf(body as object), forced = toolGrammarOf(toolUse);
    if (format && forced) throw invalidRequest(`${format.param} and a required tool call cannot both constrain the output`, 'invalid_value', format.param);
    const constraints = await constraintsFor(engine, format ?? forced, n);
    const requests: GenerationRequest[] = Array.from({ length: n }, (_, i) => ({ ...samplingOf(body, i, maxTokens), logitBias, precision, promptTokens, logprobs, constraint: constraints[i] }));
    const channels = scheduler.submit(requests, clientGone(reply));
    const id = newId('chatcmpl');
    const created = Math.floor(Date.now() / 1000);
    const base = { id, created, model: ctx.modelName, system_fingerprint: 'ix' };

    if (!body.stream) {
      const jobs = await collectJobs(channels);
      return {
        ...base,
        object: 'chat.completion',
        choices: jobs.map(({ tokens, result }, index) => {
          const turn = assistantTurn(result.text, toolUse);
          return {
            index,
            message: !turn.calls.length
              ? { role: 'assistant', content: result.text }
              : toolUse?.legacy
                ? { role: 'assistant', content: turn.content, function_call: turn.calls[0]!.function }
                : { role: 'assistant', content: turn.content, tool_calls: turn.calls },
            logprobs: logprobs === undefined ? null : { content: tokens.filter((t) => t.logprob).map((t) => chatLogprob(engine, t.logprob!, t.topLogprobs)) },
            finish_reason: turn.calls.length ? (toolUse?.legacy ? 'function_call' : 'tool_calls') : openaiFinishReason(result.finishReason),
          };
        }),
        usage: usageOf(
          jobs.map((j) => j.result),
          [promptTokens.length],
        ),
      };
    }

    const includeUsage = body.stream_options?.include_usage === true;
    const chunk = (choices: unknown[]) => sse({ ...base, object: 'chat.completion.chunk', choices, ...(includeUsage ? { usage: null } : {}) });
    async function* events() {
      const results: JobResult[] = [];
      try {
        yield Array.from({ length: n }, (_, index) => chunk([{ index, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }])).join('');
        for await (const { index, event } of mergeJobs(channels)) {
          if (toolUse) {
            // with tools, a turn is text or calls only once it has ended: sent whole then
            if (event.type === 'token') continue;
            results[index] = event.result;
            const turn = assistantTurn(event.result.text, toolUse);
            if (turn.content) yield chunk([{ index, delta: { content: turn.content }, logprobs: null, finish_reason: null }]);
            if (turn.calls.length) {
              const delta = toolUse.legacy ? { function_call: turn.calls[0]!.function } : { tool_calls: turn.calls.map((c, k) => ({ index: k, ...c })) };
              yield chunk([{ index, delta, logprobs: null, finish_reason: null }]);
            }
            yield chunk([{ index, delta: {}, logprobs: null, finish_reason: turn.calls.length ? (toolUse.legacy ? 'function_call' : 'tool_calls') : openaiFinishReason(event.result.finishReason) }]);
            continue;
          }
          if (event.type === 'token') {
            if (!event.text && !event.logprob) continue;
            const lp = event.logprob ? { content: [chatLogprob(engine, event.logprob, event.topLogprobs)] } : null;
            yield chunk([{ index, delta: { content: event.text }, logprobs: lp, finish_reason: null }]);
          } else {
            results[index] = event.result;
            yield chunk([{ index, delta: {}, logprobs: null, finish_reason: openaiFinishReason(event.result.finishReason) }]);
          }
        }
        if (includeUsage) yield sse({ ...base, object: 'chat.completion.chunk', choices: [], usage: usageOf(results, [promptTokens.length]) });
        yield 'data: [DONE]\n\n';
      } catch (err) {
        yield sse(toApiError(err).body);
      }
    }
    return sendStream(reply, 'text/event-stream; charset=utf-8', events());
  });

  app.post<{ Body: CompletionBody }>('/v1/completions', { schema: { body: completionSchema } }, async (req, reply) => {
    const body = req.body;
    checkModel(ctx, body.model);
    checkGenerative(ctx);
    rejectUnsupported(body);
    const prompts = promptList(body.prompt);
    if (body.echo && prompts.some((p) => typeof p !== 'string')) throw invalidRequest('echo needs text prompts', 'unsupported_parameter');
    const promptTokens: number[][] = [];
    for (const p of prompts) {
      if (typeof p === 'string') promptTokens.push(await engine.promptTokens({ text: p }));
      else {
        checkTokenIds(p, engine.info.vocabSize);
        promptTokens.push(p);
      }
    }
    // OpenAI's default for the legacy endpoint
    const maxTokens = body.max_tokens === null || body.max_tokens === undefined ? 16 : body.max_tokens;
    const logprobs = body.logprobs ?? undefined;
    const n = body.n ?? 1;
    // choice index = prompt index * n + choice within the prompt, as OpenAI numbers them
    const logitBias = logitBiasOf(body.logit_bias, engine);
    const precision = precisionOf(body.precision, engine);
    const constraints = await constraintsFor(engine, openAIGrammarOf(body as object), promptTokens.length * n);
    const requests: GenerationRequest[] = promptTokens.flatMap((tokens, p) =>
      Array.from({ length: n }, (_, i) => ({ ...samplingOf(body, i, maxTokens), logitBias, precision, promptTokens: tokens, logprobs, constraint: constraints[p * n + i] })),
    );
    const echoOf = (index: number) => (body.echo ? (prompts[Math.floor(index / n)] as string) : '');
    const channels = scheduler.submit(requests, clientGone(reply));
    const id = newId('cmpl');
    const created = Math.floor(Date.now() / 1000);
    const base = { id, object: 'text_completion', created, model: ctx.modelName, system_fingerprint: 'ix' };

    if (!body.stream) {
      const jobs = await collectJobs(channels);
      return {
        ...base,
        choices: jobs.map(({ tokens, result }, index) => ({
          index,
          text: echoOf(index) + result.text,
          logprobs: logprobs === undefined ? null : completionLogprobs(engine, tokens, echoOf(index).length),
          finish_reason: openaiFinishReason(result.finishReason),
        })),
        usage: usageOf(
          jobs.map((j) => j.result),
          promptTokens.map((t) => t.length),
        ),
      };
    }

    const includeUsage = body.stream_options?.include_usage === true;
    const chunk = (choice: unknown) => sse({ ...base, choices: [choice], ...(includeUsage ? { usage: null } : {}) });
    async function* events() {
      const results: JobResult[] = [];
      const offsets = requests.map((_, i) => echoOf(i).length);
      try {
        for (let index = 0; index < requests.length; index++) {
          if (body.echo) yield chunk({ index, text: echoOf(index), logprobs: null, finish_reason: null });
        }
        for await (const { index, event } of mergeJobs(channels)) {
          if (event.type === 'token') {
            if (!event.text && !event.logprob) continue;
            const lp = event.logprob ? completionLogprobs(engine, [event], offsets[index]!) : null;
            offsets[index]! += event.text.length;
            yield chunk({ index, text: event.text, logprobs: lp, finish_reason: null });
          } else {
            results[index] = event.result;
            yield chunk({ index, text: '', logprobs: null, finish_reason: openaiFinishReason(event.result.finishReason) });
          }
        }
        if (includeUsage) yield sse({ ...base, choices: [], usage: usageOf(results, promptTokens.map((t) => t.length)) });
        yield 'data: [DONE]\n\n';
      } catch (err) {
        yield sse(toApiError(err).body);
      }
    }
    return sendStream(reply, 'text/event-stream; charset=utf-8', events());
  });
}

/** OpenAI's four prompt shapes as a list of prompts (text or token ids). */
function promptList(prompt: CompletionBody['prompt']): (string | number[])[] {
  if (typeof prompt === 'string') return [prompt];
  if (typeof prompt[0] === 'number') return [prompt as number[]];
  return prompt as string[] | number[][];
}
