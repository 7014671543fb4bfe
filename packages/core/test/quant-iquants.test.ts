import { describe, expect, it } from 'vitest';
import { dequantize } from '../src/quant/dequantize.js';
import {
  IQ1S_GRID,
  IQ2S_GRID,
  IQ2XS_GRID,
  IQ2XXS_GRID,
  IQ3S_GRID,
  IQ3XXS_GRID,
  KSIGNS_IQ2XS,
  KVALUES_IQ4NL,
  KVALUES_MXFP4,
} from '../src/quant/tables.js';

// I-quant blocks built by hand from the layouts of ggml/src/ggml-common.h and the decoding rules
// of ggml-quants.c dequantize_row_iq*. Expected values index the grid words by hand: value j of
// grid point i is byte j (least significant first) of word i.

const le16 = (v: number): number[] => [v & 0xff, (v >> 8) & 0xff];
const le32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** Value j of grid point i, read from the 64- or 32-bit grid word. */
function grid(table: BigUint64Array | Uint32Array, i: number, j: number): number {
  const w = table[i]!;
  return typeof w === 'bigint' ? Number((w >> BigInt(8 * j)) & 0xffn) : (w >>> (8 * j)) & 0xff;
}

/** The same value read as a signed byte (the IQ1 grid holds -1 as 0xff). */
const sgrid = (table: BigUint64Array, i: number, j: number): number => (grid(table, i, j) << 24) >> 24;

/** 7 stored sign bits expand to 8: the 8th makes the count of minus signs even. */
function signBits(s7: number): number {
  let ones = 0;
  for (let b = 0; b < 7; b++) ones += (s7 >> b) & 1;
  return s7 | (ones % 2 ? 128 : 0);
}

const sign = (mask: number, j: number): number => (mask & (1 << j) ? -1 : 1);

describe('lookup tables', () => {
  it('have ggml sizes and spot values quoted from ggml-common.h', () => {
    expect([IQ2XXS_GRID.length, IQ2XS_GRID.length, IQ2S_GRID.length]).toEqual([256, 512, 1024]);
    expect([IQ3XXS_GRID.length, IQ3S_GRID.length, IQ1S_GRID.length]).toEqual([256, 512, 2048]);
    expect([IQ2XXS_GRID[1], IQ2XXS_GRID[100], IQ2XXS_GRID[255]]).toEqual([0x080808080808082bn, 0x08192b0808081908n, 0x2b2b2b1908081908n]);
    expect([IQ2XS_GRID[100], IQ2XS_GRID[511]]).toEqual([0x0808192b08081908n, 0x2b2b2b2b2b2b2b2bn]);
    expect([IQ2S_GRID[100], IQ2S_GRID[1023]]).toEqual([0x080819081919192bn, 0x2b2b2b2b2b2b2b2bn]);
    expect([IQ3XXS_GRID[1], IQ3XXS_GRID[100], IQ3XXS_GRID[255]]).toEqual([0x04040414, 0x14040c1c, 0x3e341c04]);
    expect([IQ3S_GRID[1], IQ3S_GRID[100], IQ3S_GRID[511]]).toEqual([0x01010103, 0x010f0101, 0x0f0f0101]);
    expect([IQ1S_GRID[0], IQ1S_GRID[100], IQ1S_GRID[2047]]).toEqual([0xffffffffffffffffn, 0xffff000000000000n, 0x0101010101010101n]);
    expect(Array.from(KVALUES_IQ4NL)).toEqual([-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113]);
    expect(Array.from(KVALUES_MXFP4)).toEqual([0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12]);
  });

  it('ksigns_iq2xs is the even-parity completion of 7 sign bits', () => {
    expect(Array.from(KSIGNS_IQ2XS)).toEqual(range(128).map(signBits));
  });

  it('grid points are distinct and use only the documented magnitudes', () => {
    const check = (table: BigUint64Array | Uint32Array, width: number, allowed: number[]): void => {
      expect(new Set(Array.from(table as ArrayLike<bigint | number>)).size).toBe(table.length);
      const seen = new Set<number>();
      for (let i = 0; i < table.length; i++) for (let j = 0; j < width; j++) seen.add(grid(table, i, j));
      expect([...seen].sort((a, b) => a - b)).toEqual(allowed);
    };
    check(IQ2XXS_GRID, 8, [8, 25, 43]);
    check(IQ2XS_GRID, 8, [8, 25, 43]);
    check(IQ2S_GRID, 8, [8, 25, 43]);
    check(IQ3XXS_GRID, 4, [4, 12, 20, 28, 36, 44, 52, 62]);
    check(IQ3S_GRID, 4, [1, 3, 5, 7, 9, 11, 13, 15]);
    check(IQ1S_GRID, 8, [0, 1, 255]);
  });
});

