import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../src/errors.js';
import { Graph } from '../src/graph.js';
import { dequantize, quantize } from '../src/quant/index.js';
import { ReferenceBackend } from '../src/reference/index.js';
import type { DTypeName } from '../src/dtype.js';
import { constantBytes, expectClose, f16Bytes, f32Bytes, randomValues, run } from './helpers/run-graph.js';

const ref = new ReferenceBackend();

async function matmul(x: number[], xShape: number[], wShape: [number, number], wDtype: DTypeName, wBytes: Uint8Array) {
  const g = new Graph();
  const xn = g.input('x', xShape);
  const y = g.matmul(xn, g.constant(constantBytes(ref, wShape, wDtype, wBytes)));
  const [out] = await run(g, { x: Float32Array.from(x) }, [y]);
  return { shape: y.shape, values: out! };
}

/** one Q8_0 block: f16 scale d, then 32 int8 quants; value i = d · q[i] */
function q8Block(dBits: number, q: (i: number) => number): Uint8Array {
  const b = new Uint8Array(34);
  new DataView(b.buffer).setUint16(0, dBits, true);
  for (let i = 0; i < 32; i++) b[2 + i] = q(i) & 0xff;
  return b;
}

describe('reference matmul: y = x · wᵀ', () => {
  it('F32 weights, hand-computed', async () => {
    const w = [1, 0, -1, 0.5, 0.5, 0.5];
    const { shape, values } = await matmul([1, 2, 3, 4, 5, 6], [2, 3], [2, 3], 'F32', f32Bytes(w));
    expect(shape).toEqual([2, 2]);
    expect(Array.from(values)).toEqual([1 - 3, 3, 4 - 6, 7.5]);
  });

  it('keeps leading dims and does a matvec for one row', async () => {
    const w = [2, 0, 0, 3, 1, 1];
    const three = await matmul([1, 1, 2, 0, 0, 5], [3, 1, 2], [3, 2], 'F32', f32Bytes(w));
    expect(three.shape).toEqual([3, 1, 3]);
    expect(Array.from(three.values)).toEqual([2, 3, 2, 4, 0, 2, 0, 15, 5]);
    const vec = await matmul([1, 2], [2], [3, 2], 'F32', f32Bytes(w));
    expect(Array.from(vec.values)).toEqual([2, 6, 3]);
  });

  it('accumulates in float64 (an f32 running sum would lose the 1)', async () => {
    // 1e8 + 1 rounds back to 1e8 in float32 (ulp 8), so an f32 accumulator returns 0
    const { values } = await matmul([1e8, 1, -1e8], [1, 3], [1, 3], 'F32', f32Bytes([1, 1, 1]));
    expect(values[0]).toBe(1);
  });

  it('F16 weights (exactly representable values)', async () => {
    const w = [1, -2, 0.5, 0.25, 0, -1];
    const { values } = await matmul([4, 2, 8], [1, 3], [2, 3], 'F16', f16Bytes(w));
    expect(Array.from(values)).toEqual([4 - 4 + 4, 1 + 0 - 8]);
  });

  it('hand-built Q8_0 blocks', async () => {
    // row 0: d = 0.5 (f16 0x3800), q = i - 16; row 1: d = 0.25 (0x3400), q = (i % 5) - 2
    const rows = [q8Block(0x3800, (i) => i - 16), q8Block(0x3400, (i) => (i % 5) - 2)];
    const bytes = new Uint8Array(68);
    bytes.set(rows[0]!, 0);
    bytes.set(rows[1]!, 34);
    const x = Array.from({ length: 32 }, (_, i) => (i % 3) - 1);
    const expected = [0, 0];
    for (let i = 0; i < 32; i++) {
      expected[0] += x[i]! * 0.5 * (i - 16);
      expected[1] += x[i]! * 0.25 * ((i % 5) - 2);
    }
    const { values } = await matmul(x, [1, 32], [2, 32], 'Q8_0', bytes);
    expect(Array.from(values)).toEqual(expected);
  });

  // any weight dtype goes through the dequantizer; truth: the same product over the decoded matrix
  it.each(['Q4_0', 'Q5_1', 'Q4_K', 'Q6_K', 'IQ4_NL', 'BF16'] as const)('%s weights match x · dequantize(w)ᵀ', async (dtype) => {
    const [n, k, m] = [3, 256, 2];
    const bytes = quantize(dtype, randomValues(n * k, 7));
    const w = dequantize(dtype, bytes, n * k);
    const x = randomValues(m * k, 11);
    const expected: number[] = [];
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let c = 0; c < k; c++) s += x[i * k + c]! * w[j * k + c]!;
        expected.push(Math.fround(s));
      }
    }
    const { values } = await matmul(Array.from(x), [m, k], [n, k], dtype, bytes);
    expect(Array.from(values)).toEqual(expected);
  });
});

describe('reference get_rows', () => {
  async function getRows(dtype: DTypeName, shape: [number, number], bytes: Uint8Array, ids: number[]) {
    const g = new Graph();
    const rows = g.getRows(g.constant(constantBytes(ref, shape, dtype, bytes)), g.input('ids', [ids.length], 'I32'));
    const [out] = await run(g, { ids: Int32Array.from(ids) }, [rows]);
    return { shape: rows.shape, values: Array.from(out!) };
  }

  it('F32 and F16 tables, repeated and reordered ids', async () => {
    const table = [1, 2, 3, 4, 5, 6, 7, 8, 9];
    for (const [dtype, bytes] of [['F32', f32Bytes(table)], ['F16', f16Bytes(table)]] as const) {
      const { shape, values } = await getRows(dtype, [3, 3], bytes, [2, 0, 2]);
      expect(shape).toEqual([3, 3]);
      expect(values).toEqual([7, 8, 9, 1, 2, 3, 7, 8, 9]);
    }
  });

  it('decodes a quantized row (hand-built Q8_0)', async () => {
    const bytes = new Uint8Array(68);
    bytes.set(q8Block(0x3800, (i) => i - 16), 0);
    bytes.set(q8Block(0x4000, (i) => -i), 34); // d = 2
    const { values } = await getRows('Q8_0', [2, 32], bytes, [1, 0]);
    expect(values).toEqual([...Array.from({ length: 32 }, (_, i) => 0 - 2 * i), ...Array.from({ length: 32 }, (_, i) => 0.5 * (i - 16))]);
  });

  it('an id outside the table is a typed error', async () => {
    await expect(getRows('F32', [2, 1], f32Bytes([1, 2]), [0, 2])).rejects.toThrow(InvalidArgumentError);
    await expect(getRows('F32', [2, 1], f32Bytes([1, 2]), [-1])).rejects.toThrow(/id -1/);
  });
});
