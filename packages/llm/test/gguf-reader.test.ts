/**
 * GGUF reader against independent truths: the stories260K facts in its SOURCE.md and
 * node-llama-cpp's own GGUF parser; malformed headers built by hand must give ModelFormatError.
 */
import { readGgufFileInfo } from 'node-llama-cpp';
import { describe, expect, it } from 'vitest';
import { ModelFormatError } from '@ix/core';
import { readGGUF } from '../src/formats/gguf/reader.js';
import { GGUFValueType } from '../src/formats/gguf/types.js';
import { FileSource } from '../src/formats/node-source.js';
import { MemorySource } from '../src/formats/source.js';
import { handGGUF, STORIES_GGUF } from './fixtures/model-files.js';

/** node-llama-cpp nests keys ("llama.attention.head_count" -> {llama:{attention:{head_count}}}) */
function flatten(obj: Record<string, unknown>, prefix = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (v && typeof v === 'object' && !Array.isArray(v)) Object.assign(out, flatten(v as Record<string, unknown>, `${prefix}${k}.`));
    else out[prefix + k] = v;
  }
  return out;
}

describe('stories260K.gguf', () => {
  it('matches the facts in SOURCE.md', async () => {
    const src = await FileSource.open(STORIES_GGUF);
    const g = await readGGUF(src);
    expect(g.version).toBe(3);
    expect(g.tensors.length).toBe(48);
    expect(g.alignment).toBe(32);
    expect(g.dataOffset).toBe(14176);
    const end = Math.max(...g.tensors.map((t) => t.offset! + t.byteLength));
    expect(end).toBe(src.size);
    const md = g.metadata;
    expect(md['general.architecture']).toBe('llama');
    expect([md['llama.embedding_length'], md['llama.feed_forward_length'], md['llama.block_count']]).toEqual([64, 172, 5]);
    expect([md['llama.attention.head_count'], md['llama.attention.head_count_kv'], md['llama.rope.dimension_count']]).toEqual([8, 4, 8]);
    expect(md['llama.attention.layer_norm_rms_epsilon']).toBe(Math.fround(1e-5));
    expect(md['llama.context_length']).toBe(2048);
    expect([md['tokenizer.ggml.model'], md['tokenizer.ggml.bos_token_id'], md['tokenizer.ggml.eos_token_id'], md['tokenizer.ggml.unknown_token_id']]).toEqual(['llama', 1, 2, 0]);
    expect(g.types['llama.context_length']).toBe(GGUFValueType.UINT32);
    expect(g.types['tokenizer.ggml.tokens']).toEqual({ array: GGUFValueType.STRING });
    const names = new Set(g.tensors.map((t) => t.name));
    for (const n of ['token_embd.weight', 'output_norm.weight', 'output.weight']) expect(names.has(n)).toBe(true);
    for (let l = 0; l < 5; l++) {
      for (const p of ['attn_q', 'attn_k', 'attn_v', 'attn_output', 'attn_norm', 'ffn_gate', 'ffn_down', 'ffn_up', 'ffn_norm']) {
        expect(names.has(`blk.${l}.${p}.weight`)).toBe(true);
      }
    }
    // shapes are ggml ne reversed: wk is [kv_dim, dim] = [32, 64], w2 [dim, hidden] = [64, 172]
    expect(g.tensors.find((t) => t.name === 'blk.0.attn_k.weight')!.shape).toEqual([32, 64]);
    expect(g.tensors.find((t) => t.name === 'blk.0.ffn_down.weight')!.shape).toEqual([64, 172]);
    await src.close();
  });

  it('agrees with node-llama-cpp on every metadata value and tensor info', async () => {
    const src = await FileSource.open(STORIES_GGUF);
    const g = await readGGUF(src);
    await src.close();
    const info = await readGgufFileInfo(STORIES_GGUF);
    const theirs = flatten(info.metadata as unknown as Record<string, unknown>);
    expect(Object.keys(g.metadata).sort()).toEqual(Object.keys(theirs).sort());
    for (const [k, v] of Object.entries(g.metadata)) {
      expect(ArrayBuffer.isView(v) ? Array.from(v as ArrayLike<number>) : v, k).toEqual(theirs[k]);
    }
    const their = info.fullTensorInfo!;
    expect(g.tensors.map((t) => t.name)).toEqual(their.map((t) => t.name));
    g.tensors.forEach((t, i) => {
      expect(t.shape).toEqual([...their[i]!.dimensions].reverse().map(Number));
      expect(t.offset).toBe(Number(their[i]!.fileOffset));
      expect(t.dtype).toBe('F32');
      expect(their[i]!.ggmlType).toBe(0);
    });
  });

  it('reads tensor data lazily and in range', async () => {
    const src = await FileSource.open(STORIES_GGUF);
    const g = await readGGUF(src);
    const norm = g.tensors.find((t) => t.name === 'output_norm.weight')!;
    const bytes = await norm.read();
    expect(bytes.byteLength).toBe(64 * 4);
    // RMSNorm gains of a trained model: finite, positive on average
    const f = new Float32Array(bytes.slice().buffer);
    expect(f.every(Number.isFinite)).toBe(true);
    await src.close();
  });
});

const open = (bytes: Uint8Array) => readGGUF(new MemorySource('hand.gguf', bytes));
const u32 = (v: number) => (b: import('../src/formats/gguf/encode-metadata.js').ByteBuilder) => b.u32(v);

