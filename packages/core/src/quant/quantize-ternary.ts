/**
 * Ternary quantizers (ggml-quants.c quantize_row_tq1_0_ref / tq2_0_ref): d = amax of the 256 values,
 * each value rounded to -1, 0 or +1 times d. Layouts are described in ternary.ts.
 */
import { f32ToF16 } from './half.js';
import { fr, roundAway } from './rounding.js';

/** Per-block scale d = amax and the code (0, 1, 2 for -1, 0, +1) of each value. */
function ternaryCodes(x: Float32Array, xo: number): { d: number; code: (j: number) => number } {
  let amax = 0;
  for (let j = 0; j < 256; j++) amax = Math.max(amax, Math.abs(x[xo + j]!));
  const id = amax ? fr(1 / amax) : 0;
  return { d: amax, code: (j) => roundAway(fr(x[xo + j]! * id)) + 1 };
}

function putF16(y: Uint8Array, o: number, x: number): void {
  const h = f32ToF16(x);
  y[o] = h & 0xff;
  y[o + 1] = h >>> 8;
}

/** Store base-3 digits (most significant first, padded to 5 trits) as ceil(v * 256 / 243). */
function packTrits(codes: number[]): number {
  let v = 0;
  for (const c of codes) v = (v * 3 + c) & 0xff;
  for (let k = codes.length; k < 5; k++) v = (v * 3) & 0xff;
  return Math.floor((v * 256 + 242) / 243) & 0xff;
}

export function quantizeTQ1_0(x: Float32Array, y: Uint8Array, nb: number): void {
  for (let i = 0; i < nb; i++) {
    const xo = i * 256;
    const o = i * 54;
    const { d, code } = ternaryCodes(x, xo);
    putF16(y, o + 52, d);
    for (let m = 0; m < 32; m++) y[o + m] = packTrits([0, 1, 2, 3, 4].map((n) => code(m + 32 * n)));
    for (let m = 0; m < 16; m++) y[o + 32 + m] = packTrits([0, 1, 2, 3, 4].map((n) => code(160 + m + 16 * n)));
    for (let j = 0; j < 4; j++) y[o + 48 + j] = packTrits([0, 1, 2, 3].map((n) => code(240 + j + 4 * n)));
  }
}

export function quantizeTQ2_0(x: Float32Array, y: Uint8Array, nb: number): void {
  for (let i = 0; i < nb; i++) {
    const xo = i * 256;
    const o = i * 66;
    const { d, code } = ternaryCodes(x, xo);
    putF16(y, o + 64, d);
    for (let j = 0; j < 64; j += 32) {
      for (let m = 0; m < 32; m++) {
        let q = 0;
        for (let n = 0; n < 4; n++) q += (code(4 * j + m + 32 * n) & 3) << (2 * n);
        y[o + j + m] = q & 0xff;
      }
    }
  }
}
