/**
 * Tool calling in the OpenAI and Ollama chat APIs: the request's tools are rendered by the model's
 * chat template; `tool_choice` "auto" lets the model decide and its output is parsed for calls in
 * the formats model families write (parseToolCalls), "required" or a named tool forces a call by
 * grammar, "none" leaves the tools out.
 */
import { randomBytes } from 'node:crypto';

import { parseToolCalls, toolCallSchema, type ChatTool, type GrammarSpec } from '@ix/llm';

import { invalidRequest } from './errors.js';

export interface ToolUse {
  tools: ChatTool[];
  /** asked through the deprecated `functions` / `function_call`: answered as `message.function_call` */
  legacy?: boolean;
  /** the model may call (auto), must call (required), or must call this one tool */
  mode: 'auto' | 'required' | 'named';
  name?: string;
  parallel: boolean;
}

/** The tools of a request and how they may be used; undefined when none may be called. */
export function toolUseOf(request: object): ToolUse | undefined {
  const body = request as Record<string, unknown>;
  const functions = body.functions;
  if (Array.isArray(functions) && functions.length > 0) {
    // OpenAI's deprecated form of the same thing: functions are tools, function_call is tool_choice
    if (body.tools !== undefined && body.tools !== null) throw invalidRequest('give tools or the deprecated functions, not both', 'invalid_value', 'functions');
    functions.forEach((f, i) => {
      if (typeof (f as { name?: unknown })?.name !== 'string') throw invalidRequest(`functions[${i}] needs a name`, 'invalid_value', `functions[${i}]`);
    });
    const fc = body.function_call;
    const choice = fc === undefined || fc === null || fc === 'auto' || fc === 'none' ? (fc ?? 'auto') : { type: 'function', function: { name: (fc as { name?: unknown }).name } };
    const use = toolUseOf({ tools: functions.map((f) => ({ type: 'function', function: f })), tool_choice: choice, parallel_tool_calls: false });
    return use && { ...use, legacy: true, parallel: false };
  }
  const raw = body.tools;
  if (raw === undefined || raw === null || (Array.isArray(raw) && raw.length === 0)) {
    const choice = body.tool_choice;
    if (choice !== undefined && choice !== null && choice !== 'none' && choice !== 'auto') throw invalidRequest('tool_choice needs tools', 'invalid_value', 'tool_choice');
    return undefined;
  }
  if (!Array.isArray(raw)) throw invalidRequest('tools must be an array', 'invalid_value', 'tools');
  const tools = raw.map((t, i): ChatTool => {
    const fn = (t as { type?: unknown; function?: { name?: unknown; description?: unknown; parameters?: unknown } })?.function;
    if ((t as { type?: unknown })?.type !== 'function' || !fn || typeof fn.name !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(fn.name)) {
      throw invalidRequest(`tools[${i}] must be {"type": "function", "function": {"name": <letters, digits, _ . ->, ...}}`, 'invalid_value', `tools[${i}]`);
    }
    if (fn.parameters !== undefined && (typeof fn.parameters !== 'object' || fn.parameters === null || Array.isArray(fn.parameters))) {
      throw invalidRequest(`tools[${i}].function.parameters must be a JSON Schema object`, 'invalid_value', `tools[${i}].function.parameters`);
    }
    return { type: 'function', function: { name: fn.name, description: typeof fn.description === 'string' ? fn.description : undefined, parameters: fn.parameters as Record<string, unknown> | undefined } };
  });
  const names = new Set(tools.map((t) => t.function.name));
  if (names.size !== tools.length) throw invalidRequest('tools have duplicate names', 'invalid_value', 'tools');
  const parallel = body.parallel_tool_calls !== false;
  const choice = body.tool_choice ?? 'auto';
  if (choice === 'none') return undefined;
  if (choice === 'auto') return { tools, mode: 'auto', parallel };
  if (choice === 'required') return { tools, mode: 'required', parallel };
  const named = (choice as { type?: unknown; function?: { name?: unknown } }).function?.name;
  if ((choice as { type?: unknown }).type === 'function' && typeof named === 'string') {
    if (!names.has(named)) throw invalidRequest(`tool_choice names "${named}", which is not among the tools`, 'invalid_value', 'tool_choice');
    return { tools, mode: 'named', name: named, parallel: false };
  }
  throw invalidRequest('tool_choice must be "none", "auto", "required" or {"type": "function", "function": {"name": ...}}', 'invalid_value', 'tool_choice');
}

/** The grammar that forces the call(s), when the request demands one. */
export function toolGrammarOf(use: ToolUse | undefined): { spec: GrammarSpec; param: string } | undefined {
  if (!use || use.mode === 'auto') return undefined;
  return { spec: { type: 'json_schema', schema: toolCallSchema(use.tools, use.name, use.mode === 'required' && use.parallel) }, param: 'tools' };
}

export interface OpenAIToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** The assistant message of a finished turn: its calls (if any) taken out of the text. */
export function assistantTurn(text: string, use: ToolUse | undefined): { content: string | null; calls: OpenAIToolCall[] } {
  if (!use) return { content: text, calls: [] };
  const parsed = parseToolCalls(text, use.tools);
  const calls = (use.parallel ? parsed.calls : parsed.calls.slice(0, 1)).map((c) => ({
    id: `call_${randomBytes(12).toString('hex')}`,
    type: 'function' as const,
    function: { name: c.name, arguments: JSON.stringify(c.arguments) },
  }));
  return calls.length > 0 ? { content: parsed.content, calls } : { content: text, calls: [] };
}
