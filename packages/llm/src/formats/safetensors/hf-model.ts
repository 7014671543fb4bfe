/**
 * openHFModel: a Hugging Face model folder (config.json + safetensors) as a ModelFile with
 * llama.cpp tensor names and layouts, so it yields the same tensors convert_hf_to_gguf would
 * write: llama q/k rows permuted, MoE experts merged, Llama 3 rope_freqs generated.
 */
import path from 'node:path';
import fs from 'node:fs/promises';
import { canQuantize, type DTypeName, InvalidArgumentError, isDTypeName, ModelFormatError } from '@ix/core';
import type { ModelConfig } from '../../model-config.js';
import { configFromHF, llama3RopeFreqs, poolingFromSentenceTransformers } from '../config/hf-config.js';
import { readJsonObject } from '../json-file.js';
import type { ModelFile, TokenizerSource } from '../model-file.js';
import { FileSource } from '../node-source.js';
import type { ByteSource } from '../source.js';
import type { TensorEntry } from '../tensor-entry.js';
import { openSafetensorsFolder } from './folder.js';
import { mapHFTensorName } from './hf-names.js';
import { readSafetensors } from './reader.js';
import { dropRows, mergeExperts, permuteQK, quantizeOnRead, shiftValues, shouldQuantize, transposed } from '../transforms.js';
import { gptOssExpertTensors, isGptOssExpertPart } from './gpt-oss.js';
import { isQwen3Reranker, QWEN3_RERANK_TEMPLATE, qwen3RerankerHead } from './qwen3-reranker.js';

export interface OpenHFOptions {
  /** quantize float matrices to this type when they are read (e.g. 'Q8_0') */
  quant?: DTypeName;
}

/** `target` is a model folder, or one .safetensors file whose folder holds config.json. */
export async function openHFModel(target: string, options: OpenHFOptions = {}): Promise<ModelFile> {
  if (options.quant !== undefined && (!isDTypeName(options.quant) || !canQuantize(options.quant))) {
    throw new InvalidArgumentError(`cannot quantize on load to ${JSON.stringify(options.quant)}`);
  }
  const isFile = (await fs.stat(target).catch(() => undefined))?.isFile() ?? false;
  const dir = isFile ? path.dirname(target) : target;
  const configPath = path.join(dir, 'config.json');
  const configJson = await readJsonObject(configPath);
  if (!configJson) throw new ModelFormatError(configPath, 'missing: a safetensors model needs its config.json');
  const config = configFromHF(configJson, configPath, await sentenceTransformersPooling(dir));
  const reranker = await isQwen3Reranker(dir, config, configJson);
  if (reranker) config.pooling = 'rank';

  const { sources, tensors: hfTensors } = isFile ? await openSingleFile(target) : await openSafetensorsFolder(dir);
  try {
    const tensors = internalTensors(hfTensors, config, dir);
    const dense = await denseModules(dir, sources);
    // their vectors would be wrong without them: refused where the graph has no place for them
    if (dense.length && config.architecture !== 'gemma-embedding') throw new ModelFormatError(path.join(dir, 'modules.json'), `sentence-transformers Dense modules are supported for EmbeddingGemma only (this is ${config.architecture})`);
    for (const t of dense) tensors.set(t.name, t);
    // the widths llama.cpp needs beside the Dense tensors (convert_hf_to_gguf writes them so)
    for (const t of dense) if (t.name.endsWith('.weight')) Object.assign(config.extra, { [`${config.architecture}.${t.name.slice(0, 7)}_feat_in`]: t.shape[1], [`${config.architecture}.${t.name.slice(0, 7)}_feat_out`]: t.shape[0] });
    const tokenizerConfig = await readJsonObject(path.join(dir, 'tokenizer_config.json'));
    const tokenizerSource = (await xlmRobertaTokenizer(dir, config)) ?? (await hfTokenizer(dir, tokenizerConfig));
    if (reranker) qwen3RerankerHead(tensors, config, vocabOf(tokenizerSource, dir), dir);
    if (options.quant) {
      for (const [name, t] of tensors) if (shouldQuantize(t, options.quant)) tensors.set(name, quantizeOnRead(t, options.quant));
    }
    const metadata: Record<string, unknown> = { 'config.json': configJson };
    const generation = await readJsonObject(path.join(dir, 'generation_config.json'));
    if (generation) metadata['generation_config.json'] = generation;
    if (tokenizerConfig) metadata['tokenizer_config.json'] = tokenizerConfig;
    // the key a converted GGUF holds it under
    if (reranker) metadata['tokenizer.chat_template.rerank'] = QWEN3_RERANK_TEMPLATE;
    return {
      format: 'safetensors',
      path: target,
      config,
      metadata,
      tensors,
      tokenizerSource,
      close: async () => void (await Promise.all(sources.map((s) => s.close?.()))),
    };
  } catch (e) {
    await Promise.all(sources.map((s) => s.close?.()));
    throw e;
  }
}

