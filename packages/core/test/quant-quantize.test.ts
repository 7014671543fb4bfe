import { describe, expect, it } from 'vitest';
import { DTYPES } from '../src/dtype.js';
import { InvalidArgumentError, ShapeError, UnknownDTypeError } from '../src/errors.js';
import { dequantize } from '../src/quant/dequantize.js';
import { f16ToF32 } from '../src/quant/half.js';
import { canQuantize, quantize } from '../src/quant/quantize.js';

/** Deterministic standard normal samples (LCG + Box-Muller). */
function gaussian(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const u = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 1) / 2 ** 32;
  };
  return Float32Array.from({ length: n }, () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u()));
}

const f16At = (b: Uint8Array, o: number): number => f16ToF32(b[o]! | (b[o + 1]! << 8));
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const QUANTIZABLE = DTYPES.filter((t) => canQuantize(t.name)).map((t) => t.name);

describe('quantize: exact reproduction of hand-computed blocks', () => {
  it('Q8_0: d = amax / 127, q = round(x / d) with halves away from zero', () => {
    // amax = 127 makes d = 1 exactly, so q is x rounded as C roundf does
    const x = new Float32Array(32);
    x.set([127, -127, 0.5, -0.5, 1.5, 2.49, -2.5, 0.49, 3]);
    const block = quantize('Q8_0', x);
    expect(Array.from(block.subarray(0, 2))).toEqual([0x00, 0x3c]); // f16 1.0
    const q = Array.from(new Int8Array(block.buffer, 2, 32));
    expect(q.slice(0, 10)).toEqual([127, -127, 1, -1, 2, 2, -3, 0, 3, 0]);
  });

  it('Q8_0: amax = 63.5 gives d = 0.5', () => {
    const x = new Float32Array(32).fill(0.25);
    x[5] = -63.5;
    const block = quantize('Q8_0', x);
    expect(Array.from(block.subarray(0, 2))).toEqual([0x00, 0x38]);
    expect(new Int8Array(block.buffer, 2, 32)[0]).toBe(1); // 0.25 / 0.5 = 0.5 rounds away to 1
    expect(new Int8Array(block.buffer, 2, 32)[5]).toBe(-127);
  });

  it('Q4_0: d = max / -8 keeps the sign of the largest value; q = min(15, trunc(x/d + 8.5))', () => {
    const x = new Float32Array(32);
    x.set([-8, 7, 7.9, 0.5, -0.5, 3.4]); // max |x| is -8, so d = 1
    const block = quantize('Q4_0', x);
    expect(Array.from(block.subarray(0, 2))).toEqual([0x00, 0x3c]);
    const low = Array.from(block.subarray(2, 8)).map((b) => b & 15);
    expect(low).toEqual([0, 15, 15, 9, 8, 11]);
    // a positive extreme flips the sign of d: 8 -> d = -1, and 8 encodes as q = 0
    x[0] = 8;
    const flipped = quantize('Q4_0', x);
    expect(Array.from(flipped.subarray(0, 2))).toEqual([0x00, 0xbc]);
    expect(flipped[2]! & 15).toBe(0);
  });

  it('Q4_1: d = (max - min) / 15, m = min', () => {
    const x = Float32Array.from(range(32), (i) => (i % 16) - 1); // min -1, max 14
    const block = quantize('Q4_1', x);
    expect(Array.from(block.subarray(0, 4))).toEqual([0x00, 0x3c, 0x00, 0xbc]); // d = 1, m = -1
    expect(Array.from(block.subarray(4, 20))).toEqual(range(16).map((j) => j | (j << 4)));
  });

  it('IQ4_NL: values on the grid are recovered exactly, with d = 0.5', () => {
    const KV = [-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113];
    const k = range(32).map((i) => (i * 5) % 16);
    const block = quantize('IQ4_NL', Float32Array.from(k, (v) => 0.5 * KV[v]!));
    expect(Array.from(block.subarray(0, 2))).toEqual([0x00, 0x38]);
    expect(Array.from(block.subarray(2))).toEqual(range(16).map((j) => k[j]! | (k[j + 16]! << 4)));
  });

  it('TQ2_0 and TQ1_0 reproduce ternary data exactly; TQ2_0 rounds halves away from zero', () => {
    const t = Float32Array.from(range(256), (i) => [-0.75, 0, 0.75][(i * 7) % 3]!);
    for (const type of ['TQ2_0', 'TQ1_0'] as const) {
      expect(Array.from(dequantize(type, quantize(type, t), 256))).toEqual(Array.from(t));
    }
    const x = new Float32Array(256);
    x.set([2, -2, 1, -1, 0.99, -0.99]); // d = 2: x/d = 0.5 -> 1, -0.5 -> -1, 0.495 -> 0
    const block = quantize('TQ2_0', x);
    const code = (e: number): number => (block[e % 32]! >> (2 * (e >> 5))) & 3; // first 128 elements
    expect(range(6).map(code)).toEqual([2, 0, 2, 0, 1, 1]);
    expect(Array.from(block.subarray(64))).toEqual([0x00, 0x40]);
  });

  it('MXFP4: e = floor(log2 amax) - 2 + 127, values snap to E2M1 levels', () => {
    const x = new Float32Array(32);
    x.set([6, -6, 0.5, 1.5, 0.25, 2.5, 5]); // amax 6: e = 127, unit scale
    const block = quantize('MXFP4', x);
    expect(block[0]).toBe(127);
    const codes = range(7).map((j) => block[1 + j]! & 15);
    // 0.25 ties between 0 and 0.5: the first level (0) wins; 2.5 ties 2 and 3 -> 2; 5 ties 4 and 6 -> 4
    expect(codes).toEqual([7, 15, 1, 3, 0, 4, 6]);
  });

  it('F16 / BF16 / F32 encode element by element', () => {
    const x = Float32Array.from([1, -2, 65504, 1e9]);
    expect(Array.from(quantize('F16', x))).toEqual([0x00, 0x3c, 0x00, 0xc0, 0xff, 0x7b, 0x00, 0x7c]);
    expect(Array.from(quantize('BF16', x.subarray(0, 2)))).toEqual([0x80, 0x3f, 0x00, 0xc0]);
    expect(Array.from(new Float32Array(quantize('F32', x).buffer))).toEqual(Array.from(x));
  });
});

