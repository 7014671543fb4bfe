import type { ChatMessage, TokenLogprob } from '@ix/core';
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
}

/** OpenAI messages as chat-template messages: text parts joined, "developer" read as "system". */
export function chatMessagesOf(messages: readonly OpenAIMessage[]): ChatMessage[] {
  return messages.map((m, i) => {
    let content: string | null = null;
    if (typeof m.content === 'string') content = m.content;
    else if (Array.isArray(m.content)) {
      const other = m.content.find((p) => p.type !== 'text');
      if (other) throw invalidRequest(`messages[${i}]: content parts of type "${other.type}" are not supported (text only)`, 'unsupported_content');
      content = m.content.map((p) => p.text ?? '').join('');
    }
    const msg: ChatMessage = { role: m.role === 'developer' ? 'system' : m.role, content };
    if (m.name !== undefined) msg.name = m.name;
    return msg;
  });
}

/** Fields we do not implement are refused rather than silently ignored. */
export function rejectUnsupported(request: object): void {
  const body = request as Record<string, unknown>;
  if (Array.isArray(body.tools) && body.tools.length > 0) throw invalidRequest('tools are not supported by this server', 'unsupported_parameter');
  const format = body.response_format as { type?: unknown } | undefined | null;
  if (format && format.type !== 'text') throw invalidRequest('response_format other than "text" is not supported', 'unsupported_parameter');
  if (typeof body.suffix === 'string' && body.suffix !== '') throw invalidRequest('suffix is not supported', 'unsupported_parameter');
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
