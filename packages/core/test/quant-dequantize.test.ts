import { describe, expect, it } from 'vitest';
import { DTYPES } from '../src/dtype.js';
import { InvalidArgumentError, ShapeError, UnknownDTypeError } from '../src/errors.js';
import { dequantize, dequantizeRow } from '../src/quant/dequantize.js';

/** Little-endian bytes written through a DataView, at an odd offset to catch alignment assumptions. */
function bytes(size: number, write: (v: DataView) => void): Uint8Array {
  const buf = new Uint8Array(size + 1);
  write(new DataView(buf.buffer, 1));
  return buf.subarray(1);
}

describe('plain types convert with C cast semantics (one round to nearest even)', () => {
  it('F32 copies bits, NaN payloads included', () => {
    const src = bytes(12, (v) => {
      v.setFloat32(0, 1.5, true);
      v.setFloat32(4, -2e-40, true); // subnormal
      v.setUint32(8, 0x7fc01234, true);
    });
    const y = dequantize('F32', src, 3);
    expect([y[0], y[1]]).toEqual([1.5, Math.fround(-2e-40)]);
    expect(new Uint32Array(y.buffer)[2]).toBe(0x7fc01234);
  });

  it('F16 and BF16', () => {
    expect(Array.from(dequantize('F16', new Uint8Array([0x00, 0x3c, 0x01, 0x00, 0x00, 0xfc]), 3))).toEqual([1, 2 ** -24, -Infinity]);
    expect(Array.from(dequantize('BF16', new Uint8Array([0x80, 0x3f, 0x40, 0xc0]), 2))).toEqual([1, -3]);
  });

  it('F64 rounds to float32, ties to even, overflow to infinity', () => {
    const values = [0.1, 1 + 2 ** -24, 1 + 3 * 2 ** -24, 1e300, -1e-50];
    const src = bytes(8 * values.length, (v) => values.forEach((x, i) => v.setFloat64(8 * i, x, true)));
    expect(Array.from(dequantize('F64', src, values.length))).toEqual([Math.fround(0.1), 1, 1 + 2 ** -22, Infinity, -0]);
  });

  it('I8, I16, I32 are signed little-endian; large I32 rounds', () => {
    expect(Array.from(dequantize('I8', new Uint8Array([0x80, 0x7f, 0xff]), 3))).toEqual([-128, 127, -1]);
    const i16 = bytes(4, (v) => (v.setInt16(0, -32768, true), v.setInt16(2, 12345, true)));
    expect(Array.from(dequantize('I16', i16, 2))).toEqual([-32768, 12345]);
    // 2^24 + 1 is a tie between 2^24 and 2^24 + 2: even wins; 2^31 - 1 rounds up to 2^31
    const i32 = bytes(12, (v) => [16777217, 2147483647, -16777219].forEach((x, i) => v.setInt32(4 * i, x, true)));
    expect(Array.from(dequantize('I32', i32, 3))).toEqual([16777216, 2147483648, -16777220]);
  });

  it('I64 rounds once, directly to float32', () => {
    // 2^62 + 2^38 + 1 is just above the midpoint of float32 neighbours 2^62 and 2^62 + 2^39. Going
    // through a double would first drop the +1 and then round the exact tie down to 2^62.
    const big = 2n ** 62n + 2n ** 38n + 1n;
    const values = [-5n, 2n ** 53n + 1n, big, -big, 2n ** 62n + 2n ** 38n, -(2n ** 63n)];
    const src = bytes(8 * values.length, (v) => values.forEach((x, i) => v.setBigInt64(8 * i, x, true)));
    expect(Array.from(dequantize('I64', src, values.length))).toEqual([
      -5,
      2 ** 53,
      2 ** 62 + 2 ** 39,
      -(2 ** 62 + 2 ** 39),
      2 ** 62, // exact tie: even mantissa
      -(2 ** 63),
    ]);
  });
});

describe('dequantize arguments', () => {
  it('writes into a given output array and returns it', () => {
    const out = new Float32Array(40).fill(7);
    const block = new Uint8Array(34);
    block[1] = 0x3c; // d = 1
    block[2] = 5;
    expect(dequantize('Q8_0', block, 32, out)).toBe(out);
    expect([out[0], out[1], out[32]]).toEqual([5, 0, 7]);
  });

  it('accepts GGML ids and lowercase names', () => {
    const block = new Uint8Array([0x00, 0x3c, 0x88, ...new Array(15).fill(0x88)]);
    expect(dequantize(2, block, 32)[0]).toBe(0);
    expect(dequantize('q4_0', block, 32)[0]).toBe(0);
  });

  it('rejects counts that are not whole blocks, short sources, small outputs and unknown types', () => {
    expect(() => dequantize('Q4_K', new Uint8Array(144), 100)).toThrow(ShapeError);
    expect(() => dequantize('Q4_K', new Uint8Array(143), 256)).toThrow(/need 144 bytes, got 143/);
    expect(() => dequantize('F32', new Uint8Array(8), 2, new Float32Array(1))).toThrow(ShapeError);
    expect(() => dequantize('F32', new Uint8Array(8), -1)).toThrow(InvalidArgumentError);
    expect(() => dequantize('Q4_2', new Uint8Array(18), 32)).toThrow(UnknownDTypeError);
    expect(() => dequantize(31, new Uint8Array(18), 32)).toThrow(UnknownDTypeError);
  });

  it('decodes zero elements of every type', () => {
    for (const t of DTYPES) expect(dequantize(t.name, new Uint8Array(0), 0).length).toBe(0);
  });
});

describe('dequantizeRow', () => {
  it('decodes one row of a matrix from its own bytes', () => {
    // two rows of 64 Q8_0 values (2 blocks each): row r, block b has d = 1 and q = 10r + b
    const src = new Uint8Array(4 * 34);
    for (let r = 0; r < 2; r++) {
      for (let b = 0; b < 2; b++) {
        const o = (2 * r + b) * 34;
        src[o + 1] = 0x3c;
        src.fill(10 * r + b, o + 2, o + 34);
      }
    }
    const row1 = dequantizeRow('Q8_0', src, 64, 1);
    expect([row1[0], row1[31], row1[32], row1[63]]).toEqual([10, 10, 11, 11]);
    expect(() => dequantizeRow('Q8_0', src, 64, 2)).toThrow(ShapeError);
    expect(() => dequantizeRow('Q8_0', src, 48, 0)).toThrow(ShapeError);
  });
});
