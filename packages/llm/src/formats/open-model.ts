/**
 * openModel: one entry point for every model file ix reads. The format is detected from the
 * content: GGUF magic, an "ak42" or legacy llama2.c header, a safetensors header, or a folder
 * holding config.json and safetensors files.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { canQuantize, type DTypeName, InvalidArgumentError, isDTypeName, ModelFormatError } from '@ix/core';
import { configFromGGUF } from './config/gguf-config.js';
import { ggufTokenizerSource } from './gguf/hf-header.js';
import { isGGUFMagic } from './gguf/reader.js';
import { openGGUF } from './gguf/split.js';
import { LLAMA2C_MAGIC, readLlama2cCheckpoint } from './llama2c/checkpoint.js';
import { readLlama2cTokenizer } from './llama2c/tokenizer.js';
import type { ModelFile, TokenizerSource } from './model-file.js';
import { FileSource } from './node-source.js';
import { byteSourceOf, type ByteSource, type ModelBytes } from './source.js';
import { openHFModel } from './safetensors/hf-model.js';
import type { TensorEntry } from './tensor-entry.js';
import { quantizeOnRead, shouldQuantize } from './transforms.js';

export interface OpenModelOptions {
  /** llama2.c: the tokenizer.bin to use (default: tokenizer.bin next to the checkpoint, if any) */
  tokenizerPath?: string;
  /** quantize float matrices to this type when they are read */
  quant?: DTypeName;
}

export async function openModel(input: string | ModelBytes, options: OpenModelOptions = {}): Promise<ModelFile> {
  if (options.quant !== undefined && (!isDTypeName(options.quant) || !canQuantize(options.quant))) {
    throw new InvalidArgumentError(`cannot quantize on load to ${JSON.stringify(options.quant)}`);
  }
  if (typeof input !== 'string') return openModelBytes(await byteSourceOf(input), options);
  const modelPath = input;
  const stat = await fs.stat(modelPath).catch((e: Error) => {
    throw new ModelFormatError(modelPath, `cannot open: ${e.message}`, { cause: e });
  });
  if (stat.isDirectory()) return openHFModel(modelPath, { quant: options.quant });

  const src = await FileSource.open(modelPath);
  let head: Uint8Array;
  try {
    head = await src.read(0, Math.min(9, src.size));
  } finally {
    await src.close();
  }
  let model: ModelFile;
  if (isGGUFMagic(head)) model = await openGGUFModel(modelPath);
  else if (looksLikeSafetensors(head) || modelPath.endsWith('.safetensors')) return openHFModel(modelPath, { quant: options.quant });
  else if (head.length >= 4 && new DataView(head.buffer, head.byteOffset).getUint32(0, true) === LLAMA2C_MAGIC) model = await openLlama2c(modelPath, options);
  else if (modelPath.endsWith('.bin')) model = await openLlama2c(modelPath, options);
  else throw new ModelFormatError(modelPath, 'unrecognised model format (expected GGUF, safetensors, a llama2.c .bin or a Hugging Face folder)');

  return quantized(model, options);
}

function quantized(model: ModelFile, options: OpenModelOptions): ModelFile {
  if (options.quant) {
    for (const [name, t] of model.tensors) if (shouldQuantize(t, options.quant)) model.tensors.set(name, quantizeOnRead(t, options.quant));
  }
  return model;
}

/**
 * A model from bytes rather than a path (a browser File, a fetch Response, an ArrayBuffer): one GGUF
 * file, read through `source` (no Node API on this path; nothing is mapped, so a backend gets the
 * weights uploaded).
 */
async function openModelBytes(source: ByteSource, options: OpenModelOptions): Promise<ModelFile> {
  if (!isGGUFMagic(await source.read(0, Math.min(4, source.size)))) {
    throw new ModelFormatError(source.name, 'from bytes ix reads GGUF files only (safetensors folders and llama2.c checkpoints need a path)');
  }
  const { shards, tensors } = await openGGUF(source.name, async (p) => {
    if (p === source.name) return source;
    throw new ModelFormatError(source.name, `a split GGUF (${p}) can only be opened from a path`);
  });
  const metadata = shards[0]!.metadata;
  const tokenizerSource = ggufTokenizerSource(metadata, source.name);
  const map = tensorMap(tensors, source.name);
  return quantized(
    {
      format: 'gguf',
      path: source.name,
      config: configFromGGUF(metadata, map, source.name),
      metadata,
      metadataTypes: shards[0]!.types,
      tensors: map,
      tokenizerSource,
      close: async () => void (await source.close?.()),
    },
    options,
  );
}

/** u64 header length, then the JSON object's "{" */
function looksLikeSafetensors(head: Uint8Array): boolean {
  return head.length >= 9 && head[8] === 0x7b && new DataView(head.buffer, head.byteOffset).getBigUint64(0, true) < 100_000_000n;
}

async function openGGUFModel(file: string): Promise<ModelFile> {
  const { shards, tensors } = await openGGUF(file, (p) => FileSource.open(p));
  const first = shards[0]!;
  const close = async () => void (await Promise.all(shards.map((s) => s.source.close?.())));
  try {
    const map = tensorMap(tensors, file);
    const metadata = first.metadata;
    const tokenizerSource = ggufTokenizerSource(metadata, file);
    return {
      format: 'gguf',
      path: file,
      config: configFromGGUF(metadata, map, file),
      metadata,
      metadataTypes: first.types,
      tensors: map,
      tokenizerSource,
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}

async function openLlama2c(file: string, options: OpenModelOptions): Promise<ModelFile> {
  const src = await FileSource.open(file);
  try {
    const { header, config, tensors } = await readLlama2cCheckpoint(src);
    const tokPath = options.tokenizerPath ?? (await existing(path.join(path.dirname(file), 'tokenizer.bin')));
    let tokenizerSource: TokenizerSource | undefined;
    if (tokPath) {
      const tokSrc = await FileSource.open(tokPath);
      try {
        tokenizerSource = { kind: 'llama2c', ...(await readLlama2cTokenizer(tokSrc, config.vocabSize)) };
      } finally {
        await tokSrc.close();
      }
    }
    return {
      format: 'llama2c',
      path: file,
      config,
      metadata: { ...header },
      tensors: tensorMap(tensors, file),
      tokenizerSource,
      close: () => src.close(),
    };
  } catch (e) {
    await src.close();
    throw e;
  }
}

async function existing(file: string): Promise<string | undefined> {
  return (await fs.stat(file).catch(() => undefined))?.isFile() ? file : undefined;
}

function tensorMap(tensors: readonly TensorEntry[], file: string): Map<string, TensorEntry> {
  const map = new Map<string, TensorEntry>();
  for (const t of tensors) {
    if (map.has(t.name)) throw new ModelFormatError(file, `duplicate tensor name "${t.name}"`);
    map.set(t.name, t);
  }
  return map;
}
