/**
 * Tensors whose bytes are computed on read() from stored tensors: llama Q/K row permutation,
 * merged MoE experts, quantize-on-load, fused matrices split. Most have no file/offset (nothing to
 * map directly); a row slice of a stored tensor keeps them.
 */
import { dequantize, dtypeInfo, type DTypeName, ModelFormatError, quantize } from '@ix/core';
import { safeElementCount, tensorBytes, type TensorEntry } from './tensor-entry.js';

function computed(from: TensorEntry, patch: Partial<TensorEntry> & Pick<TensorEntry, 'read'>): TensorEntry {
  const { file: _file, offset: _offset, ...rest } = from;
  return { ...rest, ...patch };
}

/**
 * convert_hf_to_gguf's LlamaModel.permute: rows reshaped (nHead, 2, headDim/2) and the last two
 * axes swapped, turning HF's rotate-half layout into llama.cpp's adjacent-pair layout.
 * Works on whole rows, so any dtype (and 1-D biases, one element per row) is fine.
 */
export function permuteQK(entry: TensorEntry, nHead: number): TensorEntry {
  const rows = entry.shape[0] ?? 0;
  if (!nHead || rows % (nHead * 2) !== 0) {
    throw new ModelFormatError(entry.file ?? entry.name, `cannot permute "${entry.name}" [${entry.shape.join(', ')}] for ${nHead} heads`);
  }
  const half = rows / nHead / 2;
  const rowBytes = entry.byteLength / rows;
  return computed(entry, {
    read: async () => {
      const src = await entry.read();
      const out = new Uint8Array(src.byteLength);
      for (let h = 0; h < nHead; h++) {
        for (let i = 0; i < half; i++) {
          for (let j = 0; j < 2; j++) {
            const from = h * 2 * half + j * half + i;
            const to = h * 2 * half + i * 2 + j;
            out.set(src.subarray(from * rowBytes, (from + 1) * rowBytes), to * rowBytes);
          }
        }
      }
      return out;
    },
  });
}

/**
 * A fused matrix (or vector) split into named row ranges, in order (Phi-3's and GPT-2's fused QKV,
 * Phi-3's gate+up): the parts must cover it exactly. Rows are contiguous bytes, so the slices of a
 * stored tensor stay mappable; where the bytes are read (or computed, as a transposed folder
 * tensor is), that happens once for all the parts.
 */
export function splitRows(entry: TensorEntry, parts: readonly (readonly [name: string, rows: number])[]): TensorEntry[] {
  const total = parts.reduce((n, [, rows]) => n + rows, 0);
  if (entry.shape[0] !== total) {
    const expected = parts.map(([name, rows]) => `${rows} for ${name}`).join(', ');
    throw new ModelFormatError(entry.file ?? entry.name, `"${entry.name}" [${entry.shape.join(', ')}] has ${entry.shape[0]} rows, expected ${total} (${expected})`);
  }
  const shared = readShared(entry, parts.length);
  let first = 0;
  return parts.map(([name, rows]) => {
    const slice = rowSlice(shared, name, first, rows);
    first += rows;
    return slice;
  });
}

/** entry whose bytes are read once for its first `readers` reads (later reads read again) */
function readShared(entry: TensorEntry, readers: number): TensorEntry {
  let pending: Promise<Uint8Array> | undefined;
  let left = readers;
  return {
    ...entry,
    read: () => {
      if (left <= 0) return entry.read();
      pending ??= entry.read();
      const bytes = pending;
      if (--left === 0) pending = undefined;
      return bytes;
    },
  };
}

/** Rows `ids` of a matrix, in that order, as a tensor of its own (a reranker's yes/no rows of an LM head). */
export function rowsById(entry: TensorEntry, ids: readonly number[], name: string): TensorEntry {
  const total = entry.shape[0] ?? 0;
  const rowBytes = entry.byteLength / total;
  if (!Number.isInteger(rowBytes) || ids.some((id) => !Number.isInteger(id) || id < 0 || id >= total)) {
    throw new ModelFormatError(entry.file ?? entry.name, `cannot take rows ${ids.join(', ')} of "${entry.name}" ${entry.dtype} [${entry.shape.join(', ')}]`);
  }
  return {
    name,
    shape: [ids.length, ...entry.shape.slice(1)],
    dtype: entry.dtype,
    byteLength: ids.length * rowBytes,
    read: async () => {
      const all = await entry.read();
      const out = new Uint8Array(ids.length * rowBytes);
      ids.forEach((id, i) => out.set(all.subarray(id * rowBytes, (id + 1) * rowBytes), i * rowBytes));
      return out;
    },
  };
}

/** The matrix without its first `rows` rows (RoBERTa's position table, as convert_hf_to_gguf cuts it). */
export function dropRows(entry: TensorEntry, rows: number): TensorEntry {
  return rowSlice(entry, entry.name, rows, (entry.shape[0] ?? 0) - rows);
}

