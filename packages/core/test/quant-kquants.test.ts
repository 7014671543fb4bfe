import { describe, expect, it } from 'vitest';
import { dequantize } from '../src/quant/dequantize.js';

// Hand-built K-quant super-blocks (256 elements) following ggml/src/ggml-common.h. Quants and
// scales are picked first and packed as the layout documents; the expectation applies the
// documented formula to the picked values. Scales are powers of two and quants small integers,
// so every expected value is exact.

const le16 = (v: number): number[] => [v & 0xff, (v >> 8) & 0xff];
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const F16 = { 0.25: 0x3400, 0.5: 0x3800, 1: 0x3c00, 2: 0x4000, 0.0625: 0x2c00 } as const;

/**
 * 2-bit planes of Q2_K / Q3_K: element e sits in 128-element half h = e / 128; with r = e % 128 its
 * bits are bits 2*(r/32)..+1 of byte 32*h + r % 32.
 */
function pack2(q: number[]): number[] {
  const bytes = new Array(64).fill(0);
  for (let e = 0; e < 256; e++) {
    const r = e % 128;
    bytes[32 * (e >> 7) + (r % 32)] |= (q[e]! & 3) << (2 * (r >> 5));
  }
  return bytes;
}

describe('Q2_K: x = d * sc * q - dmin * m per 16 elements', () => {
  it('decodes a hand-built super-block', () => {
    const q = range(256).map((e) => (e * 7 + (e >> 4)) % 4);
    const sc = range(16).map((g) => (g * 5) % 16);
    const m = range(16).map((g) => 15 - g);
    const block = new Uint8Array([...range(16).map((g) => sc[g]! | (m[g]! << 4)), ...pack2(q), ...le16(F16[0.5]), ...le16(F16[0.25])]);
    expect(block.length).toBe(84);
    const expected = q.map((v, e) => 0.5 * sc[e >> 4]! * v - 0.25 * m[e >> 4]!);
    expect(Array.from(dequantize('Q2_K', block, 256))).toEqual(expected);
  });
});

describe('Q3_K: x = d * (s - 32) * (q - 4 unless the hmask bit is set)', () => {
  it('decodes a hand-built super-block with negative scales and all 8 levels', () => {
    const q = range(256).map((e) => ((e * 3 + (e >> 5)) % 8) - 4); // -4..3
    const s = [-32, 31, -1, 0, 1, 17, -17, 5, 30, -30, 12, -12, 2, -2, 8, -8]; // 6-bit signed
    const u = q.map((v) => v + 4); // stored 3-bit value: low 2 bits in qs, 3rd bit in hmask
    const hmask = new Array(32).fill(0);
    for (let e = 0; e < 256; e++) if (u[e]! & 4) hmask[e % 32] |= 1 << (e >> 5);
    // scales: 6-bit s + 32; low nibble in byte j (j < 8) or high nibble of byte j - 8; top 2 bits
    // at bits 2*(j/4) of byte 8 + j % 4
    const scales = new Array(12).fill(0);
    for (let j = 0; j < 16; j++) {
      const v = s[j]! + 32;
      if (j < 8) scales[j] |= v & 15;
      else scales[j - 8] |= (v & 15) << 4;
      scales[8 + (j % 4)] |= (v >> 4) << (2 * (j >> 2));
    }
    const block = new Uint8Array([...hmask, ...pack2(u), ...scales, ...le16(F16[0.25])]);
    expect(block.length).toBe(110);
    const expected = q.map((v, e) => 0.25 * s[e >> 4]! * v);
    const y = Array.from(dequantize('Q3_K', block, 256));
    expect(y).toEqual(expected);
    // spot check: element 0 has q = -4 (hmask bit clear, low bits 0), scale -32 -> 0.25 * -32 * -4
    expect(y[0]).toBe(32);
  });
});

/**
 * The 12 scale bytes of Q4_K / Q5_K holding 8 six-bit scales and mins: pairs 0..3 in the low 6
 * bits of bytes j and j + 4; pairs 4..7 keep their low nibbles in byte j + 4 (scale low, min high)
 * and their top 2 bits in bits 6..7 of bytes j - 4 (scale) and j (min).
 */
function packScaleMin(sc: number[], m: number[]): number[] {
  const b = new Array(12).fill(0);
  for (let j = 0; j < 8; j++) {
    if (j < 4) {
      b[j] |= sc[j]!;
      b[j + 4] |= m[j]!;
    } else {
      b[j + 4] = (sc[j]! & 15) | ((m[j]! & 15) << 4);
      b[j - 4] |= (sc[j]! >> 4) << 6;
      b[j] |= (m[j]! >> 4) << 6;
    }
  }
  return b;
}

/** 4-bit quants of Q4_K / Q5_K: each 64 elements share 32 bytes, first 32 in low nibbles, next 32 in high. */
function packNibbles64(q: number[]): number[] {
  const bytes = new Array(128).fill(0);
  for (let e = 0; e < 256; e++) {
    const r = e % 64;
    bytes[32 * (e >> 6) + (r % 32)] |= (q[e]! & 15) << (r < 32 ? 0 : 4);
  }
  return bytes;
}

// scales and mins using the full 6 bits, so the top-2-bit packing matters for pairs 4..7
const SC = [1, 63, 17, 32, 48, 5, 33, 60];
const MIN = [0, 7, 63, 16, 31, 40, 2, 55];

