/**
 * GGUF writer: files it writes must parse to the same values in node-llama-cpp's independent GGUF
 * parser and in ix's reader; tensors keep their bytes, quantized tensors decode close to their
 * source; split files written with llama.cpp's split keys open as one model.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { readGgufFileInfo } from 'node-llama-cpp';
import { afterAll, describe, expect, it } from 'vitest';
import { dequantize, InvalidArgumentError, ModelFormatError, ShapeError } from '@ix/core';
import { readGGUF } from '../src/formats/gguf/reader.js';
import { ggufSplitPath, openGGUF } from '../src/formats/gguf/split.js';
import { GGUFValueType } from '../src/formats/gguf/types.js';
import { writeGGUF, type GGUFTensorInput } from '../src/formats/gguf/writer.js';
import { FileSink, FileSource } from '../src/formats/node-source.js';
import { MemorySink } from '../src/formats/sink.js';
import { MemorySource } from '../src/formats/source.js';
import { randomValues } from '../../core/test/helpers/run-graph.js';
import { equalBytes, STORIES_GGUF, tempDir } from './fixtures/model-files.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

const METADATA = {
  'general.architecture': 'llama',
  'test.u8': 255,
  'test.i8': -128,
  'test.u16': 65535,
  'test.i16': -32768,
  'test.u32': 4294967295,
  'test.i32': -2147483648,
  'test.f32': 0.5,
  'test.f64': 0.1,
  'test.bool': false,
  'test.u64': 18446744073709551615n,
  'test.i64': -9223372036854775808n,
  'test.string': 'héllo ▁ 🦙',
  'test.strings': ['a', '', 'ünï'],
  'test.floats': Float32Array.of(1.5, -2, 3.25),
  'test.ints': [1, -2, 3],
  'test.bools': [true, false],
  'test.u64s': BigUint64Array.of(1n, 1n << 63n),
  'test.nested': [['x', 'y'], ['z']],
};
const TYPES = {
  'test.u8': GGUFValueType.UINT8,
  'test.i8': GGUFValueType.INT8,
  'test.u16': GGUFValueType.UINT16,
  'test.i16': GGUFValueType.INT16,
  'test.u32': GGUFValueType.UINT32,
  'test.f64': GGUFValueType.FLOAT64,
};

describe('metadata round trip', () => {
  it('ix reader returns every value with the requested or inferred type', async () => {
    const sink = new MemorySink();
    await writeGGUF(sink, { metadata: METADATA, types: TYPES, tensors: [] });
    const g = await readGGUF(new MemorySource('w.gguf', sink.bytes()));
    expect(g.metadata).toEqual({ ...METADATA, 'test.ints': Int32Array.of(1, -2, 3) });
    expect(g.types['test.i32']).toBe(GGUFValueType.INT32);
    expect(g.types['test.f32']).toBe(GGUFValueType.FLOAT32);
    expect(g.types['test.u64']).toBe(GGUFValueType.UINT64);
    expect(g.types['test.i64']).toBe(GGUFValueType.INT64);
    expect(g.types['test.nested']).toEqual({ array: { array: GGUFValueType.STRING } });
  });

  it('node-llama-cpp parses the same values', async () => {
    const file = path.join(tmp.dir, 'meta.gguf');
    await writeGGUF(await FileSink.create(file), { metadata: METADATA, types: TYPES, tensors: [] });
    const info = await readGgufFileInfo(file, { readTensorInfo: false });
    const test = (info.metadata as unknown as { test: Record<string, unknown> }).test;
    expect(test['u8']).toBe(255);
    expect(test['i16']).toBe(-32768);
    expect(test['u32']).toBe(4294967295);
    expect(test['f64']).toBe(0.1);
    expect(BigInt(test['u64'] as bigint)).toBe(18446744073709551615n);
    expect(BigInt(test['i64'] as bigint)).toBe(-9223372036854775808n);
    expect(test['string']).toBe('héllo ▁ 🦙');
    expect(test['strings']).toEqual(['a', '', 'ünï']);
    expect(test['floats']).toEqual([1.5, -2, 3.25]);
    expect(test['bools']).toEqual([true, false]);
    expect(test['nested']).toEqual([['x', 'y'], ['z']]);
  });

  it('rejects values that do not fit their type, and values with no GGUF type', async () => {
    const bad: { metadata: Record<string, unknown>; types: Record<string, GGUFValueType> }[] = [
      { metadata: { k: 256 }, types: { k: GGUFValueType.UINT8 } },
      { metadata: { k: -1 }, types: { k: GGUFValueType.UINT32 } },
      { metadata: { k: 1n << 64n }, types: {} },
      { metadata: { k: 'x' }, types: { k: GGUFValueType.INT32 } },
      { metadata: { k: { a: 1 } }, types: {} },
      { metadata: { k: [1, 'a'] }, types: {} },
    ];
    for (const b of bad) {
      await expect(writeGGUF(new MemorySink(), { ...b, tensors: [] })).rejects.toBeInstanceOf(InvalidArgumentError);
    }
  });
});

describe('tensors', () => {
  const f32 = randomValues(64 * 8, 7);
  const tensors: GGUFTensorInput[] = [
    { name: 'a.f32', shape: [8, 64], dtype: 'F32', data: f32 },
    { name: 'b.q8_0', shape: [8, 64], dtype: 'Q8_0', data: f32 },
    { name: 'c.raw_f16', shape: [3], dtype: 'F16', data: Uint8Array.of(0x00, 0x3c, 0x00, 0xc0, 0x00, 0x00) },
    { name: 'd.q4_k', shape: [2, 256], dtype: 'Q4_K', data: async () => randomValues(512, 9) },
    { name: 'e.i32', shape: [2, 2, 1, 1], dtype: 'I32', data: new Uint8Array(Int32Array.of(1, -1, 7, 9).buffer) },
  ];

  it('node-llama-cpp sees the shapes, types and aligned offsets; ix reads back the bytes', async () => {
    const file = path.join(tmp.dir, 'tensors.gguf');
    await writeGGUF(await FileSink.create(file), { metadata: { 'general.architecture': 'llama' }, tensors, alignment: 64 });
    const info = await readGgufFileInfo(file);
    const theirs = info.fullTensorInfo!;
    expect(theirs.map((t) => [t.name, t.dimensions.map(Number), t.ggmlType])).toEqual([
      ['a.f32', [64, 8], 0],
      ['b.q8_0', [64, 8], 8],
      ['c.raw_f16', [3], 1],
      ['d.q4_k', [256, 2], 12],
      ['e.i32', [1, 1, 2, 2], 26],
    ]);
    expect((info.metadata as unknown as { general: { alignment: number } }).general.alignment).toBe(64);

    const src = await FileSource.open(file);
    const g = await readGGUF(src);
    expect(g.alignment).toBe(64);
    for (const t of g.tensors) expect(t.offset! % 64).toBe(0);
    const byName = new Map(g.tensors.map((t) => [t.name, t]));
    expect(equalBytes(await byName.get('a.f32')!.read(), new Uint8Array(f32.buffer))).toBe(true);
    expect(Array.from(dequantize('F16', await byName.get('c.raw_f16')!.read(), 3))).toEqual([1, -2, 0]);
    // Q8_0 keeps each value within half a quantization step (max|block| / 127 / 2)
    const q8 = dequantize('Q8_0', await byName.get('b.q8_0')!.read(), 512);
    for (let i = 0; i < 512; i++) expect(Math.abs(q8[i]! - f32[i]!)).toBeLessThanOrEqual(1 / 127 / 2 + 1e-6);
    expect(new Int32Array((await byName.get('e.i32')!.read()).slice().buffer)).toEqual(Int32Array.of(1, -1, 7, 9));
    await src.close();
  });

  it('pulls lazy tensor data only while writing, in order', async () => {
    const calls: string[] = [];
    const lazy = (name: string, bytes: number): GGUFTensorInput => ({
      name,
      shape: [bytes / 4],
      dtype: 'F32',
      data: async () => (calls.push(name), new Float32Array(bytes / 4)),
    });
    const opts = { metadata: {}, tensors: [lazy('x', 8), lazy('y', 40)] };
    expect(calls).toEqual([]);
    const sink = new MemorySink();
    await writeGGUF(sink, opts);
    expect(calls).toEqual(['x', 'y']);
    const g = await readGGUF(new MemorySource('lazy.gguf', sink.bytes()));
    expect(g.tensors.map((t) => [t.name, t.offset! - g.dataOffset])).toEqual([['x', 0], ['y', 32]]);
  });

  it('rejects data of the wrong size, duplicate names and partial blocks', async () => {
    const w = (t: GGUFTensorInput[]) => writeGGUF(new MemorySink(), { metadata: {}, tensors: t });
    await expect(w([{ name: 't', shape: [4], dtype: 'F32', data: new Uint8Array(12) }])).rejects.toBeInstanceOf(ShapeError);
    await expect(w([{ name: 't', shape: [33], dtype: 'Q8_0', data: new Float32Array(33) }])).rejects.toBeInstanceOf(ShapeError);
    await expect(w([{ name: 't', shape: [1], dtype: 'F32', data: new Float32Array(1) }, { name: 't', shape: [1], dtype: 'F32', data: new Float32Array(1) }])).rejects.toBeInstanceOf(InvalidArgumentError);
  });
});

describe('re-writing stories260K.gguf', () => {
  it('reproduces the llama.cpp-written file byte for byte (sha256 from SOURCE.md)', async () => {
    const src = await FileSource.open(STORIES_GGUF);
    const g = await readGGUF(src);
    const sink = new MemorySink();
    await writeGGUF(sink, {
      metadata: g.metadata,
      types: g.types,
      tensors: g.tensors.map((t) => ({ name: t.name, shape: t.shape, dtype: 'F32', data: () => t.read() })),
    });
    await src.close();
    expect(createHash('sha256').update(sink.bytes()).digest('hex')).toBe('270cba1bd5109f42d03350f60406024560464db173c0e387d91f0426d3bd256d');
  });
});

describe('split GGUF', () => {
  it('stories260K re-written as 3 shards opens from shard 1 (or 2) with every tensor identical', async () => {
    const src = await FileSource.open(STORIES_GGUF);
    const orig = await readGGUF(src);
    const prefix = path.join(tmp.dir, 'stories');
    const parts = [orig.tensors.slice(0, 10), orig.tensors.slice(10, 30), orig.tensors.slice(30)];
    for (const [i, part] of parts.entries()) {
      const metadata = { ...(i === 0 ? orig.metadata : {}), 'split.no': i, 'split.count': 3, 'split.tensors.count': orig.tensors.length };
      const types = { ...(i === 0 ? orig.types : {}), 'split.no': GGUFValueType.UINT16, 'split.count': GGUFValueType.UINT16, 'split.tensors.count': GGUFValueType.INT32 };
      const tensors = part.map((t) => ({ name: t.name, shape: t.shape, dtype: t.dtype as 'F32', data: () => t.read() }));
      await writeGGUF(await FileSink.create(ggufSplitPath(prefix, i, 3)), { metadata, types, tensors });
    }
    for (const shard of [0, 1]) {
      const model = await openGGUF(ggufSplitPath(prefix, shard, 3), (p) => FileSource.open(p));
      expect(model.shards.length).toBe(3);
      expect(model.shards[0]!.metadata['general.architecture']).toBe('llama');
      expect(model.tensors.map((t) => t.name)).toEqual(orig.tensors.map((t) => t.name));
      for (const [i, t] of model.tensors.entries()) expect(equalBytes(await t.read(), await orig.tensors[i]!.read())).toBe(true);
      expect(model.tensors[15]!.file).toBe(ggufSplitPath(prefix, 1, 3));
      await Promise.all(model.shards.map((s) => s.source.close?.()));
    }

    // llama.cpp itself must accept the shards
    const info = await readGgufFileInfo(ggufSplitPath(prefix, 0, 3));
    expect(info.totalTensorCount).toBe(48);

    fs.renameSync(ggufSplitPath(prefix, 2, 3), `${prefix}.moved`);
    const err = await openGGUF(ggufSplitPath(prefix, 0, 3), (p) => FileSource.open(p)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelFormatError);
    expect((err as ModelFormatError).file).toBe(ggufSplitPath(prefix, 2, 3));
    await src.close();
  });
});