/** Rows [first, first + rows) of a matrix (elements of a vector) as a tensor of its own. */
function rowSlice(entry: TensorEntry, name: string, first: number, rows: number): TensorEntry {
  const total = entry.shape[0] ?? 0;
  const rowBytes = entry.byteLength / total;
  if (first < 0 || rows <= 0 || first + rows > total || !Number.isInteger(rowBytes)) {
    throw new ModelFormatError(entry.file ?? entry.name, `cannot take rows ${first}..${first + rows - 1} of "${entry.name}" ${entry.dtype} [${entry.shape.join(', ')}]`);
  }
  const [from, to] = [first * rowBytes, (first + rows) * rowBytes];
  return {
    name,
    shape: [rows, ...entry.shape.slice(1)],
    dtype: entry.dtype,
    byteLength: to - from,
    ...(entry.file !== undefined && entry.offset !== undefined && { file: entry.file, offset: entry.offset + from }),
    read: async () => (await entry.read()).slice(from, to),
  };
}

/** A matrix of a plain type (F32, F16, BF16) transposed: [a, b] -> [b, a] (GPT-2's Conv1D weights). */
export function transposed(entry: TensorEntry): TensorEntry {
  const size = { F32: 4, F16: 2, BF16: 2 }[entry.dtype as string];
  if (entry.shape.length !== 2 || size === undefined) {
    throw new ModelFormatError(entry.file ?? entry.name, `cannot transpose "${entry.name}" ${entry.dtype} [${entry.shape.join(', ')}]: F32, F16 or BF16 matrices only`);
  }
  const [rows, cols] = entry.shape as [number, number];
  return computed(entry, {
    shape: [cols, rows],
    read: async () => {
      let src = await entry.read();
      if (src.byteOffset % size !== 0) src = src.slice();
      const n = rows * cols;
      const [from, to] = size === 4 ? [new Uint32Array(src.buffer as ArrayBuffer, src.byteOffset, n), new Uint32Array(n)] : [new Uint16Array(src.buffer as ArrayBuffer, src.byteOffset, n), new Uint16Array(n)];
      for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) to[c * rows + r] = from[r * cols + c]!;
      return new Uint8Array(to.buffer);
    },
  });
}

/** A vector with `by` added to every value, as F32 (convert_hf_to_gguf's Gemma norm weights: 1 + w). */
export function shiftValues(entry: TensorEntry, by: number): TensorEntry {
  const count = safeElementCount(entry.shape);
  if (count === undefined || entry.shape.length !== 1) throw new ModelFormatError(entry.file ?? entry.name, `cannot shift "${entry.name}" [${entry.shape.join(', ')}]: not a vector`);
  return computed(entry, {
    dtype: 'F32',
    byteLength: count * 4,
    read: async () => {
      const v = dequantize(entry.dtype, await entry.read(), count);
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = v[i]! + by;
      return new Uint8Array(out.buffer);
    },
  });
}

/** Stack per-expert matrices into one [nExperts, ...] tensor (convert_hf_to_gguf's *_exps). */
export function mergeExperts(name: string, experts: (TensorEntry | undefined)[], file: string): TensorEntry {
  const first = experts[0];
  experts.forEach((e, i) => {
    if (!e) throw new ModelFormatError(file, `expert ${i} of "${name}" is missing`);
    if (e.dtype !== first!.dtype || e.shape.join() !== first!.shape.join()) {
      throw new ModelFormatError(file, `expert ${i} of "${name}" differs in shape or dtype from expert 0`);
    }
  });
  const parts = experts as TensorEntry[];
  const each = first!.byteLength;
  return {
    name,
    shape: [parts.length, ...first!.shape],
    dtype: first!.dtype,
    byteLength: each * parts.length,
    read: async () => {
      const out = new Uint8Array(each * parts.length);
      for (const [i, e] of parts.entries()) out.set(await e.read(), i * each);
      return out;
    },
  };
}

/** Whether quantize-on-load applies: float matrices with whole-block rows, except MoE routers. */
export function shouldQuantize(entry: TensorEntry, target: DTypeName): boolean {
  if (!['F32', 'F16', 'BF16'].includes(entry.dtype) || entry.dtype === target || entry.shape.length < 2) return false;
  if (entry.name.endsWith('ffn_gate_inp.weight')) return false;
  return entry.shape[entry.shape.length - 1]! % dtypeInfo(target).blockSize === 0;
}

export function quantizeOnRead(entry: TensorEntry, target: DTypeName): TensorEntry {
  const bytes = tensorBytes(entry.shape, target);
  if (typeof bytes === 'string') throw new ModelFormatError(entry.file ?? entry.name, bytes);
  const count = safeElementCount(entry.shape)!;
  return computed(entry, {
    dtype: target,
    byteLength: bytes,
    read: async () => quantize(target, dequantize(entry.dtype as DTypeName, await entry.read(), count)),
  });
}