describe('Q4_K: x = d * sc * q - dmin * m per 32 elements', () => {
  it('decodes a hand-built super-block exercising the 6-bit scale packing', () => {
    const q = range(256).map((e) => (e * 11 + (e >> 3)) % 16);
    const block = new Uint8Array([...le16(F16[0.5]), ...le16(F16[0.0625]), ...packScaleMin(SC, MIN), ...packNibbles64(q)]);
    expect(block.length).toBe(144);
    const expected = q.map((v, e) => 0.5 * SC[e >> 5]! * v - 0.0625 * MIN[e >> 5]!);
    expect(Array.from(dequantize('Q4_K', block, 256))).toEqual(expected);
  });
});

describe('Q5_K: as Q4_K with a 5th bit: bit e / 32 of qh[e % 32]', () => {
  it('decodes a hand-built super-block', () => {
    const q = range(256).map((e) => (e * 13 + (e >> 2)) % 32);
    const qh = new Array(32).fill(0);
    for (let e = 0; e < 256; e++) if (q[e]! & 16) qh[e % 32] |= 1 << (e >> 5);
    const block = new Uint8Array([
      ...le16(F16[0.25]),
      ...le16(F16[1]),
      ...packScaleMin(SC, MIN),
      ...qh,
      ...packNibbles64(q),
    ]);
    expect(block.length).toBe(176);
    const expected = q.map((v, e) => 0.25 * SC[e >> 5]! * v - MIN[e >> 5]!);
    expect(Array.from(dequantize('Q5_K', block, 256))).toEqual(expected);
  });
});

describe('Q6_K: x = d * scale * (q - 32), int8 scales per 16 elements', () => {
  it('decodes a hand-built super-block', () => {
    const q = range(256).map((e) => ((e * 29 + (e >> 4)) % 64) - 32); // -32..31
    const scales = [-128, 127, -1, 1, 2, -3, 64, -64, 5, 6, -7, 8, 100, -100, 0, 9];
    // element e: half h = e / 128, r = e % 128, l = r % 32, k = r / 32. Low nibble goes to
    // ql[64h + l + 32*(k & 1)] (low nibble for k < 2, high for k >= 2); the top 2 bits to bits
    // 2k..2k+1 of qh[32h + l]
    const ql = new Array(128).fill(0);
    const qh = new Array(64).fill(0);
    for (let e = 0; e < 256; e++) {
      const u = q[e]! + 32;
      const h = e >> 7;
      const r = e % 128;
      const l = r % 32;
      const k = r >> 5;
      ql[64 * h + l + 32 * (k & 1)] |= (u & 15) << (k >= 2 ? 4 : 0);
      qh[32 * h + l] |= (u >> 4) << (2 * k);
    }
    const block = new Uint8Array([...ql, ...qh, ...scales.map((s) => s & 0xff), ...le16(F16[0.0625])]);
    expect(block.length).toBe(210);
    const expected = q.map((v, e) => 0.0625 * scales[e >> 4]! * v);
    expect(Array.from(dequantize('Q6_K', block, 256))).toEqual(expected);
  });
});

describe('Q8_K: x = d * q with an f32 d', () => {
  it('decodes a hand-built super-block and ignores bsums', () => {
    const q = range(256).map((e) => (e % 256) - 128);
    const block = new Uint8Array(292);
    new DataView(block.buffer).setFloat32(0, 0.375, true);
    q.forEach((v, e) => (block[4 + e] = v & 0xff));
    block.fill(0x7f, 260); // garbage bsums
    expect(Array.from(dequantize('Q8_K', block, 256))).toEqual(q.map((v) => 0.375 * v));
  });
});

describe('TQ2_0: x = (c - 1) * d with 2-bit codes', () => {
  it('decodes a hand-built super-block', () => {
    // element e: chunk = e / 128, r = e % 128 -> bits 2*(r/32) of byte 32*chunk + r % 32.
    // Code 3 is not written by ggml but decodes as +2 * d.
    const c = range(256).map((e) => (e * 5 + (e >> 6)) % 4);
    const qs = new Array(64).fill(0);
    for (let e = 0; e < 256; e++) qs[32 * (e >> 7) + (e % 32)] |= c[e]! << (2 * ((e % 128) >> 5));
    const block = new Uint8Array([...qs, ...le16(F16[2])]);
    expect(block.length).toBe(66);
    expect(Array.from(dequantize('TQ2_0', block, 256))).toEqual(c.map((v) => (v - 1) * 2));
  });
});

describe('TQ1_0: base-3 packed ternary, 5 trits per byte', () => {
  it('decodes a hand-built super-block', () => {
    const c = range(256).map((e) => (e * 7 + (e >> 3)) % 3); // trits 0, 1, 2 = -1, 0, +1
    // A byte holds trits t0..t4 (t0 most significant) as ceil(v * 256 / 243), v = sum t_n 3^(4-n).
    const pack = (trits: number[]): number => {
      let v = 0;
      for (let n = 0; n < 5; n++) v = v * 3 + (trits[n] ?? 0);
      return Math.ceil((v * 256) / 243);
    };
    const qs = [
      // bytes 0..31: element 32n + m is trit n of byte m
      ...range(32).map((m) => pack(range(5).map((n) => c[32 * n + m]!))),
      // bytes 32..47: element 160 + 16n + m
      ...range(16).map((m) => pack(range(5).map((n) => c[160 + 16 * n + m]!))),
    ];
    // qh bytes 0..3: element 240 + 4n + j is trit n of byte j, only 4 trits (the 5th is 0)
    const qh = range(4).map((j) => pack(range(4).map((n) => c[240 + 4 * n + j]!)));
    const block = new Uint8Array([...qs, ...qh, ...le16(F16[0.5])]);
    expect(block.length).toBe(54);
    expect(Array.from(dequantize('TQ1_0', block, 256))).toEqual(c.map((v) => (v - 1) * 0.5));
  });
});
