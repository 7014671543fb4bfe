/**
 * safetensors writer: tensors in the given order, contiguous, header JSON padded with spaces to a
 * multiple of 8 bytes (as the reference implementation does). Data is streamed tensor by tensor.
 */
import { InvalidArgumentError, ShapeError } from '@ix/core';
import type { ByteSink } from '../sink.js';
import { tensorBytes, type TensorDType } from '../tensor-entry.js';

export interface SafetensorsTensorInput {
  name: string;
  shape: readonly number[];
  /** F64, F32, F16, BF16, I64, I32, I16, I8 or U8 (same names in the file) */
  dtype: TensorDType;
  data: Uint8Array | (() => Promise<Uint8Array>);
}

const WRITABLE = new Set<TensorDType>(['F64', 'F32', 'F16', 'BF16', 'I64', 'I32', 'I16', 'I8', 'U8']);

/** Write a safetensors file to `sink` and close it; returns the bytes written. */
export async function writeSafetensors(sink: ByteSink, tensors: readonly SafetensorsTensorInput[], metadata?: Record<string, string>): Promise<number> {
  try {
    const header: Record<string, unknown> = {};
    if (metadata && Object.keys(metadata).length) header['__metadata__'] = metadata;
    const names = new Set<string>(['__metadata__']);
    let offset = 0;
    const sizes = tensors.map((t) => {
      if (!WRITABLE.has(t.dtype)) throw new InvalidArgumentError(`tensor "${t.name}": safetensors cannot hold ${t.dtype}`);
      if (names.has(t.name)) throw new InvalidArgumentError(`duplicate or reserved tensor name "${t.name}"`);
      const bytes = tensorBytes(t.shape, t.dtype);
      if (typeof bytes === 'string') throw new ShapeError(`tensor "${t.name}": ${bytes}`);
      names.add(t.name);
      header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
      offset += bytes;
      return bytes;
    });
    let json = JSON.stringify(header);
    const jsonBytes = new TextEncoder().encode(json).byteLength;
    json += ' '.repeat((8 - (jsonBytes % 8)) % 8);
    const body = new TextEncoder().encode(json);
    const prefix = new Uint8Array(8);
    new DataView(prefix.buffer).setBigUint64(0, BigInt(body.byteLength), true);
    await sink.write(prefix);
    await sink.write(body);
    for (const [i, t] of tensors.entries()) {
      const data = typeof t.data === 'function' ? await t.data() : t.data;
      if (data.byteLength !== sizes[i]) throw new ShapeError(`tensor "${t.name}" needs ${sizes[i]} bytes, got ${data.byteLength}`);
      await sink.write(data);
    }
    return sink.position;
  } finally {
    await sink.close();
  }
}
