/**
 * Dequantizers of the K-quant super-blocks of 256 elements (ggml-quants.c dequantize_row_q2_K ...
 * q6_K, q8_K). Float arithmetic is rounded to float32 after each C operation (see legacy.ts).
 */
import { f16At } from './half.js';

const fr = Math.fround;

/**
 * The 6-bit (scale, min) pair `j` (0..7) of Q4_K / Q5_K (get_scale_min_k4): 12 bytes hold 8 scales
 * and 8 mins; pairs 0..3 sit in the low 6 bits of bytes j and j+4, pairs 4..7 take their low
 * nibbles from byte j+4 and their top 2 bits from the spare top bits of bytes j-4 (scale) and j (min).
 */
export function scaleMinK4(src: Uint8Array, o: number, j: number): [scale: number, min: number] {
  if (j < 4) return [src[o + j]! & 63, src[o + j + 4]! & 63];
  const sc = (src[o + j + 4]! & 0x0f) | ((src[o + j - 4]! >> 6) << 4);
  const m = (src[o + j + 4]! >> 4) | ((src[o + j]! >> 6) << 4);
  return [sc, m];
}

/**
 * block_q2_K (84 bytes): scales[16] (low nibble scale, high nibble min, per 16 elements), qs[64]
 * (2-bit quants), f16 d, f16 dmin. x = d*scale * q - dmin*min.
 * Each 128-element half uses 32 bytes of qs; bit pair `shift` of byte l holds element 32*(shift/2) + l.
 */
export function dequantizeQ2_K(src: Uint8Array, out: Float32Array, nb: number): void {
  for (let i = 0; i < nb; i++) {
    const o = i * 84;
    const d = f16At(src, o + 80);
    const min = f16At(src, o + 82);
    let y = i * 256;
    let is = 0;
    for (let half = 0; half < 2; half++) {
      const q = o + 16 + 32 * half;
      for (let shift = 0; shift < 8; shift += 2) {
        for (let part = 0; part < 2; part++) {
          const sc = src[o + is++]!;
          const dl = fr(d * (sc & 0x0f));
          const ml = fr(min * (sc >> 4));
          for (let l = 0; l < 16; l++) out[y++] = fr(dl * ((src[q + 16 * part + l]! >> shift) & 3)) - ml;
        }
      }
    }
  }
}

/**
 * The 16 signed 6-bit scales of Q3_K from its 12 scale bytes: the low nibble of scale j is in byte j
 * (j < 8) or the high nibble of byte j-8; its top 2 bits are bits 2*(j/4) of byte 8 + j%4; bias 32.
 */
export function scalesQ3_K(src: Uint8Array, o: number): Int8Array {
  const s = new Int8Array(16);
  for (let j = 0; j < 16; j++) {
    const low = j < 8 ? src[o + j]! & 0x0f : src[o + j - 8]! >> 4;
    const high = (src[o + 8 + (j % 4)]! >> (2 * (j >> 2))) & 3;
    s[j] = (low | (high << 4)) - 32;
  }
  return s;
}

/**
 * block_q3_K (110 bytes): hmask[32], qs[64], scales[12], f16 d. x = d*scale * (q - 4 if the hmask bit
 * is clear). Layout of the low 2 bits as in Q2_K; the high bit of element 32*k + l (k = 0..7) is
 * bit k of hmask[l].
 */
export function dequantizeQ3_K(src: Uint8Array, out: Float32Array, nb: number): void {
  for (let i = 0; i < nb; i++) {
    const o = i * 110;
    const d = f16At(src, o + 108);
    const scales = scalesQ3_K(src, o + 96);
    let y = i * 256;
    let is = 0;
    let bit = 1;
    for (let half = 0; half < 2; half++) {
      const q = o + 32 + 32 * half;
      for (let shift = 0; shift < 8; shift += 2) {
        for (let part = 0; part < 2; part++) {
          const dl = fr(d * scales[is++]!);
          for (let l = 16 * part; l < 16 * part + 16; l++) {
            const low = (src[q + l]! >> shift) & 3;
            out[y++] = dl * (low - (src[o + l]! & bit ? 0 : 4));
          }
        }
        bit <<= 1;
      }
    }
  }
}

/**
 * block_q4_K (144 bytes): f16 d, f16 dmin, scales[12] (8 six-bit scale/min pairs), qs[128].
 * Each 64 elements share 32 bytes: low nibbles are the first 32 (pair 2k), high nibbles the next 32 (pair 2k+1).
 */