describe('malformed GGUF headers give ModelFormatError naming the file', () => {
  const cases: [string, Uint8Array, RegExp][] = [
    ['version 1', handGGUF({ version: 1 }), /version 1 is not supported/],
    ['version 7', handGGUF({ version: 7 }), /unsupported GGUF version 7/],
    ['big-endian', handGGUF({ version: 0x03000000 }), /big-endian/],
    ['2^60 tensors', handGGUF({ nTensors: 1n << 60n }), /tensor count/],
    ['2^40 kv pairs', handGGUF({ nKV: 1n << 40n }), /metadata count/],
    [
      'string of length 2^60',
      handGGUF({ kv: [['k', GGUFValueType.STRING, (b) => b.u64(1n << 60n)]] }),
      /length 1152921504606846976 .*cannot fit/,
    ],
    [
      'array of 2^50 floats',
      handGGUF({ kv: [['k', GGUFValueType.ARRAY, (b) => (b.u32(GGUFValueType.FLOAT32), b.u64(1n << 50n))]] }),
      /array length of "k"/,
    ],
    ['unknown value type', handGGUF({ kv: [['k', 13, u32(0)]] }), /unknown value type 13/],
    ['duplicate key', handGGUF({ kv: [['k', GGUFValueType.UINT32, u32(1)], ['k', GGUFValueType.UINT32, u32(2)]] }), /duplicate metadata key "k"/],
    ['alignment 3', handGGUF({ kv: [['general.alignment', GGUFValueType.UINT32, u32(3)]] }), /power of two/],
    [
      'arrays nested 20 deep',
      handGGUF({
        kv: [['k', GGUFValueType.ARRAY, (b) => { for (let i = 0; i < 20; i++) (b.u32(GGUFValueType.ARRAY), b.u64(1n)); b.u32(0); b.u64(0n); }]],
      }),
      /nests arrays deeper/,
    ],
    ['unknown tensor type 4 (removed Q4_2)', handGGUF({ tensors: [['t', [32n], 4, 0n]], dataBytes: 64 }), /unknown ggml type id 4/],
    ['5 dimensions', handGGUF({ tensors: [['t', [1n, 1n, 1n, 1n, 1n], 0, 0n]], dataBytes: 32 }), /5 dimensions/],
    ['tensor data beyond EOF', handGGUF({ tensors: [['t', [64n], 0, 0n]], dataBytes: 32 }), /beyond the end of the file/],
    ['duplicate tensor name', handGGUF({ tensors: [['t', [8n], 0, 0n], ['t', [8n], 0, 32n]], dataBytes: 64 }), /duplicate tensor name "t"/],
    ['shape product overflow', handGGUF({ tensors: [['t', [1n << 40n, 1n << 40n], 0, 0n]], dataBytes: 32 }), /no safe element count/],
    ['row not a whole Q8_0 block', handGGUF({ tensors: [['t', [33n], 8, 0n]], dataBytes: 64 }), /multiple of 32/],
    ['misaligned tensor offset', handGGUF({ tensors: [['t', [4n], 0, 4n]], dataBytes: 64 }), /not a multiple of the alignment/],
    ['truncated header', handGGUF({ kv: [['general.name', GGUFValueType.STRING, (b) => b.string('x')]] }).subarray(0, 40), /truncated|cannot fit/],
  ];
  it.each(cases)('%s', async (_, bytes, message) => {
    const err = await open(bytes).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelFormatError);
    expect((err as ModelFormatError).file).toBe('hand.gguf');
    expect((err as Error).message).toMatch(message);
  });

  it('reads a valid hand-made file with every scalar type', async () => {
    const bytes = handGGUF({
      kv: [
        ['u8', GGUFValueType.UINT8, (b) => b.u8(200)],
        ['i8', GGUFValueType.INT8, (b) => b.i8(-100)],
        ['u16', GGUFValueType.UINT16, (b) => b.u16(60000)],
        ['i16', GGUFValueType.INT16, (b) => b.i16(-30000)],
        ['u32', GGUFValueType.UINT32, (b) => b.u32(4e9)],
        ['i32', GGUFValueType.INT32, (b) => b.i32(-2e9)],
        ['f32', GGUFValueType.FLOAT32, (b) => b.f32(0.1)],
        ['bool', GGUFValueType.BOOL, (b) => b.u8(1)],
        ['u64', GGUFValueType.UINT64, (b) => b.u64((1n << 64n) - 1n)],
        ['i64', GGUFValueType.INT64, (b) => b.i64(-(1n << 62n))],
        ['f64', GGUFValueType.FLOAT64, (b) => b.f64(0.1)],
        ['nested', GGUFValueType.ARRAY, (b) => (b.u32(GGUFValueType.ARRAY), b.u64(2n), b.u32(GGUFValueType.INT16), b.u64(1n), b.i16(-5), b.u32(GGUFValueType.INT16), b.u64(0n))],
      ],
    });
    const g = await open(bytes);
    expect(g.metadata).toEqual({
      u8: 200,
      i8: -100,
      u16: 60000,
      i16: -30000,
      u32: 4e9,
      i32: -2e9,
      f32: Math.fround(0.1),
      bool: true,
      u64: (1n << 64n) - 1n,
      i64: -(1n << 62n),
      f64: 0.1,
      nested: [Int16Array.of(-5), new Int16Array(0)],
    });
    expect(g.types['nested']).toEqual({ array: { array: GGUFValueType.INT16 } });
  });
});
