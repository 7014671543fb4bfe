/**
 * Tool calls in a model's output, in the formats real model families write them, and the grammar
 * that forces a call when the request demands one:
 *   Hermes / Qwen 2.5+ / Qwen 3:  <tool_call>{"name": ..., "arguments": {...}}</tool_call>, repeated
 *   Mistral:                       [TOOL_CALLS][{"name": ..., "arguments": {...}}, ...]
 *   Llama 3.1+:                    <|python_tag|>{"name": ..., "parameters": {...}}, or that JSON alone
 *   anything else:                 the whole output (or a ```json fence) as one call object or an array
 * A call is only taken when it names one of the request's tools; otherwise the text stays text.
 */
import type { ChatTool } from './render-chat.js';

export interface ParsedToolCall {
  name: string;
  arguments: Record<string, unknown>;
}

export interface ParsedOutput {
  /** text outside the calls (null when there is none) */
  content: string | null;
  calls: ParsedToolCall[];
}

function callOf(value: unknown, names: ReadonlySet<string>): ParsedToolCall | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const v = value as Record<string, unknown>;
  const fn = (v.function && typeof v.function === 'object' ? v.function : v) as Record<string, unknown>;
  const name = fn.name;
  let args = fn.arguments ?? fn.parameters ?? {};
  if (typeof args === 'string') {
    try {
      args = JSON.parse(args);
    } catch {
      return undefined;
    }
  }
  if (typeof name !== 'string' || !names.has(name) || !args || typeof args !== 'object' || Array.isArray(args)) return undefined;
  return { name, arguments: args as Record<string, unknown> };
}

/** Calls in a JSON text: one call object or an array of them (all must be calls). */
function callsOfJson(text: string, names: ReadonlySet<string>): ParsedToolCall[] | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const items = Array.isArray(value) ? value : [value];
  const calls = items.map((v) => callOf(v, names));
  return calls.length > 0 && calls.every((c) => c !== undefined) ? (calls as ParsedToolCall[]) : undefined;
}

const clean = (s: string) => (s.trim() === '' ? null : s.trim());

export function parseToolCalls(text: string, tools: readonly ChatTool[]): ParsedOutput {
  const names = new Set(tools.map((t) => t.function.name));
  // Hermes / Qwen
  const tagged = [...text.matchAll(/<tool_call>\s*([\s\S]*?)\s*<\/tool_call>/g)];
  if (tagged.length > 0) {
    const calls = tagged.map((m) => callsOfJson(m[1]!, names));
    if (calls.every((c) => c !== undefined)) return { content: clean(text.replace(/<tool_call>[\s\S]*?<\/tool_call>/g, '')), calls: calls.flat() as ParsedToolCall[] };
  }
  // Mistral
  const mistral = text.indexOf('[TOOL_CALLS]');
  if (mistral >= 0) {
    const calls = callsOfJson(text.slice(mistral + '[TOOL_CALLS]'.length).trim(), names);
    if (calls) return { content: clean(text.slice(0, mistral)), calls };
  }
  // Llama 3.x: python_tag, then one or more JSON objects separated by ';'
  const tag = text.indexOf('<|python_tag|>');
  const body = tag >= 0 ? text.slice(tag + '<|python_tag|>'.length) : text;
  const fenced = /^\s*```(?:json)?\s*([\s\S]*?)\s*```\s*$/.exec(body);
  const json = (fenced ? fenced[1]! : body).trim();
  const whole = callsOfJson(json, names) ?? (json.includes(';') ? joinCalls(json.split(';').map((p) => callsOfJson(p.trim(), names))) : undefined);
  if (whole) return { content: tag > 0 ? clean(text.slice(0, tag)) : null, calls: whole };
  return { content: text, calls: [] };
}

function joinCalls(parts: (ParsedToolCall[] | undefined)[]): ParsedToolCall[] | undefined {
  return parts.every((p) => p !== undefined) ? (parts as ParsedToolCall[][]).flat() : undefined;
}

/**
 * The JSON Schema of a forced call: `{"name": <one of the tools>, "arguments": <its parameters>}`
 * (`only` narrows it to one tool), or with `parallel` an array of one to MAX_PARALLEL_CALLS such calls.
 */
/** calls one forced turn may make at most (a bound, so that a forced array always ends) */
export const MAX_PARALLEL_CALLS = 8;

export function toolCallSchema(tools: readonly ChatTool[], only?: string, parallel = false): Record<string, unknown> {
  const chosen = only === undefined ? tools : tools.filter((t) => t.function.name === only);
  const one = chosen.map((t) => ({
    type: 'object',
    properties: { name: { const: t.function.name }, arguments: t.function.parameters ?? { type: 'object' } },
    required: ['name', 'arguments'],
    additionalProperties: false,
  }));
  const call = one.length === 1 ? one[0]! : { anyOf: one };
  return parallel ? { type: 'array', items: call, minItems: 1, maxItems: MAX_PARALLEL_CALLS } : call;
}
