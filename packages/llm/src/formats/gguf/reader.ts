/**
 * GGUF reader (versions 2 and 3, little-endian): header, metadata, tensor infos. Tensor data is
 * not read; each tensor becomes a TensorEntry pointing into the file. Layout (gguf.h):
 * magic "GGUF", u32 version, u64 tensor count, u64 kv count, kv pairs (string key, u32 type,
 * value), tensor infos (string name, u32 n_dims, u64 ne[n_dims], u32 ggml type, u64 offset),
 * padding to `general.alignment`, tensor data.
 */
import { dtypeInfo, type DTypeName } from '@ix/core';
import { ByteCursor } from '../cursor.js';
import type { ByteSource } from '../source.js';
import { storedTensor, tensorBytes, type TensorEntry } from '../tensor-entry.js';
import {
  GGUF_DEFAULT_ALIGNMENT,
  GGUF_MAGIC,
  GGUFValueType,
  SCALAR_BYTES,
  TYPED_ARRAYS,
  type GGUFMetadata,
  type GGUFTypeTag,
  type GGUFValue,
} from './types.js';

/** ggml GGML_MAX_DIMS */
const MAX_DIMS = 4;
/** nested arrays deeper than this are hostile (each level costs only 12 bytes) */
const MAX_ARRAY_DEPTH = 8;

export interface GGUFTensorInfo {
  name: string;
  /** row-major (ggml ne reversed) */
  shape: number[];
  dtype: DTypeName;
  /** relative to the data section */
  relativeOffset: number;
  byteLength: number;
}

export interface GGUFHeader {
  version: number;
  metadata: GGUFMetadata;
  /** the stored type of every key, so files can be re-written exactly */
  types: Record<string, GGUFTypeTag>;
  tensorInfos: GGUFTensorInfo[];
  alignment: number;
  /** absolute offset of the tensor data section */
  dataOffset: number;
}

export interface GGUFFile extends GGUFHeader {
  source: ByteSource;
  tensors: TensorEntry[];
}

/** Whether the first 4 bytes are the GGUF magic. */
export function isGGUFMagic(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true) === GGUF_MAGIC;
}

/** Parse one GGUF file: header plus tensors validated against the file size. */
export async function readGGUF(source: ByteSource): Promise<GGUFFile> {
  const header = await readGGUFHeader(source);
  return { ...header, source, tensors: ggufTensors(source, header) };
}

export async function readGGUFHeader(source: ByteSource): Promise<GGUFHeader> {
  const c = new ByteCursor(source);
  await c.need(24, 'GGUF header');
  if (c.u32() !== GGUF_MAGIC) c.fail('not a GGUF file (bad magic)');
  const version = c.u32();
  if (version === 1) c.fail('GGUF version 1 is not supported (re-convert the model with a current llama.cpp)');
  if (version !== 2 && version !== 3) {
    const swapped = ((version & 0xff) << 24) | ((version & 0xff00) << 8) | ((version >>> 8) & 0xff00) | (version >>> 24);
    if (swapped === 2 || swapped === 3) c.fail('big-endian GGUF files are not supported');
    c.fail(`unsupported GGUF version ${version}`);
  }
  // a tensor info takes at least 24 bytes, a kv pair at least 13
  const nTensors = c.checkCount(c.u64(), 24, 'tensor count');
  const nKV = c.checkCount(c.u64(), 13, 'metadata count');

  const metadata: GGUFMetadata = Object.create(null);
  const types: Record<string, GGUFTypeTag> = Object.create(null);
  for (let i = 0; i < nKV; i++) {
    const key = await readString(c, `metadata key #${i}`);
    if (key in metadata) c.fail(`duplicate metadata key "${key}"`);
    await c.need(4, `type of "${key}"`);
    const type = c.u32();
    const { value, tag } = await readValue(c, type, key, 0);
    metadata[key] = value;
    types[key] = tag;
  }

  const alignment = readAlignment(c, metadata);
  const tensorInfos: GGUFTensorInfo[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < nTensors; i++) {
    const info = await readTensorInfo(c, i);
    if (seen.has(info.name)) c.fail(`duplicate tensor name "${info.name}"`);
    seen.add(info.name);
    if (info.relativeOffset % alignment !== 0) c.fail(`tensor "${info.name}" offset ${info.relativeOffset} is not a multiple of the alignment ${alignment}`);
    tensorInfos.push(info);
  }
  const dataOffset = Math.ceil(c.offset / alignment) * alignment;
  if (nTensors > 0 && dataOffset > source.size) c.fail(`tensor data section starts at ${dataOffset}, beyond the end of the file`);
  return { version, metadata, types, tensorInfos, alignment, dataOffset };
}

/** TensorEntries for the header's tensors; every tensor must lie inside the file. */
export function ggufTensors(source: ByteSource, header: GGUFHeader): TensorEntry[] {
  return header.tensorInfos.map((t) => {
    const offset = header.dataOffset + t.relativeOffset;
    if (offset + t.byteLength > source.size) {
      new ByteCursor(source).fail(`tensor "${t.name}" (${t.byteLength} bytes at ${offset}) extends beyond the end of the file (${source.size} bytes)`);
    }
    return storedTensor(source, t.name, t.shape, t.dtype, offset, t.byteLength);
  });
}