describe('IQ2_XXS: x = d * (0.5 + s) * 0.25 * grid * sign', () => {
  it('decodes a hand-built super-block', () => {
    const idx = range(32).map((g) => (g * 37 + 11) % 256); // one 8-bit grid index per 8 values
    const s7 = range(32).map((g) => (g * 19 + 5) % 128);
    const s = range(8).map((ib) => (ib * 3) % 16);
    const bytes = [...le16(0x3c00)]; // d = 1
    for (let ib = 0; ib < 8; ib++) {
      const g = 4 * ib;
      bytes.push(idx[g]!, idx[g + 1]!, idx[g + 2]!, idx[g + 3]!);
      bytes.push(...le32((s7[g]! | (s7[g + 1]! << 7) | (s7[g + 2]! << 14) | (s7[g + 3]! << 21) | (s[ib]! << 28)) >>> 0));
    }
    const block = new Uint8Array(bytes);
    expect(block.length).toBe(66);
    const expected = range(256).map((e) => {
      const g = e >> 3;
      return (0.5 + s[g >> 2]!) * 0.25 * grid(IQ2XXS_GRID, idx[g]!, e % 8) * sign(signBits(s7[g]!), e % 8);
    });
    expect(Array.from(dequantize('IQ2_XXS', block, 256))).toEqual(expected);
    // by hand: group 0 uses grid point 11 = 0x0808080819080819 (ggml-common.h), whose bytes from
    // the least significant are 0x19, 0x08, 0x08, 0x19 = 25, 8, 8, 25; s7 = 5 sets sign bits 0 and
    // 2 (an even count, so bit 7 stays clear); the scale is (0.5 + 0) * 0.25 = 1/8.
    expect(IQ2XXS_GRID[11]).toBe(0x0808080819080819n);
    expect(Array.from(dequantize('IQ2_XXS', block, 256).subarray(0, 4))).toEqual([-3.125, 1, -1, 3.125]);
  });
});

describe('IQ2_XS: 9-bit index | 7 sign bits << 9 per u16, 4-bit scales per 16 values', () => {
  it('decodes a hand-built super-block', () => {
    const idx = range(32).map((g) => (g * 97 + 300) % 512);
    const s7 = range(32).map((g) => (g * 23 + 1) % 128);
    const sc = range(8).map((ib) => ((ib * 5) % 16) | (((ib * 7 + 3) % 16) << 4));
    const block = new Uint8Array([...le16(0x3c00), ...range(32).flatMap((g) => le16(idx[g]! | (s7[g]! << 9))), ...sc]);
    expect(block.length).toBe(74);
    const expected = range(256).map((e) => {
      const g = e >> 3;
      const ib = g >> 2;
      const scale = g % 4 < 2 ? sc[ib]! & 15 : sc[ib]! >> 4;
      return (0.5 + scale) * 0.25 * grid(IQ2XS_GRID, idx[g]!, e % 8) * sign(signBits(s7[g]!), e % 8);
    });
    expect(Array.from(dequantize('IQ2_XS', block, 256))).toEqual(expected);
  });
});

