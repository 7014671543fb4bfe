/**
 * safetensors reader: u64 little-endian header length N, N bytes of JSON
 * `{ name: { dtype, shape, data_offsets: [begin, end] }, __metadata__?: { string: string } }`,
 * then the data; offsets are relative to the end of the header. Everything is validated against
 * the file size before use.
 */
import { ModelFormatError } from '@ix/core';
import type { ByteSource } from '../source.js';
import { storedTensor, tensorBytes, type TensorDType, type TensorEntry } from '../tensor-entry.js';

/** The upper bound the reference implementation puts on the JSON header. */
const MAX_HEADER_BYTES = 100_000_000;

/** safetensors dtype -> ix dtype (formats ix cannot compute with are refused) */
export const SAFETENSORS_DTYPES: Record<string, TensorDType> = {
  F64: 'F64',
  F32: 'F32',
  F16: 'F16',
  BF16: 'BF16',
  I64: 'I64',
  I32: 'I32',
  I16: 'I16',
  I8: 'I8',
  U8: 'U8',
};

export interface SafetensorsFile {
  source: ByteSource;
  /** the free-form `__metadata__` string map */
  metadata: Record<string, string>;
  /** under their names in the file */
  tensors: TensorEntry[];
}

export async function readSafetensors(source: ByteSource): Promise<SafetensorsFile> {
  const fail = (problem: string): never => {
    throw new ModelFormatError(source.name, problem);
  };
  if (source.size < 8) fail(`too small for a safetensors file (${source.size} bytes)`);
  const lenBytes = await source.read(0, 8);
  const headerLen = new DataView(lenBytes.buffer, lenBytes.byteOffset, 8).getBigUint64(0, true);
  if (headerLen > BigInt(Math.min(MAX_HEADER_BYTES, source.size - 8))) {
    fail(`header length ${headerLen} exceeds the file size (${source.size} bytes) or the ${MAX_HEADER_BYTES}-byte limit`);
  }
  const n = Number(headerLen);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(await source.read(8, n)));
  } catch (e) {
    if (e instanceof ModelFormatError) throw e;
    fail(`header is not valid UTF-8 JSON: ${(e as Error).message}`);
  }
  if (!isPlainObject(header)) fail('header is not a JSON object');
  const dataStart = 8 + n;
  const dataSize = source.size - dataStart;

  const metadata: Record<string, string> = Object.create(null);
  const tensors: TensorEntry[] = [];
  const ranges: [number, number, string][] = [];
  for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (!isPlainObject(value)) fail('__metadata__ is not an object');
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`__metadata__.${k} is not a string`);
        metadata[k] = v as string;
      }
      continue;
    }
    const t = parseEntry(name, value, dataSize, fail);
    ranges.push([t.begin, t.end, name]);
    tensors.push(storedTensor(source, name, t.shape, t.dtype, dataStart + t.begin, t.end - t.begin));
  }
  ranges.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < ranges.length; i++) {
    if (ranges[i]![0] < ranges[i - 1]![1]) fail(`tensors "${ranges[i - 1]![2]}" and "${ranges[i]![2]}" overlap`);
  }
  return { source, metadata, tensors };
}

function parseEntry(name: string, value: unknown, dataSize: number, fail: (p: string) => never) {
  if (!isPlainObject(value)) fail(`entry "${name}" is not an object`);
  const { dtype: rawType, shape, data_offsets: offsets } = value as Record<string, unknown>;
  const dtype = typeof rawType === 'string' ? SAFETENSORS_DTYPES[rawType] : undefined;
  if (!dtype) fail(`tensor "${name}" has unsupported dtype ${JSON.stringify(rawType)} (${Object.keys(SAFETENSORS_DTYPES).join(', ')})`);
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) fail(`tensor "${name}" has an invalid shape`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
    fail(`tensor "${name}" has invalid data_offsets`);
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end || end > dataSize) fail(`tensor "${name}" data [${begin}, ${end}) lies outside the ${dataSize} data bytes`);
  const bytes = tensorBytes(shape as number[], dtype!);
  if (typeof bytes === 'string') fail(`tensor "${name}": ${bytes}`);
  if (bytes !== end - begin) fail(`tensor "${name}" [${(shape as number[]).join(', ')}] ${rawType} needs ${bytes} bytes, data_offsets give ${end - begin}`);
  return { shape: shape as number[], dtype: dtype!, begin, end };
}

function isPlainObject(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
