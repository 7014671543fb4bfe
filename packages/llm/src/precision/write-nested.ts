/**
 * `ix quantize --nested`: a float GGUF (F32, F16, BF16 weights) or Hugging Face safetensors folder
 * written as a nested GGUF (nested-format.ts; a folder's config and tokenizer as hf-header.ts
 * stores them). Decoder matrices become base + residual; the other matrices whose rows are
 * whole 32-blocks (embeddings, output, routers, experts) Q8_0; vectors and the rest keep their type.
 * Tensors are read, quantized and written one at a time, so a big model never sits in memory whole.
 */
import { availableParallelism } from 'node:os';
import { dequantize, type DTypeName, InvalidArgumentError, ModelFormatError, type NestedBlocks, quantizeNested } from '@ix/core';
import { GGUFValueType, ggufHeaderFromHF, openModel, type GGUFTensorInput, type GGUFTypeTag, type TensorEntry } from '../formats/index.js';
import { NestedPool } from './nested-pool.js';
import { writeGGUFFile } from './write-file.js';
import { isNestedMatrix, NESTED_KEYS, NESTED_LEVELS, NESTED_VERSION, RESIDUAL_SUFFIX } from './nested-format.js';

const FLOAT_TYPES: readonly string[] = ['F32', 'F16', 'BF16'];
/** general.file_type of the 4-bit level (llama.cpp's LLAMA_FTYPE_MOSTLY_Q4_0) */
const FTYPE_MOSTLY_Q4_0 = 2;

export interface NestedQuantizeOptions {
  /** called after each tensor is written: tensors done, all tensors, that tensor's name */
  onProgress?: (done: number, total: number, name: string) => void;
  /**
   * write the matrices that would be nested as this one plain type instead (everything else as a
   * nested file has it): the uniform files that nested precision is compared with
   */
  plain?: DTypeName;
  /** worker threads quantizing matrices at once (default: the machine's; the file is the same bytes for any count) */
  threads?: number;
}

export interface NestedQuantizeSummary {
  /** matrices stored nested (base + residual) */
  nested: number;
  /** other matrices quantized to Q8_0 */
  q8: number;
  /** tensors kept in their type (vectors, rows that are not whole 32-blocks) */
  kept: number;
  /** bytes written */
  bytes: number;
  /** threads that quantized (1: in this thread) */
  threads: number;
}

/** Write `source` (a GGUF or Hugging Face folder with float weights) to `target` as a nested model. */
export async function writeNestedModel(source: string, target: string, options: NestedQuantizeOptions = {}): Promise<NestedQuantizeSummary> {
  const file = await openModel(source);
  let pool: NestedPool | undefined;
  try {
    if (file.format === 'llama2c') {
      throw new InvalidArgumentError(`nested quantization reads GGUF files and Hugging Face safetensors folders; ${source} is a llama2.c checkpoint`);
    }
    if (file.metadata[NESTED_KEYS.version] !== undefined) throw new InvalidArgumentError(`${source} is nested already`);
    const summary = { nested: 0, q8: 0, kept: 0, bytes: 0, threads: 1 };
    const tensors: GGUFTensorInput[] = [];
    const entries = [...file.tensors.values()].map((entry) => {
      // convert_hf_to_gguf squeezes every tensor (Qwen2-MoE's [1, H] shared-expert gate is stored as [H])
      const shape = file.format === 'safetensors' ? squeezed(entry.shape) : entry.shape;
      return { ...entry, shape };
    });
    // a folder's config and tokenizer become GGUF metadata (the tensors have GGUF names already)
    const header = file.format === 'gguf' ? { metadata: file.metadata, types: file.metadataTypes ?? {} } : ggufHeaderFromHF(file);
    const { metadata, types } = nestedHeader(header.metadata, header.types, options.plain === undefined);
    const quantizer = new AheadQuantizer(entries.filter((e) => isNestedMatrix(e.name, e.shape) && FLOAT_TYPES.includes(e.dtype)));
    for (const entry of entries) tensors.push(...plan(entry, source, summary, quantizer, options.plain));
    // the input is sound: now the workers
    pool = options.plain ? undefined : NestedPool.create(options.threads ?? availableParallelism());
    quantizer.pool = pool;
    summary.threads = pool?.size ?? 1;
    let done = 0;
    const counted = tensors.map((t) => ({
      ...t,
      data: async () => {
        const data = await (t.data as () => Promise<Float32Array | Uint8Array>)();
        options.onProgress?.(++done, tensors.length, t.name);
        return data;
      },
    }));
    summary.bytes = await writeGGUFFile(target, { metadata, types, tensors: counted });
    return summary;
  } finally {
    await pool?.close();
    await file.close();
  }
}

/**
 * The nested matrices' quantization, started ahead of the writer (which asks for tensors in file
 * order) so that every worker is busy: at most two jobs per worker, and 1 GiB of floats, in flight.
 */
