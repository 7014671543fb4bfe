/** What every format reader returns per tensor: a description plus a lazy read of its bytes. */
import { dtypeInfo, type DTypeName } from '@ix/core';
import type { ByteSource } from './source.js';

/** ix dtypes, plus U8 which only safetensors files hold (raw unsigned bytes). */
export type TensorDType = DTypeName | 'U8';

export interface TensorEntry {
  /** internal (GGUF-style) name, e.g. "blk.0.attn_q.weight" */
  readonly name: string;
  /** row-major shape: the last dimension is contiguous (ggml ne reversed) */
  readonly shape: readonly number[];
  readonly dtype: TensorDType;
  /** bytes read() returns */
  readonly byteLength: number;
  /**
   * The file holding exactly read()'s bytes at absolute byte `offset`, so a native backend can
   * map it directly (`file` only for sources on disk: bytes in memory or a Blob have an offset
   * but nothing to map). Both are absent when read() transforms stored data (Q/K row
   * permutation, quantize-on-load, merged MoE experts).
   */
  readonly file?: string;
  readonly offset?: number;
  read(): Promise<Uint8Array>;
}

/** A tensor stored verbatim in `source` at `offset`. */
export function storedTensor(
  source: ByteSource,
  name: string,
  shape: readonly number[],
  dtype: TensorDType,
  offset: number,
  byteLength: number,
): TensorEntry {
  // a file on disk may be mapped; bytes from memory or a Blob keep only their offset
  return { name, shape, dtype, byteLength, ...(source.path !== undefined ? { file: source.path } : {}), offset, read: () => source.read(offset, byteLength) };
}

/** Same data under another name (tied embeddings). */
export function aliasTensor(entry: TensorEntry, name: string): TensorEntry {
  return { ...entry, name };
}

/** Element count, or undefined when the product is not a safe integer (hostile shapes). */
export function safeElementCount(shape: readonly number[]): number | undefined {
  let n = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) return undefined;
    n *= d;
    if (!Number.isSafeInteger(n)) return undefined;
  }
  return n;
}

/**
 * Byte size of a tensor, or a problem description: rows must be whole blocks and the size must be
 * a safe integer.
 */
export function tensorBytes(shape: readonly number[], dtype: TensorDType): number | string {
  const count = safeElementCount(shape);
  if (count === undefined) return `shape [${shape.join(', ')}] has no safe element count`;
  if (dtype === 'U8') return count;
  const info = dtypeInfo(dtype);
  const row = shape.length ? shape[shape.length - 1]! : 1;
  if (row % info.blockSize !== 0) return `${dtype} rows must be a multiple of ${info.blockSize} elements, shape [${shape.join(', ')}]`;
  const bytes = (count / info.blockSize) * info.typeSize;
  return Number.isSafeInteger(bytes) ? bytes : `shape [${shape.join(', ')}] is too large`;
}
