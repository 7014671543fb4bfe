import { describe, expect, it } from 'vitest';
import { Graph } from '../src/graph.js';
import { f16ToF32 } from '../src/quant/index.js';
import { ReferenceBackend } from '../src/reference/index.js';
import type { Tensor } from '../src/tensor.js';
import { constantBytes, f16Bytes, f32Bytes, run } from './helpers/run-graph.js';

const ref = new ReferenceBackend();

function readF16(t: Tensor): number[] {
  const b = ref.download(t.buffer, t.offset, t.byteLength);
  return Array.from(new Uint16Array(b.buffer, 0, b.byteLength / 2), f16ToF32);
}

function readF32(t: Tensor): number[] {
  return Array.from(new Float32Array(ref.download(t.buffer, t.offset, t.byteLength).buffer));
}

describe('reference write_rows', () => {
  it('writes src rows into an F32 cache in place; other rows are untouched; the node value is the cache', async () => {
    const cache = constantBytes(ref, [4, 2], 'F32', f32Bytes([1, 1, 2, 2, 3, 3, 4, 4]));
    const g = new Graph();
    const w = g.writeRows(g.constant(cache), g.input('src', [2, 2]), 1);
    const [value] = await run(g, { src: Float32Array.from([10, 11, 12, 13]) }, [w]);
    expect(Array.from(value!)).toEqual([1, 1, 10, 11, 12, 13, 4, 4]);
    expect(readF32(cache)).toEqual([1, 1, 10, 11, 12, 13, 4, 4]);
  });

  it('converts to an F16 cache with round-to-nearest-even', async () => {
    const cache = constantBytes(ref, [3, 1, 2], 'F16', f16Bytes([0, 0, 0, 0, 0, 0]));
    const g = new Graph();
    const w = g.writeRows(g.constant(cache), g.input('src', [1, 1, 2]), 2);
    // 1/3 -> 0x3555 = 0.333251953125; 65520 is the tie between 65504 and 2^16 and goes to infinity
    await run(g, { src: Float32Array.from([1 / 3, 65520]) }, [g.copy(w, 'F32')]);
    expect(readF16(cache)).toEqual([0, 0, 0, 0, 0.333251953125, Infinity]);
  });
});

describe('reference concat', () => {
  const a = [1, 2, 3, 4, 5, 6]; // [2, 3]
  const b = [7, 8, 9];

  async function concat(aShape: number[], bShape: number[], bValues: number[], axis: number) {
    const g = new Graph();
    const y = g.concat(g.input('a', aShape), g.input('b', bShape), axis);
    const [out] = await run(g, { a: Float32Array.from(a), b: Float32Array.from(bValues) }, [y]);
    return { shape: y.shape, values: Array.from(out!) };
  }

  it('axis 0 appends rows', async () => {
    expect(await concat([2, 3], [1, 3], b, 0)).toEqual({ shape: [3, 3], values: [1, 2, 3, 4, 5, 6, 7, 8, 9] });
  });

  it('last axis joins each row', async () => {
    expect(await concat([2, 3], [2, 1], [70, 80], 1)).toEqual({ shape: [2, 4], values: [1, 2, 3, 70, 4, 5, 6, 80] });
  });

  it('a middle axis of a 3-D tensor', async () => {
    // a [1, 2, 3], b [1, 1, 3] on axis 1
    expect(await concat([1, 2, 3], [1, 1, 3], b, 1)).toEqual({ shape: [1, 3, 3], values: [1, 2, 3, 4, 5, 6, 7, 8, 9] });
  });

  it('I32 values', async () => {
    const g = new Graph();
    const y = g.concat(g.input('a', [2], 'I32'), g.input('b', [1], 'I32'), 0);
    const [out] = await run(g, { a: Int32Array.from([5, -6]), b: Int32Array.from([7]) }, [y]);
    expect(out).toEqual(Int32Array.from([5, -6, 7]));
  });

  it('F16 caches (then copied to F32)', async () => {
    const g = new Graph();
    const x = g.constant(constantBytes(ref, [1, 2], 'F16', f16Bytes([0.5, -2])));
    const z = g.constant(constantBytes(ref, [1, 2], 'F16', f16Bytes([3, 4])));
    const [out] = await run(g, {}, [g.copy(g.concat(x, z, 1), 'F32')]);
    expect(Array.from(out!)).toEqual([0.5, -2, 3, 4]);
  });
});

describe('reference copy', () => {
  it('F32 -> F16 rounds to half precision (overflow to infinity); F16 -> F32 is exact', async () => {
    const g = new Graph();
    const half = g.copy(g.input('x', [4]), 'F16');
    const [out] = await run(g, { x: Float32Array.from([1 / 3, 65504, 1e5, -2.5]) }, [g.copy(half, 'F32')]);
    expect(Array.from(out!)).toEqual([0.333251953125, 65504, Infinity, -2.5]);
  });

  it('F32 -> F32 is the identity', async () => {
    const g = new Graph();
    const [out] = await run(g, { x: Float32Array.from([1.1, -2.2]) }, [g.copy(g.input('x', [2]), 'F32')]);
    expect(out).toEqual(Float32Array.from([1.1, -2.2]));
  });
});

describe('reference view', () => {
  it('reads elements offset.. in the new shape', async () => {
    const g = new Graph();
    const y = g.view(g.input('x', [2, 3]), [2, 2], 1);
    const [out] = await run(g, { x: Float32Array.from([0, 1, 2, 3, 4, 5]) }, [y]);
    expect(Array.from(out!)).toEqual([1, 2, 3, 4]);
  });

  it('I32 values (the last position of a batch)', async () => {
    const g = new Graph();
    const y = g.view(g.input('ids', [4], 'I32'), [1], 3);
    const [out] = await run(g, { ids: Int32Array.from([9, 8, 7, 6]) }, [y]);
    expect(out).toEqual(Int32Array.from([6]));
  });
});