describe('quantize -> dequantize round trips stay within each format error bound', () => {
  const x = gaussian(256 * 16, 12345);
  x[300] = 40; // an outlier in one block
  x.fill(0, 512, 768); // an all-zero super-block must come back as zeros

  const roundTrip = (type: string): Float32Array => dequantize(type, quantize(type, x), x.length);

  it('Q8_0 / Q8_1: |err| <= d/2 plus the f16 rounding of d (127 * 2^-11 * d)', () => {
    for (const [type, size] of [['Q8_0', 34], ['Q8_1', 36]] as const) {
      const q = quantize(type, x);
      const y = dequantize(type, q, x.length);
      for (let b = 0; b < x.length / 32; b++) {
        const d = f16At(q, b * size);
        for (let i = 32 * b; i < 32 * b + 32; i++) expect(Math.abs(x[i]! - y[i]!)).toBeLessThanOrEqual(d * (0.5 + 127 * 2 ** -11));
      }
    }
  });

  it('Q8_1: s holds d * sum(q)', () => {
    const q = quantize('Q8_1', x.subarray(0, 32));
    const sum = Array.from(new Int8Array(q.buffer, 4, 32)).reduce((a, v) => a + v, 0);
    expect(f16At(q, 2)).toBeCloseTo(f16At(q, 0) * sum, 2);
  });

  it('Q4_0 / Q5_0: |err| <= |d| (one step where the top code clips)', () => {
    for (const [type, size, nmax] of [['Q4_0', 18, 15], ['Q5_0', 22, 31]] as const) {
      const q = quantize(type, x);
      const y = dequantize(type, q, x.length);
      for (let b = 0; b < x.length / 32; b++) {
        const d = Math.abs(f16At(q, b * size));
        for (let i = 32 * b; i < 32 * b + 32; i++) expect(Math.abs(x[i]! - y[i]!)).toBeLessThanOrEqual(d * (1 + nmax * 2 ** -11));
      }
    }
  });

  it('Q4_1 / Q5_1: |err| <= d/2 plus the f16 rounding of d and m', () => {
    for (const [type, size, nmax] of [['Q4_1', 20, 15], ['Q5_1', 24, 31]] as const) {
      const q = quantize(type, x);
      const y = dequantize(type, q, x.length);
      for (let b = 0; b < x.length / 32; b++) {
        const d = f16At(q, b * size);
        const m = Math.abs(f16At(q, b * size + 2));
        const bound = d * (0.5 + nmax * 2 ** -11) + m * 2 ** -11 + 1e-7;
        for (let i = 32 * b; i < 32 * b + 32; i++) expect(Math.abs(x[i]! - y[i]!)).toBeLessThanOrEqual(bound);
      }
    }
  });

  it('MXFP4: |err| <= 2 * 2^(e-127) (half the widest level gap, or the clip above 6)', () => {
    const q = quantize('MXFP4', x);
    const y = dequantize('MXFP4', q, x.length);
    for (let b = 0; b < x.length / 32; b++) {
      const unit = 2 ** (q[17 * b]! - 127);
      for (let i = 32 * b; i < 32 * b + 32; i++) expect(Math.abs(x[i]! - y[i]!)).toBeLessThanOrEqual(2 * unit);
    }
  });

  // Uniform quantization with step D has RMS error D / sqrt(12); the groups of 16-32 normal samples
  // here span under 6 sigma, so D < 6 / (levels - 1) (the scale searches usually do better).
  const rmsBound = (levels: number): number => 6 / (levels - 1) / Math.sqrt(12);
  const K_LEVELS: Record<string, number> = { Q2_K: 4, Q3_K: 8, Q4_K: 16, Q5_K: 32, Q6_K: 64, IQ4_NL: 16, IQ4_XS: 16 };

  it.each(Object.entries(K_LEVELS))('%s: relative RMS error below the uniform-step bound', (type, levels) => {
    const y = roundTrip(type);
    let se = 0;
    let sx = 0;
    for (let i = 0; i < x.length; i++) {
      se += (x[i]! - y[i]!) ** 2;
      sx += x[i]! ** 2;
    }
    expect(Math.sqrt(se / sx)).toBeLessThan(rmsBound(levels));
    expect(Array.from(y.subarray(512, 768)).every((v) => v === 0)).toBe(true);
  });

  it('Q8_K: |err| <= d/2 with an f32 d = amax / 127, and bsums are the sums of 16 quants', () => {
    const q = quantize('Q8_K', x);
    const y = dequantize('Q8_K', q, x.length);
    const view = new DataView(q.buffer);
    for (let b = 0; b < x.length / 256; b++) {
      const d = Math.abs(view.getFloat32(292 * b, true));
      for (let i = 256 * b; i < 256 * b + 256; i++) expect(Math.abs(x[i]! - y[i]!)).toBeLessThanOrEqual(d * 0.5 + 1e-6);
      const qs = new Int8Array(q.buffer, 292 * b + 4, 256);
      for (let j = 0; j < 16; j++) {
        const sum = qs.subarray(16 * j, 16 * j + 16).reduce((a, v) => a + v, 0);
        expect(view.getInt16(292 * b + 260 + 2 * j, true)).toBe(sum);
      }
    }
  });

  it('F16 / BF16: relative error within half an ulp (2^-11 / 2^-8)', () => {
    for (const [type, eps] of [['F16', 2 ** -11], ['BF16', 2 ** -8]] as const) {
      const y = roundTrip(type);
      for (let i = 0; i < x.length; i++) expect(Math.abs(x[i]! - y[i]!)).toBeLessThanOrEqual(Math.abs(x[i]!) * eps + 2 ** -25);
    }
  });

  it('every quantizable type returns zeros for zeros', () => {
    const zeros = new Float32Array(256);
    for (const type of QUANTIZABLE) expect(Array.from(dequantize(type, quantize(type, zeros), 256)).every((v) => v === 0)).toBe(true);
  });
});

