/**
 * safetensors reader and writer: files built by hand from the format description, round trips,
 * sharded folders with model.safetensors.index.json, and malformed headers.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelFormatError } from '@ix/core';
import { openSafetensorsFolder, writeSafetensorsFolder } from '../src/formats/safetensors/folder.js';
import { readSafetensors } from '../src/formats/safetensors/reader.js';
import { writeSafetensors } from '../src/formats/safetensors/writer.js';
import { MemorySink } from '../src/formats/sink.js';
import { MemorySource } from '../src/formats/source.js';
import { equalBytes, tempDir } from './fixtures/model-files.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

/** u64 header length + JSON + data, exactly as the format describes it */
function handSafetensors(header: unknown, data: Uint8Array, rawHeader?: string): Uint8Array {
  const json = new TextEncoder().encode(rawHeader ?? JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

const read = (bytes: Uint8Array) => readSafetensors(new MemorySource('hand.safetensors', bytes));

describe('reading', () => {
  it('a hand-built file: dtypes, shapes, absolute offsets, metadata', async () => {
    const data = new Uint8Array(4 * 6 + 2 * 2 + 3);
    new DataView(data.buffer).setFloat32(4, 2.5, true);
    data[data.length - 1] = 200;
    const header = {
      __metadata__: { format: 'pt' },
      w: { dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] },
      h: { dtype: 'BF16', shape: [2], data_offsets: [24, 28] },
      u: { dtype: 'U8', shape: [3], data_offsets: [28, 31] },
    };
    const bytes = handSafetensors(header, data);
    const f = await read(bytes);
    const headerEnd = bytes.length - data.length;
    expect(f.metadata).toEqual({ format: 'pt' });
    expect(f.tensors.map((t) => [t.name, t.dtype, t.shape, t.offset, t.byteLength])).toEqual([
      ['w', 'F32', [2, 3], headerEnd, 24],
      ['h', 'BF16', [2], headerEnd + 24, 4],
      ['u', 'U8', [3], headerEnd + 28, 3],
    ]);
    expect(new DataView((await f.tensors[0]!.read()).slice().buffer).getFloat32(4, true)).toBe(2.5);
    expect((await f.tensors[2]!.read())[2]).toBe(200);
  });

  const bad: [string, Uint8Array, RegExp][] = [
    ['fewer than 8 bytes', new Uint8Array(5), /too small/],
    ['header length past the end', handSafetensors({}, new Uint8Array(0)).map((b, i) => (i === 0 ? 200 : b)), /header length 200 exceeds/],
    ['header length 2^60', (() => { const b = new Uint8Array(16); new DataView(b.buffer).setBigUint64(0, 1n << 60n, true); return b; })(), /exceeds/],
    ['not JSON', handSafetensors(null, new Uint8Array(0), '{"a":'), /not valid UTF-8 JSON/],
    ['JSON array', handSafetensors([1], new Uint8Array(0)), /not a JSON object/],
    ['unsupported dtype', handSafetensors({ t: { dtype: 'F8_E4M3', shape: [1], data_offsets: [0, 1] } }, new Uint8Array(1)), /unsupported dtype "F8_E4M3"/],
    ['negative dimension', handSafetensors({ t: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, new Uint8Array(4)), /invalid shape/],
    ['size disagrees with offsets', handSafetensors({ t: { dtype: 'F32', shape: [2], data_offsets: [0, 4] } }, new Uint8Array(8)), /needs 8 bytes, data_offsets give 4/],
    ['offsets past the data', handSafetensors({ t: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, new Uint8Array(8)), /outside the 8 data bytes/],
    ['begin after end', handSafetensors({ t: { dtype: 'U8', shape: [0], data_offsets: [4, 2] } }, new Uint8Array(8)), /outside/],
    ['shape product overflow', handSafetensors({ t: { dtype: 'U8', shape: [2 ** 40, 2 ** 40], data_offsets: [0, 1] } }, new Uint8Array(1)), /no safe element count/],
    [
      'overlapping tensors',
      handSafetensors({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, new Uint8Array(12)),
      /overlap/,
    ],
    ['non-string metadata', handSafetensors({ __metadata__: { n: 1 } }, new Uint8Array(0)), /__metadata__.n is not a string/],
  ];
  it.each(bad)('%s -> ModelFormatError', async (_, bytes, message) => {
    const err = await read(bytes).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelFormatError);
    expect((err as ModelFormatError).file).toBe('hand.safetensors');
    expect((err as Error).message).toMatch(message);
  });
});

describe('writing', () => {
  it('header padded to 8 bytes, contiguous offsets, round trip', async () => {
    const a = new Uint8Array(Float32Array.of(1, 2, 3).buffer);
    const b = Uint8Array.of(1, 2, 3, 4, 5);
    const sink = new MemorySink();
    await writeSafetensors(sink, [
      { name: 'a', shape: [3], dtype: 'F32', data: a },
      { name: 'b', shape: [5], dtype: 'I8', data: async () => b },
    ], { format: 'pt' });
    const bytes = sink.bytes();
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
    expect(header).toEqual({ __metadata__: { format: 'pt' }, a: { dtype: 'F32', shape: [3], data_offsets: [0, 12] }, b: { dtype: 'I8', shape: [5], data_offsets: [12, 17] } });
    const f = await read(bytes);
    expect(equalBytes(await f.tensors[0]!.read(), a)).toBe(true);
    expect(equalBytes(await f.tensors[1]!.read(), b)).toBe(true);
  });

  it('refuses quantized dtypes and wrong data sizes', async () => {
    await expect(writeSafetensors(new MemorySink(), [{ name: 'q', shape: [32], dtype: 'Q8_0', data: new Uint8Array(34) }])).rejects.toThrow(/cannot hold Q8_0/);
    await expect(writeSafetensors(new MemorySink(), [{ name: 'x', shape: [2], dtype: 'F32', data: new Uint8Array(4) }])).rejects.toThrow(/needs 8 bytes/);
  });
});

describe('sharded folders', () => {
  const tensors = Array.from({ length: 7 }, (_, i) => ({ name: `t${i}`, shape: [i + 1], dtype: 'F32' as const, data: new Uint8Array(Float32Array.from({ length: i + 1 }, (_, k) => i * 10 + k).buffer) }));

  it('3 shards + index open as one set of tensors', async () => {
    const dir = path.join(tmp.dir, 'sharded');
    await writeSafetensorsFolder(dir, tensors, 3);
    const files = fs.readdirSync(dir).sort();
    expect(files).toEqual(['model-00001-of-00003.safetensors', 'model-00002-of-00003.safetensors', 'model-00003-of-00003.safetensors', 'model.safetensors.index.json']);
    const folder = await openSafetensorsFolder(dir);
    expect([...folder.tensors.keys()].sort()).toEqual(tensors.map((t) => t.name));
    for (const t of tensors) expect(equalBytes(await folder.tensors.get(t.name)!.read(), t.data)).toBe(true);
    await Promise.all(folder.sources.map((s) => s.close?.()));
  });

  it('an index pointing outside the folder, or at a missing tensor, is refused', async () => {
    const dir = path.join(tmp.dir, 'evil');
    await writeSafetensorsFolder(dir, tensors, 2);
    const indexFile = path.join(dir, 'model.safetensors.index.json');
    const index = JSON.parse(fs.readFileSync(indexFile, 'utf8'));
    fs.writeFileSync(indexFile, JSON.stringify({ weight_map: { ...index.weight_map, t0: '../sharded/model-00001-of-00003.safetensors' } }));
    await expect(openSafetensorsFolder(dir)).rejects.toThrow(/is not a .safetensors file name in this folder/);
    fs.writeFileSync(indexFile, JSON.stringify({ weight_map: { ...index.weight_map, ghost: 'model-00001-of-00002.safetensors' } }));
    await expect(openSafetensorsFolder(dir)).rejects.toThrow(/"ghost" listed in model.safetensors.index.json is missing/);
    fs.writeFileSync(indexFile, '{"weight_map": 3}');
    await expect(openSafetensorsFolder(dir)).rejects.toBeInstanceOf(ModelFormatError);
  });
});
