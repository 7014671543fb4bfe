import type { ChatMessage, TokenLogprob } from '@ix/llm';
import type { Engine } from '../engine.js';
import { invalidRequest } from '../errors.js';
import type { FinishReason, GenerationRequest } from '../generation.js';

/** The sampling fields common to OpenAI's completion and chat bodies (already schema-checked). */
export interface OpenAISampling {
  max_tokens?: number | null;
  temperature?: number | null;
  top_p?: number | null;
  top_k?: number | null;
  min_p?: number | null;
  repeat_penalty?: number | null;
  presence_penalty?: number | null;
  frequency_penalty?: number | null;
  seed?: number | null;
  n?: number | null;
  stop?: string | string[] | null;
  /** OpenAI: {"token id": bias}; llama.cpp also: [[id or text, bias or false], ...] */
  logit_bias?: Record<string, number> | [number | string, number | false][] | null;
  /** ix: nested models' precision (see precision.ts) */
  precision?: unknown;
}

const opt = <T>(v: T | null | undefined): T | undefined => (v === null ? undefined : v);

/** Sampling options for choice `index` of n: choices differ by seed so they are not all the same. */
export function samplingOf(body: OpenAISampling, index: number, maxTokens: number | undefined): Omit<GenerationRequest, 'promptTokens'> {
  const seed = opt(body.seed);
  return {
    maxTokens,
    temperature: opt(body.temperature),
    topP: opt(body.top_p),
    topK: opt(body.top_k),
    minP: opt(body.min_p),
    repeatPenalty: opt(body.repeat_penalty),
    presencePenalty: opt(body.presence_penalty),
    frequencyPenalty: opt(body.frequency_penalty),
    seed: seed === undefined ? undefined : (seed + index) >>> 0,
    stop: stopList(body.stop),
  };
}

/**
 * logit_bias as token id -> bias. OpenAI's object form ({"15043": -100}) and llama.cpp's array
 * form ([[15043, 1.5], ["Hello", false]]: a text stands for each of its tokens, false bans).
 */
export function logitBiasOf(bias: OpenAISampling['logit_bias'], engine: Pick<Engine, 'info' | 'tokenize'>): Map<number, number> | undefined {
  if (bias === null || bias === undefined) return undefined;
  const vocab = engine.info.vocabSize;
  const out = new Map<number, number>();
  const add = (id: number, value: number | false, where: string) => {
    if (!Number.isInteger(id) || id < 0 || id >= vocab) throw invalidRequest(`logit_bias: token id ${id} is outside the vocabulary (0..${vocab - 1})`, 'invalid_value', where);
    if (value !== false && !Number.isFinite(value)) throw invalidRequest(`logit_bias: the bias of token ${id} must be a finite number or false`, 'invalid_value', where);
    out.set(id, value === false ? -Infinity : (out.get(id) ?? 0) + value);
  };
  if (Array.isArray(bias)) {
    bias.forEach((entry, i) => {
      const where = `logit_bias[${i}]`;
      if (!Array.isArray(entry) || entry.length !== 2) throw invalidRequest('logit_bias entries must be [token id or text, bias or false]', 'invalid_value', where);
      const [key, value] = entry;
      if (typeof value !== 'number' && value !== false) throw invalidRequest('logit_bias: a bias must be a number or false', 'invalid_value', where);
      if (typeof key === 'string') for (const id of engine.tokenize(key)) add(id, value, where);
      else add(key, value, where);
    });
  } else {
    for (const [key, value] of Object.entries(bias)) {
      if (!/^\d+$/.test(key)) throw invalidRequest(`logit_bias keys are token ids, got "${key}"`, 'invalid_value', `logit_bias.${key}`);
      add(Number(key), value as number, `logit_bias.${key}`);
    }
  }
  return out;
}

export function stopList(stop: string | readonly string[] | null | undefined): string[] {
  if (stop === null || stop === undefined) return [];
  return (typeof stop === 'string' ? [stop] : [...stop]).filter((s) => s.length > 0);
}

/** OpenAI has no "context" or "aborted": both mean the text was cut short. */
export function openaiFinishReason(reason: FinishReason): 'stop' | 'length' {
  return reason === 'stop' ? 'stop' : 'length';
}

interface OpenAIMessage {
  role: string;
  content?: string | null | { type: string; text?: string }[];
  name?: string;
  tool_calls?: { id?: string; type?: string; function?: { name?: string; arguments?: unknown } }[];
  tool_call_id?: string;
  /** deprecated: an assistant turn's one call */
  function_call?: { name?: string; arguments?: unknown };
}

