/**
 * Dequantizers of the ternary types TQ1_0 and TQ2_0 (ggml-quants.c dequantize_row_tq1_0 / tq2_0):
 * values in {-1, 0, 1} times one f16 scale per 256 elements.
 */
import { f16At } from './half.js';

const POW3 = [1, 3, 9, 27, 81, 243];

/**
 * Trit `n` (0 = most significant) of a byte holding 5 trits in "fixed-point" form: the byte is
 * ceil(v * 256 / 243) for the base-3 number v, so multiplying by 3^n (mod 256) shifts trit n to
 * the top and (q * 3) >> 8 extracts it.
 */
export function tritAt(byte: number, n: number): number {
  const q = (byte * POW3[n]!) & 0xff;
  return (q * 3) >> 8;
}

/**
 * block_tq1_0 (54 bytes): qs[48] (5 trits each), qh[4] (4 trits each), f16 d.
 * qs[0..31] hold elements 32*n + m (n = trit 0..4, m = byte), qs[32..47] the next 80 elements as
 * 16*n + m, and qh[j] the last 16 as 4*n + j.
 */
export function dequantizeTQ1_0(src: Uint8Array, out: Float32Array, nb: number): void {
  for (let i = 0; i < nb; i++) {
    const o = i * 54;
    const d = f16At(src, o + 52);
    let y = i * 256;
    for (let n = 0; n < 5; n++) for (let m = 0; m < 32; m++) out[y++] = (tritAt(src[o + m]!, n) - 1) * d;
    for (let n = 0; n < 5; n++) for (let m = 0; m < 16; m++) out[y++] = (tritAt(src[o + 32 + m]!, n) - 1) * d;
    for (let n = 0; n < 4; n++) for (let j = 0; j < 4; j++) out[y++] = (tritAt(src[o + 48 + j]!, n) - 1) * d;
  }
}

/**
 * block_tq2_0 (66 bytes): qs[64] (2 bits each, code 0/1/2 = -1/0/+1), f16 d.
 * Each 128 elements use 32 bytes; bit pair l of byte m is element 32*l + m.
 */
export function dequantizeTQ2_0(src: Uint8Array, out: Float32Array, nb: number): void {
  for (let i = 0; i < nb; i++) {
    const o = i * 66;
    const d = f16At(src, o + 64);
    let y = i * 256;
    for (let j = 0; j < 64; j += 32) {
      for (let l = 0; l < 4; l++) {
        for (let m = 0; m < 32; m++) out[y++] = (((src[o + j + m]! >> (2 * l)) & 3) - 1) * d;
      }
    }
  }
}
