import { describe, expect, it } from 'vitest';
import { dequantize } from '../src/quant/dequantize.js';

// Hand-built blocks following the block layouts of ggml/src/ggml-common.h. Each test picks the
// quants first, packs them into bytes as the layout documents, and expects the documented formula
// applied to the picked quants. f16 scales are written as literal IEEE binary16 bit patterns.

const F16 = { 0.125: 0x3000, 0.25: 0x3400, 0.5: 0x3800, 1: 0x3c00, 2: 0x4000, '-1': 0xbc00, '-0.5': 0xb800 } as const;
const le16 = (v: number): number[] => [v & 0xff, v >> 8];
const le32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** Pack 32 4-bit codes: byte j = element j (low nibble) | element j + 16 (high nibble). */
const nibbles = (q: number[]): number[] => range(16).map((j) => (q[j]! & 15) | ((q[j + 16]! & 15) << 4));

describe('Q4_0: x = (q - 8) * d', () => {
  it('decodes a hand-built block', () => {
    const q = range(32).map((i) => (i * 7) % 16); // all 16 codes, both nibbles
    const block = new Uint8Array([...le16(F16[0.5]), ...nibbles(q)]);
    expect(Array.from(dequantize('Q4_0', block, 32))).toEqual(q.map((v) => (v - 8) * 0.5));
    // spot checks: q[0] = 0 -> -4, q[1] = 7 -> -0.5, q[3] = 21 % 16 = 5 -> -1.5, q[16] = 112 % 16 = 0 -> -4
    const y = dequantize('Q4_0', block, 32);
    expect([y[0], y[1], y[3], y[16]]).toEqual([-4, -0.5, -1.5, -4]);
  });

  it('decodes several blocks, each with its own scale (negative too)', () => {
    const q = range(32).map((i) => i % 16);
    const blocks = new Uint8Array([...le16(F16[1]), ...nibbles(q), ...le16(F16['-0.5']), ...nibbles(q)]);
    const y = dequantize('Q4_0', blocks, 64);
    expect(y[0]).toBe(-8);
    expect(y[32]).toBe(4);
    expect(y[32 + 15]).toBe(-3.5);
  });
});

describe('Q4_1: x = q * d + m', () => {
  it('decodes a hand-built block', () => {
    const q = range(32).map((i) => (i * 5 + 3) % 16);
    const block = new Uint8Array([...le16(F16[0.25]), ...le16(F16['-1']), ...nibbles(q)]);
    expect(Array.from(dequantize('Q4_1', block, 32))).toEqual(q.map((v) => v * 0.25 - 1));
  });
});

/** Q5: the 5th bit of element j is bit j of the little-endian u32 qh. */
function q5Block(q: number[]): { qh: number[]; qs: number[] } {
  let qh = 0;
  for (let j = 0; j < 32; j++) if (q[j]! & 16) qh |= 1 << j;
  return { qh: le32(qh >>> 0), qs: nibbles(q) };
}

describe('Q5_0: x = (q - 16) * d with a 5th bit per element in qh', () => {
  it('decodes a hand-built block using all 32 codes', () => {
    const q = range(32).map((i) => (i * 13) % 32);
    const { qh, qs } = q5Block(q);
    const block = new Uint8Array([...le16(F16[2]), ...qh, ...qs]);
    expect(block.length).toBe(22);
    expect(Array.from(dequantize('Q5_0', block, 32))).toEqual(q.map((v) => (v - 16) * 2));
  });

  it('the high bits alone: qh all ones, nibbles zero -> (16 - 16) * d', () => {
    const block = new Uint8Array([...le16(F16[1]), 0xff, 0xff, 0xff, 0xff, ...new Array(16).fill(0)]);
    expect(Array.from(dequantize('Q5_0', block, 32))).toEqual(new Array(32).fill(0));
    block[2] = 0; // elements 0..7 lose their 5th bit
    expect(dequantize('Q5_0', block, 32)[7]).toBe(-16);
    expect(dequantize('Q5_0', block, 32)[8]).toBe(0);
  });
});

describe('Q5_1: x = q * d + m', () => {
  it('decodes a hand-built block', () => {
    const q = range(32).map((i) => (31 - i * 3 + 64) % 32);
    const { qh, qs } = q5Block(q);
    const block = new Uint8Array([...le16(F16[0.5]), ...le16(F16[1]), ...qh, ...qs]);
    expect(block.length).toBe(24);
    expect(Array.from(dequantize('Q5_1', block, 32))).toEqual(q.map((v) => v * 0.5 + 1));
  });
});

describe('Q8_0 / Q8_1: x = q * d, q signed bytes', () => {
  const q = [-128, 127, -1, 0, 1, 2, -2, 64, ...range(24).map((i) => i - 12)];
  const qBytes = q.map((v) => v & 0xff);

  it('Q8_0 decodes signed quants', () => {
    const block = new Uint8Array([...le16(F16[0.125]), ...qBytes]);
    expect(Array.from(dequantize('Q8_0', block, 32))).toEqual(q.map((v) => v * 0.125));
  });

  it('Q8_1 ignores the sum field s', () => {
    const block = new Uint8Array([...le16(F16[0.5]), ...le16(F16[2]), ...qBytes]);
    expect(Array.from(dequantize('Q8_1', block, 32))).toEqual(q.map((v) => v * 0.5));
  });
});

/** OCP MX spec E2M1: 1 sign, 2 exponent (bias 1), 1 mantissa bit; exponent 0 is subnormal. */
function e2m1(code: number): number {
  const sign = code & 8 ? -1 : 1;
  const exp = (code >> 1) & 3;
  const mant = code & 1;
  const v = sign * (exp === 0 ? mant * 0.5 : (1 + mant / 2) * 2 ** (exp - 1));
  return v === 0 ? 0 : v; // ggml's table has +0 for the -0 code
}

describe('MXFP4: x = E2M1(q) * 2^(e - 127)', () => {
  it('decodes every code with scale 2^0, 2^3 and the subnormal scales', () => {
    const q = range(32).map((i) => i % 16);
    for (const e of [127, 130, 100, 1, 0]) {
      const block = new Uint8Array([e, ...nibbles(q)]);
      expect(block.length).toBe(17);
      const scale = 2 ** (e - 127); // e = 0 and 1 give float32 subnormal scales for the small codes
      expect(Array.from(dequantize('MXFP4', block, 32))).toEqual(q.map((c) => Math.fround(e2m1(c) * scale)));
    }
    // spot check: code 7 is 6.0, code 15 is -6.0, code 1 is 0.5
    const y = dequantize('MXFP4', new Uint8Array([127, ...nibbles(q)]), 32);
    expect([y[7], y[15], y[1]]).toEqual([6, -6, 0.5]);
  });
});
