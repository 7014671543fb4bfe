/**
 * Dequantizers of the 32-element block types (ggml-quants.c dequantize_row_q4_0 ... q8_0, mxfp4).
 * Every function reads `nb` consecutive blocks from the start of `src` into `out`.
 *
 * Float arithmetic follows the C code operation by operation: each float32 operation is rounded
 * with Math.fround (a single product int*float needs no explicit rounding: it is exact in a double
 * and rounded once when stored into the Float32Array).
 */
import { f16At } from './half.js';
import { KVALUES_MXFP4 } from './tables.js';

const fr = Math.fround;

/** block_q4_0 (18 bytes): f16 d, 16 bytes of nibbles. x = (q - 8) * d; low nibbles are elements 0..15. */
export function dequantizeQ4_0(src: Uint8Array, out: Float32Array, nb: number): void {
  for (let i = 0; i < nb; i++) {
    const o = i * 18;
    const d = f16At(src, o);
    const y = i * 32;
    for (let j = 0; j < 16; j++) {
      const q = src[o + 2 + j]!;
      out[y + j] = ((q & 0x0f) - 8) * d;
      out[y + j + 16] = ((q >> 4) - 8) * d;
    }
  }
}

/** block_q4_1 (20 bytes): f16 d, f16 m, 16 bytes of nibbles. x = q * d + m. */
export function dequantizeQ4_1(src: Uint8Array, out: Float32Array, nb: number): void {
  for (let i = 0; i < nb; i++) {
    const o = i * 20;
    const d = f16At(src, o);
    const m = f16At(src, o + 2);
    const y = i * 32;
    for (let j = 0; j < 16; j++) {
      const q = src[o + 4 + j]!;
      out[y + j] = fr((q & 0x0f) * d) + m;
      out[y + j + 16] = fr((q >> 4) * d) + m;
    }
  }
}

/** The 32-bit little-endian word at byte `o`. */
function u32At(src: Uint8Array, o: number): number {
  return (src[o]! | (src[o + 1]! << 8) | (src[o + 2]! << 16) | (src[o + 3]! << 24)) >>> 0;
}

/** block_q5_0 (22 bytes): f16 d, u32 qh (bit j = 5th bit of element j), 16 bytes of nibbles. x = (q - 16) * d. */
export function dequantizeQ5_0(src: Uint8Array, out: Float32Array, nb: number): void {
  for (let i = 0; i < nb; i++) {
    const o = i * 22;
    const d = f16At(src, o);
    const qh = u32At(src, o + 2);
    const y = i * 32;
    for (let j = 0; j < 16; j++) {
      const q = src[o + 6 + j]!;
      const h0 = ((qh >>> j) & 1) << 4;
      const h1 = ((qh >>> (j + 16)) & 1) << 4;
      out[y + j] = (((q & 0x0f) | h0) - 16) * d;
      out[y + j + 16] = (((q >> 4) | h1) - 16) * d;
    }
  }
}

/** block_q5_1 (24 bytes): f16 d, f16 m, u32 qh, 16 bytes of nibbles. x = q * d + m. */
export function dequantizeQ5_1(src: Uint8Array, out: Float32Array, nb: number): void {
  for (let i = 0; i < nb; i++) {
    const o = i * 24;
    const d = f16At(src, o);
    const m = f16At(src, o + 2);
    const qh = u32At(src, o + 4);
    const y = i * 32;
    for (let j = 0; j < 16; j++) {
      const q = src[o + 8 + j]!;
      const h0 = ((qh >>> j) & 1) << 4;
      const h1 = ((qh >>> (j + 16)) & 1) << 4;
      out[y + j] = fr(((q & 0x0f) | h0) * d) + m;
      out[y + j + 16] = fr(((q >> 4) | h1) * d) + m;
    }
  }
}

/**
 * block_q8_0 (34 bytes): f16 d, 32 int8. x = q * d.
 * Also used for block_q8_1 (36 bytes: f16 d, f16 s = d * sum(q), 32 int8), for which ggml has no
 * dequantizer: `s` only serves dot products, the values are q * d as well.
 */
function dequantizeQ8(src: Uint8Array, out: Float32Array, nb: number, blockBytes: number, qsOffset: number): void {
  for (let i = 0; i < nb; i++) {
    const o = i * blockBytes;
    const d = f16At(src, o);
    const y = i * 32;
    for (let j = 0; j < 32; j++) out[y + j] = ((src[o + qsOffset + j]! << 24) >> 24) * d;
  }
}

export function dequantizeQ8_0(src: Uint8Array, out: Float32Array, nb: number): void {
  dequantizeQ8(src, out, nb, 34, 2);
}

export function dequantizeQ8_1(src: Uint8Array, out: Float32Array, nb: number): void {
  dequantizeQ8(src, out, nb, 36, 4);
}

/**
 * E8M0 scale halved (ggml_e8m0_to_fp32_half): 2^(e - 128), e = 0 and 1 give the float32 subnormals
 * 2^-128 and 2^-127. The halving compensates KVALUES_MXFP4 holding doubled E2M1 values.
 */
export function e8m0ToF32Half(e: number): number {
  return 2 ** (e - 128);
}

/** block_mxfp4 (17 bytes): u8 e (E8M0 shared exponent), 16 bytes of E2M1 nibbles. x = kvalues_mxfp4[q] * 2^(e-128). */
export function dequantizeMXFP4(src: Uint8Array, out: Float32Array, nb: number): void {
  for (let i = 0; i < nb; i++) {
    const o = i * 17;
    const d = e8m0ToF32Half(src[o]!);
    const y = i * 32;
    for (let j = 0; j < 16; j++) {
      const q = src[o + 1 + j]!;
      out[y + j] = KVALUES_MXFP4[q & 0x0f]! * d;
      out[y + j + 16] = KVALUES_MXFP4[q >> 4]! * d;
    }
  }
}