async function openSingleFile(file: string): Promise<{ sources: ByteSource[]; tensors: Map<string, TensorEntry> }> {
  const src = await FileSource.open(file);
  try {
    const { tensors } = await readSafetensors(src);
    return { sources: [src], tensors: new Map(tensors.map((t) => [t.name, t])) };
  } catch (e) {
    await src.close();
    throw e;
  }
}

/** Rename to llama.cpp names and apply convert_hf_to_gguf's layout changes. */
export function internalTensors(hfTensors: ReadonlyMap<string, TensorEntry>, config: ModelConfig, dir: string): Map<string, TensorEntry> {
  const out = new Map<string, TensorEntry>();
  const experts = new Map<string, (TensorEntry | undefined)[]>();
  const add = (t: TensorEntry) => {
    if (out.has(t.name)) throw new ModelFormatError(dir, `two tensors map to "${t.name}"`);
    out.set(t.name, t);
  };
  // convert_hf_to_gguf permutes q/k for LlamaModel and its subclasses (Llama, Mistral, Mixtral, Granite) only
  const permute = config.architecture === 'llama' || config.architecture === 'granite';
  // Gemma's RMS norms multiply by 1 + weight; convert_hf_to_gguf stores 1 + weight (Gemma2Model,
  // Gemma3Model; Gemma 3n's norms multiply by the weight itself)
  const normShift = config.architecture.startsWith('gemma') && config.architecture !== 'gemma3n' ? 1 : 0;
  // lists the converter stacks into one 3-D tensor (Gemma 3n's AltUp projections)
  const stacks = new Map<string, (TensorEntry | undefined)[]>();
  // gpt-oss keeps each layer's experts as fused gate/up and down tensors (MXFP4 blocks or plain)
  const gptOss = config.architecture === 'gpt-oss';
  if (gptOss) for (const t of gptOssExpertTensors(hfTensors, config, dir)) add(t);
  for (const [hfName, entry] of hfTensors) {
    if (gptOss && isGptOssExpertPart(hfName)) continue;
    const m = mapHFTensorName(hfName, config.architecture);
    if (m.kind === 'skip') continue;
    if (m.kind === 'stacked') {
      const slots = stacks.get(m.name) ?? [];
      slots[m.index] = entry;
      stacks.set(m.name, slots);
      continue;
    }
    if (m.kind === 'expert') {
      if (m.expert >= config.nExperts) throw new ModelFormatError(entry.file ?? dir, `"${hfName}": expert ${m.expert} but the config has ${config.nExperts}`);
      const slots = experts.get(m.name) ?? new Array<TensorEntry | undefined>(config.nExperts).fill(undefined);
      slots[m.expert] = entry;
      experts.set(m.name, slots);
      continue;
    }
    let t: TensorEntry = { ...entry, name: m.name };
    if (permute && /\.attn_q\.(weight|bias)$/.test(m.name)) t = permuteQK(t, config.nHeads);
    else if (permute && /\.attn_k\.(weight|bias)$/.test(m.name)) t = permuteQK(t, config.nKVHeads);
    if (normShift && /norm\.weight$/.test(m.name)) t = shiftValues(t, normShift);
    // GPT-2's Conv1D layers store [in, out]: convert_hf_to_gguf transposes them
    if (config.architecture === 'gpt2' && /\.(attn_qkv|attn_output|ffn_up|ffn_down)\.weight$/.test(m.name)) t = transposed(t);
    if (config.hf?.positionOffset && m.name === 'position_embd.weight') t = dropRows(t, config.hf.positionOffset);
    add(t);
  }
  for (const [name, slots] of experts) add(mergeExperts(name, slots, dir));
  for (const [name, slots] of stacks) add(mergeExperts(name, Array.from(slots), dir));
  const scaling = config.ropeScaling;
  if (scaling?.type === 'longrope' && scaling.longFactors && scaling.shortFactors) {
    // as convert_hf_to_gguf's Phi3MiniModel writes them
    for (const [name, factors] of [['rope_factors_long.weight', scaling.longFactors], ['rope_factors_short.weight', scaling.shortFactors]] as const) {
      const bytes = new Uint8Array(Float32Array.from(factors).buffer);
      add({ name, shape: [factors.length], dtype: 'F32', byteLength: bytes.byteLength, read: async () => bytes.slice() });
    }
  }
  const freqs = llama3RopeFreqs(config);
  if (freqs) {
    const bytes = new Uint8Array(freqs.buffer);
    add({ name: 'rope_freqs.weight', shape: [freqs.length], dtype: 'F32', byteLength: bytes.byteLength, read: async () => bytes.slice() });
  }
  return out;
}