describe('IQ2_S: 10-bit indices (qs + 2 bits of qh), explicit sign bytes', () => {
  it('decodes a hand-built super-block', () => {
    const idx = range(32).map((g) => (g * 331 + 700) % 1024);
    const signs = range(32).map((g) => (g * 73 + 9) % 256);
    const qh = range(8).map((ib) => range(4).reduce((acc, l) => acc | ((idx[4 * ib + l]! >> 8) << (2 * l)), 0));
    const sc = range(8).map((ib) => ((ib * 9) % 16) | (((ib * 2 + 1) % 16) << 4));
    const block = new Uint8Array([...le16(0x3800), ...idx.map((i) => i & 0xff), ...signs, ...qh, ...sc]); // d = 0.5
    expect(block.length).toBe(82);
    const expected = range(256).map((e) => {
      const g = e >> 3;
      const ib = g >> 2;
      const scale = g % 4 < 2 ? sc[ib]! & 15 : sc[ib]! >> 4;
      return 0.5 * (0.5 + scale) * 0.25 * grid(IQ2S_GRID, idx[g]!, e % 8) * sign(signs[g]!, e % 8);
    });
    expect(Array.from(dequantize('IQ2_S', block, 256))).toEqual(expected);
  });
});

describe('IQ3_XXS: two 4-value grid points per 8 values, x = d * (0.5 + s) * 0.5 * grid * sign', () => {
  it('decodes a hand-built super-block', () => {
    const idx = range(64).map((k) => (k * 41 + 7) % 256); // one index per 4 values
    const s7 = range(32).map((g) => (g * 29 + 3) % 128);
    const s = range(8).map((ib) => (15 - ib * 2) % 16);
    const words = range(8).flatMap((ib) =>
      le32((s7[4 * ib]! | (s7[4 * ib + 1]! << 7) | (s7[4 * ib + 2]! << 14) | (s7[4 * ib + 3]! << 21) | (s[ib]! << 28)) >>> 0),
    );
    const block = new Uint8Array([...le16(0x3c00), ...idx, ...words]);
    expect(block.length).toBe(98);
    const expected = range(256).map((e) => {
      const g = e >> 3;
      return (0.5 + s[g >> 2]!) * 0.5 * grid(IQ3XXS_GRID, idx[e >> 2]!, e % 4) * sign(signBits(s7[g]!), e % 8);
    });
    expect(Array.from(dequantize('IQ3_XXS', block, 256))).toEqual(expected);
  });
});

describe('IQ3_S: 9-bit indices (qs + 1 bit of qh), explicit signs, x = d * (1 + 2s) * grid * sign', () => {
  it('decodes a hand-built super-block', () => {
    const idx = range(64).map((k) => (k * 149 + 5) % 512);
    const qh = range(8).map((ib) => range(8).reduce((acc, k) => acc | ((idx[8 * ib + k]! >> 8) << k), 0));
    const signs = range(32).map((g) => (g * 151 + 77) % 256);
    const scales = range(4).map((p) => ((p * 5 + 1) % 16) | (((p * 3 + 2) % 16) << 4));
    const block = new Uint8Array([...le16(0x3400), ...idx.map((i) => i & 0xff), ...qh, ...signs, ...scales]); // d = 0.25
    expect(block.length).toBe(110);
    const expected = range(256).map((e) => {
      const ib = e >> 5;
      const s = ib % 2 ? scales[ib >> 1]! >> 4 : scales[ib >> 1]! & 15;
      return 0.25 * (1 + 2 * s) * grid(IQ3S_GRID, idx[e >> 2]!, e % 4) * sign(signs[e >> 3]!, e % 8);
    });
    expect(Array.from(dequantize('IQ3_S', block, 256))).toEqual(expected);
  });
});

describe('IQ1_S: 11-bit indices into a {-1,0,1} grid, x = d * (2s + 1) * (grid ± 1/8)', () => {
  it('decodes a hand-built super-block', () => {
    const idx = range(32).map((g) => (g * 613 + 17) % 2048);
    const s = range(8).map((ib) => (ib * 3) % 8);
    const neg = range(8).map((ib) => ib % 3 === 0);
    const qh = range(8).map((ib) => {
      let w = (s[ib]! << 12) | (neg[ib] ? 0x8000 : 0);
      for (let l = 0; l < 4; l++) w |= (idx[4 * ib + l]! >> 8) << (3 * l);
      return w;
    });
    const block = new Uint8Array([...le16(0x3800), ...idx.map((i) => i & 0xff), ...qh.flatMap(le16)]); // d = 0.5
    expect(block.length).toBe(50);
    const expected = range(256).map((e) => {
      const ib = e >> 5;
      const delta = neg[ib] ? -0.125 : 0.125;
      return 0.5 * (2 * s[ib]! + 1) * (sgrid(IQ1S_GRID, idx[e >> 3]!, e % 8) + delta);
    });
    expect(Array.from(dequantize('IQ1_S', block, 256))).toEqual(expected);
  });
});

