import { describe, expect, it } from 'vitest';
import {
  bf16BytesToF32,
  bf16ToF32,
  f16BytesToF32,
  f16ToF32,
  f32Bits,
  f32FromBits,
  f32ToBf16,
  f32ToBf16Bytes,
  f32ToF16,
  f32ToF16Bytes,
} from '../src/quant/half.js';

// Expected values come from the IEEE 754 binary16 definition: 1 sign, 5 exponent (bias 15),
// 10 mantissa bits; bfloat16 is the top 16 bits of a float32.
describe('f16', () => {
  it('decodes the special and edge encodings', () => {
    expect(f16ToF32(0x0000)).toBe(0);
    expect(Object.is(f16ToF32(0x8000), -0)).toBe(true);
    expect(f16ToF32(0x3c00)).toBe(1);
    expect(f16ToF32(0xc000)).toBe(-2);
    expect(f16ToF32(0x3555)).toBe(0.333251953125); // 1365/4096
    expect(f16ToF32(0x7bff)).toBe(65504); // largest finite
    expect(f16ToF32(0x0400)).toBe(2 ** -14); // smallest normal
    expect(f16ToF32(0x0001)).toBe(2 ** -24); // smallest subnormal
    expect(f16ToF32(0x03ff)).toBe(1023 * 2 ** -24); // largest subnormal
    expect(f16ToF32(0x7c00)).toBe(Infinity);
    expect(f16ToF32(0xfc00)).toBe(-Infinity);
    expect(f16ToF32(0x7e00)).toBeNaN();
    expect(f16ToF32(0xfc01)).toBeNaN();
  });

  it('encodes exact values and specials', () => {
    expect(f32ToF16(0)).toBe(0x0000);
    expect(f32ToF16(-0)).toBe(0x8000);
    expect(f32ToF16(1)).toBe(0x3c00);
    expect(f32ToF16(-2)).toBe(0xc000);
    expect(f32ToF16(65504)).toBe(0x7bff);
    expect(f32ToF16(2 ** -14)).toBe(0x0400);
    expect(f32ToF16(2 ** -24)).toBe(0x0001);
    expect(f32ToF16(-(1023 * 2 ** -24))).toBe(0x83ff);
    expect(f32ToF16(Infinity)).toBe(0x7c00);
    expect(f32ToF16(-Infinity)).toBe(0xfc00);
    expect(f32ToF16(NaN)).toBe(0x7e00); // ggml's quiet NaN
    expect(f32ToF16(f32FromBits(0xffc00001))).toBe(0xfe00); // sign kept
  });

  it('rounds to nearest, ties to even', () => {
    // between 1 (0x3c00) and 1 + 2^-10 (0x3c01): the exact midpoint goes to the even 0x3c00
    expect(f32ToF16(1 + 2 ** -11)).toBe(0x3c00);
    // between 0x3c01 and 0x3c02: the midpoint goes to the even 0x3c02
    expect(f32ToF16(1 + 3 * 2 ** -11)).toBe(0x3c02);
    // just above a midpoint rounds up
    expect(f32ToF16(1 + 2 ** -11 + 2 ** -20)).toBe(0x3c01);
    // a mantissa carry bumps the exponent: 2 - 2^-12 -> 2
    expect(f32ToF16(2 - 2 ** -12)).toBe(0x4000);
    // overflow: 65519 rounds down to 65504, the tie 65520 rounds (to even) to infinity
    expect(f32ToF16(65519)).toBe(0x7bff);
    expect(f32ToF16(65520)).toBe(0x7c00);
    expect(f32ToF16(1e10)).toBe(0x7c00);
    // subnormals: 1.5 * 2^-24 ties to the even 2 units, 0.5 * 2^-24 ties to 0
    expect(f32ToF16(1.5 * 2 ** -24)).toBe(0x0002);
    expect(f32ToF16(2.5 * 2 ** -24)).toBe(0x0002);
    expect(f32ToF16(0.5 * 2 ** -24)).toBe(0x0000);
    expect(f32ToF16(0.51 * 2 ** -24)).toBe(0x0001);
    expect(f32ToF16(-1e-30)).toBe(0x8000);
    // the largest subnormal plus half a unit rounds up into the smallest normal
    expect(f32ToF16(1023.5 * 2 ** -24)).toBe(0x0400);
  });

  it('round-trips every finite f16 value', () => {
    const wrong: number[] = [];
    for (let h = 0; h < 0x10000; h++) {
      if ((h & 0x7c00) !== 0x7c00 && f32ToF16(f16ToF32(h)) !== h) wrong.push(h);
    }
    expect(wrong).toEqual([]);
  });

  it('converts byte arrays little-endian', () => {
    const bytes = f32ToF16Bytes([1, -2, 65504]);
    expect(Array.from(bytes)).toEqual([0x00, 0x3c, 0x00, 0xc0, 0xff, 0x7b]);
    expect(Array.from(f16BytesToF32(bytes, 3))).toEqual([1, -2, 65504]);
  });
});

describe('bf16', () => {
  it('decodes as the top half of a float32', () => {
    expect(bf16ToF32(0x3f80)).toBe(1);
    expect(bf16ToF32(0xc040)).toBe(-3);
    expect(bf16ToF32(0x7f80)).toBe(Infinity);
    expect(bf16ToF32(0x0001)).toBe(2 ** -133); // subnormal, not flushed
    expect(Object.is(bf16ToF32(0x8000), -0)).toBe(true);
    expect(bf16ToF32(0x7fc0)).toBeNaN();
  });

  it('rounds to nearest even and keeps NaNs quiet', () => {
    expect(f32ToBf16(1)).toBe(0x3f80);
    expect(f32ToBf16(-0)).toBe(0x8000);
    expect(f32ToBf16(f32FromBits(0x3f808000))).toBe(0x3f80); // tie, even stays
    expect(f32ToBf16(f32FromBits(0x3f818000))).toBe(0x3f82); // tie, odd rounds up
    expect(f32ToBf16(f32FromBits(0x3f808001))).toBe(0x3f81); // above the tie
    expect(f32ToBf16(f32FromBits(0x7f7fffff))).toBe(0x7f80); // FLT_MAX rounds to infinity
    expect(f32ToBf16(-Infinity)).toBe(0xff80);
    expect(f32ToBf16(f32FromBits(0x00000001))).toBe(0x0000); // tiny subnormal rounds to 0
    // a signalling NaN with payload only in the low half must stay NaN: bit 6 (quiet) is forced
    expect(f32ToBf16(f32FromBits(0x7f800001))).toBe(0x7fc0);
  });

  it('converts byte arrays little-endian', () => {
    const bytes = f32ToBf16Bytes([1, -3]);
    expect(Array.from(bytes)).toEqual([0x80, 0x3f, 0x40, 0xc0]);
    expect(Array.from(bf16BytesToF32(bytes, 2))).toEqual([1, -3]);
  });

  it('f32Bits / f32FromBits are inverse views of float32', () => {
    expect(f32Bits(1)).toBe(0x3f800000);
    expect(f32Bits(-2)).toBe(0xc0000000);
    expect(f32FromBits(0x40490fdb)).toBe(Math.fround(Math.PI));
  });
});