export function dequantizeQ4_K(src: Uint8Array, out: Float32Array, nb: number): void {
  for (let i = 0; i < nb; i++) {
    const o = i * 144;
    const d = f16At(src, o);
    const min = f16At(src, o + 2);
    let y = i * 256;
    for (let k = 0; k < 4; k++) {
      const [sc1, m1] = scaleMinK4(src, o + 4, 2 * k);
      const [sc2, m2] = scaleMinK4(src, o + 4, 2 * k + 1);
      const d1 = fr(d * sc1);
      const dm1 = fr(min * m1);
      const d2 = fr(d * sc2);
      const dm2 = fr(min * m2);
      const q = o + 16 + 32 * k;
      for (let l = 0; l < 32; l++) out[y++] = fr(d1 * (src[q + l]! & 0x0f)) - dm1;
      for (let l = 0; l < 32; l++) out[y++] = fr(d2 * (src[q + l]! >> 4)) - dm2;
    }
  }
}

/**
 * block_q5_K (176 bytes): f16 d, f16 dmin, scales[12], qh[32], qs[128]. As Q4_K plus a 5th bit:
 * element 32*k + l has its high bit in bit k of qh[l].
 */
export function dequantizeQ5_K(src: Uint8Array, out: Float32Array, nb: number): void {
  for (let i = 0; i < nb; i++) {
    const o = i * 176;
    const d = f16At(src, o);
    const min = f16At(src, o + 2);
    let y = i * 256;
    for (let k = 0; k < 4; k++) {
      const [sc1, m1] = scaleMinK4(src, o + 4, 2 * k);
      const [sc2, m2] = scaleMinK4(src, o + 4, 2 * k + 1);
      const d1 = fr(d * sc1);
      const dm1 = fr(min * m1);
      const d2 = fr(d * sc2);
      const dm2 = fr(min * m2);
      const q = o + 48 + 32 * k;
      const u1 = 1 << (2 * k);
      const u2 = 2 << (2 * k);
      for (let l = 0; l < 32; l++) {
        const h = src[o + 16 + l]! & u1 ? 16 : 0;
        out[y++] = fr(d1 * ((src[q + l]! & 0x0f) + h)) - dm1;
      }
      for (let l = 0; l < 32; l++) {
        const h = src[o + 16 + l]! & u2 ? 16 : 0;
        out[y++] = fr(d2 * ((src[q + l]! >> 4) + h)) - dm2;
      }
    }
  }
}

/**
 * block_q6_K (210 bytes): ql[128] (low 4 bits), qh[64] (high 2 bits), int8 scales[16], f16 d.
 * x = d * scale * (q - 32). Per 128-element half (ql += 64, qh += 32, scales += 8), for l < 32:
 * elements l, l+32, l+64, l+96 are ql[l] low, ql[l+32] low, ql[l] high, ql[l+32] high nibbles,
 * with bit pairs 0, 2, 4, 6 of qh[l], and use scales[l/16 + 0, 2, 4, 6].
 */
export function dequantizeQ6_K(src: Uint8Array, out: Float32Array, nb: number): void {
  for (let i = 0; i < nb; i++) {
    const o = i * 210;
    const d = f16At(src, o + 208);
    for (let half = 0; half < 2; half++) {
      const ql = o + 64 * half;
      const qh = o + 128 + 32 * half;
      const sc = o + 192 + 8 * half;
      const y = i * 256 + 128 * half;
      for (let l = 0; l < 32; l++) {
        const is = l >> 4;
        const h = src[qh + l]!;
        const q1 = ((src[ql + l]! & 0x0f) | ((h & 3) << 4)) - 32;
        const q2 = ((src[ql + l + 32]! & 0x0f) | (((h >> 2) & 3) << 4)) - 32;
        const q3 = ((src[ql + l]! >> 4) | (((h >> 4) & 3) << 4)) - 32;
        const q4 = ((src[ql + l + 32]! >> 4) | (((h >> 6) & 3) << 4)) - 32;
        out[y + l] = fr(d * int8(src[sc + is]!)) * q1;
        out[y + l + 32] = fr(d * int8(src[sc + is + 2]!)) * q2;
        out[y + l + 64] = fr(d * int8(src[sc + is + 4]!)) * q3;
        out[y + l + 96] = fr(d * int8(src[sc + is + 6]!)) * q4;
      }
    }
  }
}

function int8(b: number): number {
  return (b << 24) >> 24;
}

/** block_q8_K (292 bytes): f32 d, int8 qs[256], int16 bsums[16] (sums of 16 quants, unused here). x = d * q. */
export function dequantizeQ8_K(src: Uint8Array, out: Float32Array, nb: number): void {
  const v = new DataView(src.buffer, src.byteOffset, src.byteLength);
  for (let i = 0; i < nb; i++) {
    const o = i * 292;
    const d = v.getFloat32(o, true);
    const y = i * 256;
    for (let j = 0; j < 256; j++) out[y + j] = d * int8(src[o + 4 + j]!);
  }
}
