/**
 * GGUF v3 writer. The header is built in memory (metadata and tensor infos are small); tensor
 * data is streamed to the sink one tensor at a time, so a big model never sits in memory whole.
 * Tensor data may be raw bytes in the tensor's dtype, or float32 values encoded with quantize().
 */
import { dtypeInfo, type DTypeName, InvalidArgumentError, quantize, ShapeError } from '@ix/core';
import type { ByteSink } from '../sink.js';
import { tensorBytes } from '../tensor-entry.js';
import { ByteBuilder, encodeValue, inferTag } from './encode-metadata.js';
import { GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, GGUFValueType, type GGUFTypeTag } from './types.js';

export type GGUFTensorData = Uint8Array | Float32Array;

export interface GGUFTensorInput {
  name: string;
  /** row-major shape (written as ggml ne, reversed) */
  shape: readonly number[];
  dtype: DTypeName;
  /**
   * Raw bytes in `dtype`, or float32 values (quantized to `dtype` when it is not F32), or a
   * function producing either when the tensor is written (so callers can stream from disk).
   */
  data: GGUFTensorData | (() => Promise<GGUFTensorData>);
}

export interface GGUFWriteOptions {
  metadata: Record<string, unknown>;
  /** explicit GGUF types for keys whose JavaScript type is ambiguous (e.g. UINT32 vs INT32) */
  types?: Record<string, GGUFTypeTag>;
  tensors: readonly GGUFTensorInput[];
  /** tensor data alignment; defaults to metadata general.alignment, else 32 */
  alignment?: number;
}

/** Write a complete GGUF file to `sink` and close it. Returns the number of bytes written. */
export async function writeGGUF(sink: ByteSink, options: GGUFWriteOptions): Promise<number> {
  try {
    const { header, layout, alignment } = buildHeader(options);
    await sink.write(header);
    for (const [i, t] of options.tensors.entries()) {
      const bytes = await tensorData(t, layout[i]!.byteLength);
      await sink.write(bytes);
      const pad = padding(bytes.byteLength, alignment);
      if (pad) await sink.write(new Uint8Array(pad));
    }
    return sink.position;
  } finally {
    await sink.close();
  }
}

function buildHeader(options: GGUFWriteOptions) {
  const metadata = { ...options.metadata };
  const types: Record<string, GGUFTypeTag> = { ...options.types };
  const alignment = options.alignment ?? (metadata['general.alignment'] as number | undefined) ?? GGUF_DEFAULT_ALIGNMENT;
  if (!Number.isInteger(alignment) || alignment <= 0 || (alignment & (alignment - 1)) !== 0) {
    throw new InvalidArgumentError(`GGUF alignment ${alignment} is not a positive power of two`);
  }
  if (alignment !== GGUF_DEFAULT_ALIGNMENT || metadata['general.alignment'] !== undefined) {
    metadata['general.alignment'] = alignment;
    types['general.alignment'] = GGUFValueType.UINT32;
  }

  const out = new ByteBuilder();
  out.u32(GGUF_MAGIC);
  out.u32(3);
  out.u64(BigInt(options.tensors.length));
  const keys = Object.keys(metadata);
  out.u64(BigInt(keys.length));
  for (const key of keys) {
    out.string(key);
    encodeValue(out, metadata[key], types[key] ?? inferTag(metadata[key], key), key);
  }

  const names = new Set<string>();
  let offset = 0;
  const layout = options.tensors.map((t) => {
    if (names.has(t.name)) throw new InvalidArgumentError(`duplicate tensor name "${t.name}"`);
    names.add(t.name);
    if (t.shape.length > 4) throw new ShapeError(`tensor "${t.name}": GGUF allows at most 4 dimensions, got ${t.shape.length}`);
    const byteLength = tensorBytes(t.shape, t.dtype);
    if (typeof byteLength === 'string') throw new ShapeError(`tensor "${t.name}": ${byteLength}`);
    out.string(t.name);
    out.u32(t.shape.length);
    for (let d = t.shape.length - 1; d >= 0; d--) out.u64(BigInt(t.shape[d]!));
    out.u32(dtypeInfo(t.dtype).id);
    out.u64(BigInt(offset));
    const entry = { offset, byteLength };
    offset += byteLength + padding(byteLength, alignment);
    return entry;
  });
  out.zeros(padding(out.length, alignment));
  return { header: out.result(), layout, alignment };
}

async function tensorData(t: GGUFTensorInput, byteLength: number): Promise<Uint8Array> {
  const data = typeof t.data === 'function' ? await t.data() : t.data;
  let bytes: Uint8Array;
  if (data instanceof Float32Array) {
    bytes = t.dtype === 'F32' ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : quantize(t.dtype, data);
  } else if (data instanceof Uint8Array) {
    bytes = data;
  } else {
    throw new InvalidArgumentError(`tensor "${t.name}": data must be a Uint8Array or Float32Array`);
  }
  if (bytes.byteLength !== byteLength) {
    throw new ShapeError(`tensor "${t.name}" [${t.shape.join(', ')}] ${t.dtype} needs ${byteLength} bytes, got ${bytes.byteLength}`);
  }
  return bytes;
}

function padding(n: number, alignment: number): number {
  return (alignment - (n % alignment)) % alignment;
}
