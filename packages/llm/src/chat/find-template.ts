/**
 * Where chat templates live: GGUF metadata `tokenizer.chat_template` (named variants as
 * `tokenizer.chat_template.<name>`), or tokenizer_config.json `chat_template`, which is a string
 * or a list of {name, template}.
 */
import { ChatTemplateError, ChatTemplateMissingError } from './chat-errors.js';

export function chatTemplateFromGGUF(metadata: Record<string, unknown>, name?: string): string | undefined {
  const v = metadata[name ? `tokenizer.chat_template.${name}` : 'tokenizer.chat_template'];
  return typeof v === 'string' ? v : undefined;
}

/**
 * `name` picks one of several templates; without it transformers' rule applies: "tool_use" when
 * tools are given and such a template exists, else "default".
 */
export function chatTemplateFromConfig(config: Record<string, unknown>, name?: string, withTools = false): string | undefined {
  const v = config.chat_template;
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return name === undefined || name === 'default' ? v : undefined;
  if (!Array.isArray(v)) throw new ChatTemplateError('tokenizer_config.json chat_template must be a string or a list of {name, template}');
  const named = new Map<string, string>();
  for (const entry of v) {
    if (!entry || typeof entry.name !== 'string' || typeof entry.template !== 'string') {
      throw new ChatTemplateError('tokenizer_config.json chat_template list entries need string "name" and "template"');
    }
    named.set(entry.name, entry.template);
  }
  if (name !== undefined) return named.get(name);
  return (withTools ? named.get('tool_use') : undefined) ?? named.get('default');
}

export interface ChatTemplateSources {
  /** an explicit template wins over the model's */
  template?: string;
  ggufMetadata?: Record<string, unknown>;
  tokenizerConfig?: Record<string, unknown>;
  name?: string;
  withTools?: boolean;
  /** for the error message */
  model?: string;
}

/** The template to use, or ChatTemplateMissingError. */
export function resolveChatTemplate(s: ChatTemplateSources): string {
  const found =
    s.template ??
    (s.ggufMetadata ? chatTemplateFromGGUF(s.ggufMetadata, s.name) : undefined) ??
    (s.tokenizerConfig ? chatTemplateFromConfig(s.tokenizerConfig, s.name, s.withTools) : undefined);
  if (found === undefined) throw new ChatTemplateMissingError(s.model ?? 'the model');
  return found;
}