function readAlignment(c: ByteCursor, metadata: GGUFMetadata): number {
  const a = metadata['general.alignment'];
  if (a === undefined) return GGUF_DEFAULT_ALIGNMENT;
  if (typeof a !== 'number' || !Number.isInteger(a) || a <= 0 || (a & (a - 1)) !== 0) {
    c.fail(`general.alignment ${String(a)} is not a positive power of two`);
  }
  return a;
}

async function readString(c: ByteCursor, what: string): Promise<string> {
  if (!c.has(8)) await c.need(8, `${what} length`);
  const len = c.checkCount(c.u64(), 1, `${what} length`);
  if (!c.has(len)) await c.need(len, what);
  return c.text(len);
}

async function readTensorInfo(c: ByteCursor, i: number): Promise<GGUFTensorInfo> {
  const name = await readString(c, `tensor #${i} name`);
  await c.need(4, `tensor "${name}" dims`);
  const nDims = c.u32();
  if (nDims > MAX_DIMS) c.fail(`tensor "${name}" has ${nDims} dimensions (at most ${MAX_DIMS})`);
  await c.need(8 * nDims + 12, `tensor "${name}" info`);
  const ne: number[] = [];
  for (let d = 0; d < nDims; d++) {
    const v = c.i64();
    if (v < 0n || v > BigInt(Number.MAX_SAFE_INTEGER)) c.fail(`tensor "${name}" dimension ${d} is ${v}`);
    ne.push(Number(v));
  }
  const typeId = c.u32();
  let dtype: DTypeName;
  try {
    dtype = dtypeInfo(typeId).name;
  } catch {
    c.fail(`tensor "${name}" has unknown ggml type id ${typeId}`);
  }
  const rel = c.u64();
  if (rel > BigInt(c.source.size)) c.fail(`tensor "${name}" offset ${rel} is beyond the end of the file`);
  const shape = ne.reverse();
  const bytes = tensorBytes(shape, dtype);
  if (typeof bytes === 'string') c.fail(`tensor "${name}": ${bytes}`);
  return { name, shape, dtype, relativeOffset: Number(rel), byteLength: bytes };
}

async function readValue(c: ByteCursor, type: number, key: string, depth: number): Promise<{ value: GGUFValue; tag: GGUFTypeTag }> {
  if (type === GGUFValueType.STRING) return { value: await readString(c, `value of "${key}"`), tag: type };
  if (type === GGUFValueType.ARRAY) return readArray(c, key, depth + 1);
  const size = SCALAR_BYTES[type as GGUFValueType];
  if (size === undefined) c.fail(`metadata "${key}" has unknown value type ${type}`);
  if (!c.has(size)) await c.need(size, `value of "${key}"`);
  return { value: readScalar(c, type as GGUFValueType), tag: type as GGUFValueType };
}

function readScalar(c: ByteCursor, type: GGUFValueType): number | bigint | boolean {
  switch (type) {
    case GGUFValueType.UINT8:
      return c.u8();
    case GGUFValueType.INT8:
      return c.i8();
    case GGUFValueType.UINT16:
      return c.u16();
    case GGUFValueType.INT16:
      return c.i16();
    case GGUFValueType.UINT32:
      return c.u32();
    case GGUFValueType.INT32:
      return c.i32();
    case GGUFValueType.FLOAT32:
      return c.f32();
    case GGUFValueType.BOOL:
      return c.u8() !== 0;
    case GGUFValueType.UINT64:
      return c.u64();
    case GGUFValueType.INT64:
      return c.i64();
    case GGUFValueType.FLOAT64:
      return c.f64();
    default:
      return c.fail(`value type ${type} is not a scalar`);
  }
}

async function readArray(c: ByteCursor, key: string, depth: number): Promise<{ value: GGUFValue; tag: GGUFTypeTag }> {
  if (depth > MAX_ARRAY_DEPTH) c.fail(`metadata "${key}" nests arrays deeper than ${MAX_ARRAY_DEPTH}`);
  await c.need(12, `array header of "${key}"`);
  const type = c.u32();
  const rawCount = c.u64();
  if (type === GGUFValueType.STRING) {
    const n = c.checkCount(rawCount, 8, `array length of "${key}"`);
    const out: string[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = await readString(c, `"${key}"[${i}]`);
    return { value: out, tag: { array: type } };
  }
  if (type === GGUFValueType.ARRAY) {
    const n = c.checkCount(rawCount, 12, `array length of "${key}"`);
    const out: GGUFValue[] = [];
    let inner: GGUFTypeTag = GGUFValueType.UINT8;
    for (let i = 0; i < n; i++) {
      const v = await readArray(c, key, depth + 1);
      out.push(v.value);
      inner = v.tag;
    }
    return { value: out, tag: { array: inner } };
  }
  const size = SCALAR_BYTES[type as GGUFValueType];
  if (size === undefined) c.fail(`metadata "${key}" is an array of unknown value type ${type}`);
  const n = c.checkCount(rawCount, size, `array length of "${key}"`);
  await c.need(n * size, `"${key}" array data`);
  if (type === GGUFValueType.BOOL) return { value: Array.from(c.bytes(n), (b) => b !== 0), tag: { array: type } };
  const Ctor = TYPED_ARRAYS[type as keyof typeof TYPED_ARRAYS];
  // copy so the typed array is aligned and owns its memory
  const value = new Ctor(c.bytes(n * size).slice().buffer);
  return { value, tag: { array: type as GGUFValueType } };
}