describe('IQ1_M: IQ1 grid with per-8 delta signs and 3-bit scales per 16 values', () => {
  it('decodes a hand-built super-block, d spread over the scale words', () => {
    const idx = range(32).map((g) => (g * 389 + 1000) % 2048);
    const neg = range(32).map((g) => g % 5 === 1);
    const s = range(16).map((h) => (h * 5 + 2) % 8); // one 3-bit scale per 16 values
    // qh[2ib + l/2]: nibble for group l (low nibble for even l): 3 index bits + delta sign bit 3
    const qh = range(16).map((k) => {
      const nib = (g: number): number => (idx[g]! >> 8) | (neg[g] ? 8 : 0);
      return nib(2 * k) | (nib(2 * k + 1) << 4);
    });
    // d = 0.25 = f16 0x3400: its nibbles (low first: 0, 0, 4, 3) go to bits 12..15 of the 4 words;
    // word w holds the 3-bit scales of 16-value groups 4w..4w+3 at bits 0, 3, 6, 9
    const dNibbles = [0x0, 0x0, 0x4, 0x3];
    const words = range(4).map((w) => (dNibbles[w]! << 12) | s[4 * w]! | (s[4 * w + 1]! << 3) | (s[4 * w + 2]! << 6) | (s[4 * w + 3]! << 9));
    const block = new Uint8Array([...idx.map((i) => i & 0xff), ...qh, ...words.flatMap(le16)]);
    expect(block.length).toBe(56);
    const expected = range(256).map((e) => {
      const g = e >> 3;
      return 0.25 * (2 * s[e >> 4]! + 1) * (sgrid(IQ1S_GRID, idx[g]!, e % 8) + (neg[g] ? -0.125 : 0.125));
    });
    expect(Array.from(dequantize('IQ1_M', block, 256))).toEqual(expected);
  });
});

const KV = [-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113]; // ggml kvalues_iq4nl

describe('IQ4_NL: x = d * kvalues[q]', () => {
  it('decodes a hand-built block over all 16 levels', () => {
    const q = range(32).map((i) => (i * 3) % 16);
    const block = new Uint8Array([...le16(0x3000), ...range(16).map((j) => q[j]! | (q[j + 16]! << 4))]); // d = 0.125
    expect(Array.from(dequantize('IQ4_NL', block, 32))).toEqual(q.map((v) => 0.125 * KV[v]!));
  });
});

describe('IQ4_XS: x = d * (ls - 32) * kvalues[q], 6-bit ls per 32 values', () => {
  it('decodes a hand-built super-block', () => {
    const q = range(256).map((e) => (e * 7 + (e >> 5)) % 16);
    const ls = [0, 63, 32, 31, 33, 1, 48, 16];
    let scalesH = 0;
    ls.forEach((v, ib) => (scalesH |= (v >> 4) << (2 * ib)));
    const scalesL = range(4).map((k) => (ls[2 * k]! & 15) | ((ls[2 * k + 1]! & 15) << 4));
    const qs = range(8).flatMap((ib) => range(16).map((j) => q[32 * ib + j]! | (q[32 * ib + 16 + j]! << 4)));
    const block = new Uint8Array([...le16(0x3c00), ...le16(scalesH), ...scalesL, ...qs]);
    expect(block.length).toBe(136);
    expect(Array.from(dequantize('IQ4_XS', block, 256))).toEqual(q.map((v, e) => (ls[e >> 5]! - 32) * KV[v]!));
  });
});
