/**
 * Renders a conversation with the model's Jinja chat template, the way transformers'
 * apply_chat_template does: the template sees `messages`, `add_generation_prompt`, `tools`
 * (null when absent, so `tools is none` holds), `bos_token`, `eos_token` and any extra variables.
 */
import { Template } from '@huggingface/jinja';
import { ChatTemplateError } from './chat-errors.js';
import { installJinjaCompat } from './jinja-compat.js';

// jinja2's behaviour where the engine differs (jinja-compat.ts)
installJinjaCompat();

export interface ChatToolCall {
  id?: string;
  type: 'function';
  function: { name: string; arguments: string | Record<string, unknown> };
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool' | (string & {});
  /** text, or null for an assistant turn that only calls tools; some templates take content parts */
  content: string | null | ReadonlyArray<{ type: string; [key: string]: unknown }>;
  tool_calls?: readonly ChatToolCall[];
  tool_call_id?: string;
  name?: string;
  [key: string]: unknown;
}

/** A tool as JSON Schema, in the OpenAI / transformers shape. */
export interface ChatTool {
  type: 'function';
  function: { name: string; description?: string; parameters?: Record<string, unknown> };
}

export interface RenderChatOptions {
  /** end with the header of the assistant's next turn */
  addGenerationPrompt?: boolean;
  tools?: readonly ChatTool[];
  bosToken?: string;
  eosToken?: string;
  /** more template variables (e.g. unk_token, enable_thinking, date_string) */
  extra?: Record<string, unknown>;
}

const compiled = new Map<string, Template>();
const MAX_CACHED = 32;

export function renderChat(template: string, messages: readonly ChatMessage[], options: RenderChatOptions = {}): string {
  if (typeof template !== 'string') throw new ChatTemplateError('chat template must be a string');
  if (!Array.isArray(messages)) throw new ChatTemplateError('messages must be an array');
  const context: Record<string, unknown> = {
    ...options.extra,
    messages,
    add_generation_prompt: options.addGenerationPrompt ?? false,
    tools: options.tools ?? null,
    bos_token: options.bosToken ?? '',
    eos_token: options.eosToken ?? '',
  };
  try {
    return compile(template).render(context);
  } catch (cause) {
    throw new ChatTemplateError(`chat template failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

function compile(template: string): Template {
  let t = compiled.get(template);
  if (!t) {
    t = new Template(template);
    if (compiled.size >= MAX_CACHED) compiled.delete(compiled.keys().next().value!);
    compiled.set(template, t);
  }
  return t;
}
