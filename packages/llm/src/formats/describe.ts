/** describeModel: plain data about an opened model, for `ix info`. */
import { safeElementCount } from './tensor-entry.js';
import { NESTED_KEYS, RESIDUAL_SUFFIX } from './gguf/nested-keys.js';
import type { ModelFile, TokenizerSource } from './model-file.js';
import type { ModelConfig } from '../model-config.js';

export interface ModelDescription {
  format: ModelFile['format'];
  path: string;
  architecture: string;
  /** elements of all tensors, counting a tensor stored once under two names once */
  parameterCount: number;
  tensorCount: number;
  /** mixture-of-experts models: experts per layer, how many a token uses, and the parameters a token reads (the rest, and its share of the experts) */
  experts?: number;
  expertsPerToken?: number;
  activeParameterCount?: number;
  /** per dtype: how many tensors and how many bytes, largest first */
  tensorTypes: { dtype: string; count: number; bytes: number }[];
  totalBytes: number;
  contextLength: number;
  tokenizer: TokenizerSource['kind'] | 'none';
  hasChatTemplate: boolean;
  /** nested models (ix quantize --nested): the levels it can be read at and how many matrices are nested */
  nested?: { levels: number[]; matrices: number };
  config: ModelConfig;
}

export function describeModel(model: ModelFile): ModelDescription {
  const seen = new Set<string>();
  const types = new Map<string, { dtype: string; count: number; bytes: number }>();
  let parameterCount = 0;
  let expertParameters = 0;
  let totalBytes = 0;
  let residuals = 0;
  for (const t of model.tensors.values()) {
    const where = t.file !== undefined ? `${t.file}@${t.offset}` : undefined;
    if (where !== undefined && seen.has(where)) continue;
    if (where !== undefined) seen.add(where);
    // a nested matrix's residual refines its parameters, it adds none
    if (t.name.endsWith(RESIDUAL_SUFFIX)) residuals++;
    else parameterCount += safeElementCount(t.shape) ?? 0;
    // the stacked expert tensors (*_exps), as llama.cpp names them and a folder's reader stacks them
    if (/_exps\.weight$/.test(t.name)) expertParameters += safeElementCount(t.shape) ?? 0;
    totalBytes += t.byteLength;
    const entry = types.get(t.dtype) ?? { dtype: t.dtype, count: 0, bytes: 0 };
    entry.count++;
    entry.bytes += t.byteLength;
    types.set(t.dtype, entry);
  }
  const { nExperts, nExpertsUsed } = model.config;
  const moe = nExperts > 0 && nExpertsUsed > 0 && expertParameters > 0;
  return {
    format: model.format,
    path: model.path,
    architecture: model.config.architecture,
    parameterCount,
    ...(moe && {
      experts: nExperts,
      expertsPerToken: nExpertsUsed,
      activeParameterCount: Math.round(parameterCount - expertParameters * (1 - nExpertsUsed / nExperts)),
    }),
    tensorCount: model.tensors.size,
    tensorTypes: [...types.values()].sort((a, b) => b.bytes - a.bytes),
    totalBytes,
    contextLength: model.config.contextLength,
    tokenizer: model.tokenizerSource?.kind ?? 'none',
    hasChatTemplate: hasChatTemplate(model),
    ...(model.metadata[NESTED_KEYS.version] !== undefined && { nested: { levels: Array.from((model.metadata[NESTED_KEYS.levels] as ArrayLike<number> | undefined) ?? [], Number), matrices: residuals } }),
    config: model.config,
  };
}

function hasChatTemplate(model: ModelFile): boolean {
  const src = model.tokenizerSource;
  if (model.format === 'gguf') return typeof model.metadata['tokenizer.chat_template'] === 'string';
  if (src?.kind === 'hf') {
    const t = src.tokenizerConfig?.['chat_template'];
    return typeof t === 'string' || (Array.isArray(t) && t.length > 0);
  }
  return false;
}