/** a call's arguments as the templates want them (an object; OpenAI sends a JSON string) */
function argumentsOf(args: unknown): string | Record<string, unknown> {
  if (typeof args !== 'string') return (args ?? {}) as Record<string, unknown>;
  try {
    const v = JSON.parse(args);
    return v && typeof v === 'object' && !Array.isArray(v) ? v : args;
  } catch {
    return args;
  }
}

/** OpenAI messages as chat-template messages: text parts joined, "developer" read as "system". */
export function chatMessagesOf(messages: readonly OpenAIMessage[]): ChatMessage[] {
  return messages.map((m, i) => {
    let content: string | null = null;
    // only an assistant turn may come without text (OpenAI: one that made tool calls)
    if ((m.content === null || m.content === undefined) && m.role !== 'assistant') {
      throw invalidRequest(`messages[${i}]: a "${m.role}" message needs content (a string or text parts), got ${m.content === null ? 'null' : 'none'}`, 'invalid_value', `messages[${i}].content`);
    }
    if (typeof m.content === 'string') content = m.content;
    else if (Array.isArray(m.content)) {
      const other = m.content.find((p) => p.type !== 'text');
      if (other) throw invalidRequest(`messages[${i}]: content parts of type "${other.type}" are not supported (text only)`, 'unsupported_content');
      content = m.content.map((p) => p.text ?? '').join('');
    }
    const role = m.role === 'developer' ? 'system' : m.role === 'function' ? 'tool' : m.role; // "function": a deprecated tool result
    const msg: ChatMessage = { role, content: content ?? '' };
    if (m.name !== undefined) msg.name = m.name;
    if (m.role === 'assistant' && m.function_call && !m.tool_calls) m.tool_calls = [{ type: 'function', function: m.function_call }];
    if (m.role === 'assistant' && Array.isArray(m.tool_calls) && m.tool_calls.length > 0) {
      msg.tool_calls = m.tool_calls.map((c, k) => {
        if (typeof c?.function?.name !== 'string') throw invalidRequest(`messages[${i}].tool_calls[${k}] needs function.name`, 'invalid_value', `messages[${i}].tool_calls`);
        return { id: c.id, type: 'function' as const, function: { name: c.function.name, arguments: argumentsOf(c.function.arguments) } };
      });
      if (content === null) msg.content = null;
    }
    if (m.role === 'tool' && m.tool_call_id !== undefined) msg.tool_call_id = m.tool_call_id;
    return msg;
  });
}

/** Fields we do not implement are refused rather than silently ignored. */
export function rejectUnsupported(request: object): void {
  const body = request as Record<string, unknown>;
  const fc = body.function_call;
  if (fc !== undefined && fc !== null && fc !== 'none' && !(Array.isArray(body.functions) && body.functions.length > 0)) {
    throw invalidRequest('function_call needs functions', 'invalid_value', 'function_call');
  }
  if (typeof body.suffix === 'string' && body.suffix !== '') throw invalidRequest('suffix is not supported', 'unsupported_parameter', 'suffix');
}

const bytesOf = (text: string) => Array.from(Buffer.from(text, 'utf8'));

/** One token of a chat choice's logprobs.content. */
export function chatLogprob(engine: Engine, lp: TokenLogprob, top: readonly TokenLogprob[] = []) {
  const entry = (t: TokenLogprob) => {
    const token = engine.tokenText(t.token);
    return { token, logprob: t.logprob, bytes: bytesOf(token) };
  };
  return { ...entry(lp), top_logprobs: top.map(entry) };
}

/** The legacy completions logprobs object for a run of tokens starting at text offset `offset`. */
export function completionLogprobs(engine: Engine, items: readonly { logprob?: TokenLogprob; topLogprobs?: TokenLogprob[] }[], offset: number) {
  const out = { tokens: [] as string[], token_logprobs: [] as number[], top_logprobs: [] as Record<string, number>[], text_offset: [] as number[] };
  for (const it of items) {
    if (!it.logprob) continue;
    const text = engine.tokenText(it.logprob.token);
    out.tokens.push(text);
    out.token_logprobs.push(it.logprob.logprob);
    out.top_logprobs.push(Object.fromEntries((it.topLogprobs ?? []).map((t) => [engine.tokenText(t.token), t.logprob])));
    out.text_offset.push(offset);
    offset += text.length;
  }
  return out;
}

/** Token-id prompts must name tokens of the vocabulary. */
export function checkTokenIds(ids: readonly number[], vocabSize: number): void {
  const bad = ids.find((t) => t < 0 || t >= vocabSize);
  if (bad !== undefined) throw invalidRequest(`prompt token id ${bad} is outside the vocabulary (0..${vocabSize - 1})`);
}
