/**
 * A Hugging Face folder's description as GGUF metadata, for the GGUF files ix writes from folders
 * (`ix quantize --nested folder out.gguf`). The architecture keys are the converter's
 * (config-to-gguf.ts); the tokenizer travels whole, as the GGUF spec's `tokenizer.huggingface.json`
 * (the folder's tokenizer.json) beside ix's `ix.tokenizer.huggingface.config` (its
 * tokenizer_config.json), so the file tokenizes exactly as the folder does whatever its tokenizer
 * (rather than through a re-derivation of llama.cpp's `tokenizer.ggml.*` vocabulary, which needs
 * the converter's per-model pre-tokenizer table). The chat template is also stored where GGUF readers
 * look for it (`tokenizer.chat_template`).
 */
import { InvalidArgumentError, ModelFormatError } from '@ix/core';
import { ggufKeysFromConfig, type GGUFHeaderValues } from '../config/config-to-gguf.js';
import type { ModelFile, TokenizerSource } from '../model-file.js';
import { GGUFValueType } from './types.js';

export const HF_TOKENIZER_KEYS = { json: 'tokenizer.huggingface.json', config: 'ix.tokenizer.huggingface.config' } as const;

/** GGUF metadata describing a model opened from a Hugging Face folder. */
export function ggufHeaderFromHF(file: ModelFile): GGUFHeaderValues {
  if (file.format !== 'safetensors') throw new InvalidArgumentError(`${file.path} is ${file.format}, not a Hugging Face folder`);
  const { metadata, types } = ggufKeysFromConfig(file.config);
  const put = (key: string, value: unknown, type: GGUFValueType) => {
    metadata[key] = value;
    types[key] = type;
  };
  // the folder's name (no Node API here: this module also bundles for browsers)
  const name = file.path.replace(/[\\/]+$/, '').split(/[\\/]/).pop();
  if (name) put('general.name', name, GGUFValueType.STRING);
  const src = file.tokenizerSource;
  if (src && src.kind !== 'hf') {
    throw new InvalidArgumentError(`${file.path}: its tokenizer (${src.kind === 'xlm-roberta' ? 'sentencepiece.bpe.model' : src.kind}) cannot be stored in a GGUF by ix yet; convert the folder with llama.cpp's convert_hf_to_gguf.py first`);
  }
  if (src) {
    put(HF_TOKENIZER_KEYS.json, JSON.stringify(src.tokenizerJson), GGUFValueType.STRING);
    if (src.tokenizerConfig) put(HF_TOKENIZER_KEYS.config, JSON.stringify(src.tokenizerConfig), GGUFValueType.STRING);
    for (const [name, template] of chatTemplates(src.tokenizerConfig?.['chat_template'])) {
      put(name === 'default' ? 'tokenizer.chat_template' : `tokenizer.chat_template.${name}`, template, GGUFValueType.STRING);
    }
  }
  // a Qwen3-Reranker's ranking template (the folder's ModelFile makes it as the converter does)
  const rerank = file.metadata['tokenizer.chat_template.rerank'];
  if (typeof rerank === 'string') put('tokenizer.chat_template.rerank', rerank, GGUFValueType.STRING);
  return { metadata, types };
}

/** tokenizer_config.json's chat_template: one string, or a list of {name, template} */
function chatTemplates(v: unknown): [string, string][] {
  if (typeof v === 'string') return [['default', v]];
  if (!Array.isArray(v)) return [];
  return v.filter((e): e is { name: string; template: string } => typeof e?.name === 'string' && typeof e?.template === 'string').map((e) => [e.name, e.template]);
}

/** The tokenizer a GGUF carries: llama.cpp's `tokenizer.ggml.*` vocabulary, else a stored tokenizer.json. */
export function ggufTokenizerSource(metadata: Record<string, unknown>, file: string): TokenizerSource | undefined {
  if (metadata['tokenizer.ggml.model'] !== undefined) return { kind: 'gguf', metadata: metadata as Extract<TokenizerSource, { kind: 'gguf' }>['metadata'] };
  const json = metadata[HF_TOKENIZER_KEYS.json];
  if (json === undefined) return undefined;
  const tokenizerJson = jsonObject(json, HF_TOKENIZER_KEYS.json, file);
  const config = metadata[HF_TOKENIZER_KEYS.config];
  return { kind: 'hf', tokenizerJson, ...(config !== undefined && { tokenizerConfig: jsonObject(config, HF_TOKENIZER_KEYS.config, file) }) };
}

function jsonObject(v: unknown, key: string, file: string): Record<string, unknown> {
  if (typeof v !== 'string') throw new ModelFormatError(file, `${key} must be a string holding JSON`);
  let value: unknown;
  try {
    value = JSON.parse(v);
  } catch (e) {
    throw new ModelFormatError(file, `${key} is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ModelFormatError(file, `${key} is not a JSON object`);
  return value as Record<string, unknown>;
}