describe('quantize arguments', () => {
  it('canQuantize names the supported types and refuses the rest without throwing', () => {
    expect(QUANTIZABLE.sort()).toEqual(
      ['BF16', 'F16', 'F32', 'IQ4_NL', 'IQ4_XS', 'MXFP4', 'Q2_K', 'Q3_K', 'Q4_0', 'Q4_1', 'Q4_K', 'Q5_0', 'Q5_1', 'Q5_K', 'Q6_K', 'Q8_0', 'Q8_1', 'Q8_K', 'TQ1_0', 'TQ2_0'].sort(),
    );
    expect(canQuantize('q4_k')).toBe(true);
    expect(canQuantize(8)).toBe(true);
    expect(canQuantize('IQ2_XXS')).toBe(false);
    expect(canQuantize('nope')).toBe(false);
    expect(canQuantize(4)).toBe(false);
  });

  it('writes into a given buffer (clearing stale bytes) and returns it', () => {
    const out = new Uint8Array(40).fill(0xaa);
    const x = new Float32Array(32).fill(1);
    expect(quantize('Q8_0', x, out)).toBe(out);
    expect(Array.from(out.subarray(0, 3))).toEqual(Array.from(quantize('Q8_0', x).subarray(0, 3)));
    expect(out[34]).toBe(0xaa); // past the encoded size: untouched
  });

  it('rejects partial blocks, small outputs, unsupported and unknown types', () => {
    expect(() => quantize('Q4_0', new Float32Array(33))).toThrow(ShapeError);
    expect(() => quantize('Q4_K', new Float32Array(128))).toThrow(ShapeError);
    expect(() => quantize('Q8_0', new Float32Array(32), new Uint8Array(33))).toThrow(ShapeError);
    expect(() => quantize('IQ2_XXS', new Float32Array(256))).toThrow(InvalidArgumentError);
    expect(() => quantize('Q9_9', new Float32Array(32))).toThrow(UnknownDTypeError);
  });
});