class AheadQuantizer {
  /** started and not yet taken, with the bytes of floats each holds */
  private readonly jobs = new Map<string, { result: Promise<NestedBlocks>; bytes: number }>();
  private next = 0;
  private inFlight = 0;

  /** set before the first take(); none: quantize in this thread */
  pool: NestedPool | undefined;

  constructor(private readonly order: TensorEntry[]) {}

  /** base and residual of the matrix `entry` (asked for in file order) */
  async take(entry: TensorEntry): Promise<NestedBlocks> {
    if (!this.pool) return quantizeNested(await floats(entry));
    this.fill();
    // asked in file order, fill() has started it
    const job = this.jobs.get(entry.name) ?? this.start(entry);
    try {
      return await job.result;
    } finally {
      this.jobs.delete(entry.name);
      this.inFlight -= job.bytes;
      this.fill();
    }
  }

  private fill(): void {
    const limit = 2 * this.pool!.size;
    while (this.next < this.order.length && this.jobs.size < limit && (this.jobs.size === 0 || this.inFlight < 2 ** 30)) this.start(this.order[this.next++]!);
  }

  private start(entry: TensorEntry): { result: Promise<NestedBlocks>; bytes: number } {
    const job = { result: floats(entry).then((x) => this.pool!.quantize(x)), bytes: 4 * entry.shape.reduce((a, b) => a * b, 1) };
    job.result.catch(() => {}); // awaited by take(); a failure there ends the write
    this.inFlight += job.bytes;
    this.jobs.set(entry.name, job);
    return job;
  }
}

/** The tensors one source tensor becomes. */
function plan(entry: TensorEntry, source: string, summary: { nested: number; q8: number; kept: number }, quantizer: AheadQuantizer, plain?: DTypeName): GGUFTensorInput[] {
  const { name, shape } = entry;
  const isFloat = FLOAT_TYPES.includes(entry.dtype);
  if (isNestedMatrix(name, shape)) {
    if (!isFloat) throw new ModelFormatError(source, `"${name}" is ${entry.dtype}: nested quantization needs float weights (F32, F16 or BF16), since re-quantizing quantized weights adds their error to its own`);
    summary.nested++;
    if (plain) return [{ name, shape, dtype: plain, data: () => floats(entry) }];
    // the base is computed first (the writer asks in order); its residual waits for the next call
    let residual: Promise<Uint8Array> | undefined;
    const nested = async () => {
      const { base, residual: r } = await quantizer.take(entry);
      residual = Promise.resolve(r);
      return base;
    };
    return [
      { name, shape, dtype: 'Q4_0', data: nested },
      { name: name + RESIDUAL_SUFFIX, shape, dtype: 'Q4_0', data: () => residual ?? Promise.reject(new Error(`${name}: residual asked before its base`)) },
    ];
  }
  if (isFloat && shape.length >= 2 && shape[shape.length - 1]! % 32 === 0) {
    summary.q8++;
    return [{ name, shape, dtype: 'Q8_0', data: () => floats(entry) }];
  }
  if (entry.dtype === 'U8') throw new ModelFormatError(source, `tensor ${name} holds raw U8 data`);
  summary.kept++;
  // vectors (norms, biases) in f32, as llama.cpp's converter and quantizer keep them
  if (isFloat && shape.length === 1 && entry.dtype !== 'F32') return [{ name, shape, dtype: 'F32', data: () => floats(entry) }];
  return [{ name, shape, dtype: entry.dtype as DTypeName, data: () => entry.read() }];
}

function squeezed(shape: readonly number[]): number[] {
  const kept = shape.filter((d) => d !== 1);
  return kept.length ? kept : [1];
}

async function floats(entry: TensorEntry): Promise<Float32Array> {
  const count = entry.shape.reduce((a, b) => a * b, 1);
  return dequantize(entry.dtype as DTypeName, await entry.read(), count);
}

/** The source's metadata for one file (split keys dropped), marked nested. */
function nestedHeader(source: Record<string, unknown>, sourceTypes: Record<string, GGUFTypeTag>, nested: boolean): { metadata: Record<string, unknown>; types: Record<string, GGUFTypeTag> } {
  const metadata: Record<string, unknown> = {};
  const types: Record<string, GGUFTypeTag> = {};
  for (const [k, v] of Object.entries(source)) {
    if (k.startsWith('split.')) continue;
    metadata[k] = v;
    if (sourceTypes[k] !== undefined) types[k] = sourceTypes[k]!;
  }
  if (!nested) return { metadata, types };
  metadata['general.file_type'] = FTYPE_MOSTLY_Q4_0;
  types['general.file_type'] = GGUFValueType.UINT32;
  metadata[NESTED_KEYS.version] = NESTED_VERSION;
  types[NESTED_KEYS.version] = GGUFValueType.UINT32;
  metadata[NESTED_KEYS.levels] = [...NESTED_LEVELS];
  types[NESTED_KEYS.levels] = { array: GGUFValueType.UINT32 };
  return { metadata, types };
}