/**
 * sentence-transformers' Dense modules (modules.json; EmbeddingGemma's 2_Dense and 3_Dense) as
 * llama.cpp names them: the module at 2_Dense is dense_2, another dense_3 (convert_hf_to_gguf's
 * --sentence-transformers-dense-modules). Only identity activations: that is what llama.cpp runs.
 */
async function denseModules(dir: string, sources: ByteSource[]): Promise<TensorEntry[]> {
  const modulesPath = path.join(dir, 'modules.json');
  const raw = await fs.readFile(modulesPath, 'utf8').catch(() => undefined);
  if (raw === undefined) return [];
  let modules: unknown;
  try {
    modules = JSON.parse(raw);
  } catch (e) {
    throw new ModelFormatError(modulesPath, `is not JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(modules)) throw new ModelFormatError(modulesPath, 'is not a list of modules');
  const dense = modules.filter((m): m is { path: string; type: string } => typeof m?.type === 'string' && m.type.endsWith('Dense') && typeof m.path === 'string');
  if (dense.length > 2) throw new ModelFormatError(modulesPath, `${dense.length} Dense modules: at most two (dense_2, dense_3) are supported`);
  const out: TensorEntry[] = [];
  for (const m of dense) {
    const prefix = m.path === '2_Dense' ? 'dense_2' : 'dense_3';
    const where = path.join(dir, m.path);
    const conf = await readJsonObject(path.join(where, 'config.json'));
    const act = conf?.['activation_function'];
    if (act !== undefined && act !== 'torch.nn.modules.linear.Identity') throw new ModelFormatError(path.join(where, 'config.json'), `Dense activation ${JSON.stringify(act)} is not supported (identity only)`);
    const file = path.join(where, 'model.safetensors');
    const src = await FileSource.open(file).catch(() => {
      throw new ModelFormatError(file, 'missing: the Dense module listed in modules.json needs its model.safetensors');
    });
    sources.push(src);
    const { tensors } = await readSafetensors(src);
    for (const t of tensors) {
      const part = /^linear\.(weight|bias)$/.exec(t.name);
      if (!part) throw new ModelFormatError(file, `unexpected tensor "${t.name}" in a Dense module (linear.weight, linear.bias)`);
      out.push({ ...t, name: `${prefix}.${part[1]}` });
    }
  }
  return out;
}

async function sentenceTransformersPooling(dir: string) {
  const pooling = await readJsonObject(path.join(dir, '1_Pooling', 'config.json'));
  return pooling ? poolingFromSentenceTransformers(pooling) : undefined;
}

/** piece -> id of a tokenizer.json (model vocabulary and added tokens) */
function vocabOf(src: TokenizerSource | undefined, dir: string): Map<string, number> {
  if (src?.kind !== 'hf') throw new ModelFormatError(dir, 'a Qwen3-Reranker folder needs its tokenizer.json');
  const vocab = new Map<string, number>();
  const model = src.tokenizerJson['model'] as { vocab?: unknown } | undefined;
  if (model?.vocab && typeof model.vocab === 'object' && !Array.isArray(model.vocab)) for (const [p, id] of Object.entries(model.vocab)) if (typeof id === 'number') vocab.set(p, id);
  const added = src.tokenizerJson['added_tokens'];
  for (const t of Array.isArray(added) ? (added as { content?: unknown; id?: unknown }[]) : []) if (typeof t?.content === 'string' && typeof t.id === 'number') vocab.set(t.content, t.id);
  return vocab;
}

/**
 * An XLM-RoBERTa folder's sentencepiece.bpe.model, which convert_hf_to_gguf prefers to its
 * tokenizer.json (so the folder tokenizes as the GGUF made of it)
 */
async function xlmRobertaTokenizer(dir: string, config: ModelConfig): Promise<TokenizerSource | undefined> {
  if (config.hf?.modelType !== 'xlm-roberta') return undefined;
  const bytes = await fs.readFile(path.join(dir, 'sentencepiece.bpe.model')).catch(() => undefined);
  return bytes && { kind: 'xlm-roberta', sentencePieceModel: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
}

async function hfTokenizer(dir: string, tokenizerConfig: Record<string, unknown> | undefined): Promise<TokenizerSource | undefined> {
  const tokenizerJson = await readJsonObject(path.join(dir, 'tokenizer.json'));
  if (!tokenizerJson) return undefined;
  // newer transformers save the template as chat_template.jinja instead of inside tokenizer_config.json
  const template = await fs.readFile(path.join(dir, 'chat_template.jinja'), 'utf8').catch(() => undefined);
  if (template !== undefined && tokenizerConfig?.['chat_template'] === undefined) tokenizerConfig = { ...tokenizerConfig, chat_template: template };
  return { kind: 'hf', tokenizerJson, ...(tokenizerConfig && { tokenizerConfig }) };
}
