/**
 * Quantizers of the 32-element block types, following ggml's reference implementations
 * (ggml-quants.c quantize_row_q4_0_ref ... q8_1_ref, mxfp4_ref) operation by operation, so the
 * bytes match what llama.cpp writes. Each function encodes `nb` blocks of `x` into `y` (zeroed).
 */
import { f32ToF16 } from './half.js';
import { e8m0ToF32Half } from './legacy.js';
import { fr, roundAway, toInt8 } from './rounding.js';
import { KVALUES_MXFP4 } from './tables.js';

function putF16(y: Uint8Array, o: number, x: number): void {
  const h = f32ToF16(x);
  y[o] = h & 0xff;
  y[o + 1] = h >>> 8;
}

/** The element of largest magnitude (the first one on ties), as ggml's `max` with `amax < fabsf(v)`. */
function signedAbsMax(x: Float32Array, start: number, n: number): number {
  let amax = 0;
  let max = 0;
  for (let j = start; j < start + n; j++) {
    if (amax < Math.abs(x[j]!)) {
      amax = Math.abs(x[j]!);
      max = x[j]!;
    }
  }
  return max;
}

/** FLT_MAX, the start value of ggml's min/max scans. */
const FLT_MAX = 3.4028234663852886e38;

function minMax(x: Float32Array, start: number, n: number): [number, number] {
  let min = FLT_MAX;
  let max = -FLT_MAX;
  for (let j = start; j < start + n; j++) {
    if (x[j]! < min) min = x[j]!;
    if (x[j]! > max) max = x[j]!;
  }
  return [min, max];
}

/** Q4_0: d = max / -8 (max = the value of largest magnitude), q = min(15, trunc(x/d + 8.5)). */
export function quantizeQ4_0(x: Float32Array, y: Uint8Array, nb: number): void {
  for (let i = 0; i < nb; i++) {
    const xo = i * 32;
    const o = i * 18;
    const d = fr(signedAbsMax(x, xo, 32) / -8);
    const id = d ? fr(1 / d) : 0;
    putF16(y, o, d);
    for (let j = 0; j < 16; j++) {
      const q0 = Math.min(15, toInt8(Math.trunc(fr(fr(x[xo + j]! * id) + 8.5))));
      const q1 = Math.min(15, toInt8(Math.trunc(fr(fr(x[xo + 16 + j]! * id) + 8.5))));
      y[o + 2 + j] = (q0 & 0x0f) | (q1 << 4);
    }
  }
}

/** Q4_1: d = (max - min) / 15, m = min, q = min(15, trunc((x - min)/d + 0.5)). */
export function quantizeQ4_1(x: Float32Array, y: Uint8Array, nb: number): void {
  for (let i = 0; i < nb; i++) {
    const xo = i * 32;
    const o = i * 20;
    const [min, max] = minMax(x, xo, 32);
    const d = fr(fr(max - min) / 15);
    const id = d ? fr(1 / d) : 0;
    putF16(y, o, d);
    putF16(y, o + 2, min);
    for (let j = 0; j < 16; j++) {
      const q0 = Math.min(15, toInt8(Math.trunc(fr(fr(fr(x[xo + j]! - min) * id) + 0.5))));
      const q1 = Math.min(15, toInt8(Math.trunc(fr(fr(fr(x[xo + 16 + j]! - min) * id) + 0.5))));
      y[o + 4 + j] = (q0 & 0x0f) | (q1 << 4);
    }
  }
}

function putU32(y: Uint8Array, o: number, v: number): void {
  y[o] = v & 0xff;
  y[o + 1] = (v >>> 8) & 0xff;
  y[o + 2] = (v >>> 16) & 0xff;
  y[o + 3] = v >>> 24;
}

/** Q5_0: d = max / -16, q = min(31, trunc(x/d + 16.5)); the 5th bits go to the u32 qh. */
export function quantizeQ5_0(x: Float32Array, y: Uint8Array, nb: number): void {
  for (let i = 0; i < nb; i++) {
    const xo = i * 32;
    const o = i * 22;
    const d = fr(signedAbsMax(x, xo, 32) / -16);
    const id = d ? fr(1 / d) : 0;
    putF16(y, o, d);
    let qh = 0;
    for (let j = 0; j < 16; j++) {
      const q0 = Math.min(31, toInt8(Math.trunc(fr(fr(x[xo + j]! * id) + 16.5)))) & 0xff;
      const q1 = Math.min(31, toInt8(Math.trunc(fr(fr(x[xo + 16 + j]! * id) + 16.5)))) & 0xff;
      y[o + 6 + j] = (q0 & 0x0f) | ((q1 & 0x0f) << 4);
      qh |= ((q0 & 0x10) >> 4) << j;
      qh |= ((q1 & 0x10) >> 4) << (j + 16);
    }
    putU32(y, o + 2, qh >>> 0);
  }
}

/** Q5_1: d = (max - min) / 31, m = min, q = trunc((x - min)/d + 0.5). */
export function quantizeQ5_1(x: Float32Array, y: Uint8Array, nb: number): void {
  for (let i = 0; i < nb; i++) {
    const xo = i * 32;
    const o = i * 24;
    const [min, max] = minMax(x, xo, 32);
    const d = fr(fr(max - min) / 31);
    const id = d ? fr(1 / d) : 0;
    putF16(y, o, d);
    putF16(y, o + 2, min);
    let qh = 0;
    for (let j = 0; j < 16; j++) {
      const q0 = Math.trunc(fr(fr(fr(x[xo + j]! - min) * id) + 0.5)) & 0xff;
      const q1 = Math.trunc(fr(fr(fr(x[xo + 16 + j]! - min) * id) + 0.5)) & 0xff;
      y[o + 8 + j] = (q0 & 0x0f) | ((q1 & 0x0f) << 4);
      qh |= ((q0 & 0x10) >> 4) << j;
      qh |= ((q1 & 0x10) >> 4) << (j + 16);
    }
    putU32(y, o + 4, qh >>> 0);
  }
}

function absMax(x: Float32Array, start: number, n: number): number {
  let amax = 0;
  for (let j = start; j < start + n; j++) amax = Math.max(amax, Math.abs(x[j]!));
  return amax;
}

/** Q8_0: d = amax / 127, q = round(x / d) (half away from zero). */
export function quantizeQ8_0(x: Float32Array, y: Uint8Array, nb: number): void {
  for (let i = 0; i < nb; i++) {
    const xo = i * 32;
    const o = i * 34;
    const d = fr(absMax(x, xo, 32) / 127);
    const id = d ? fr(1 / d) : 0;
    putF16(y, o, d);
    for (let j = 0; j < 32; j++) y[o + 2 + j] = roundAway(fr(x[xo + j]! * id)) & 0xff;
  }
}

/** Q8_1: as Q8_0, plus s = d * sum(q) stored as f16. */
export function quantizeQ8_1(x: Float32Array, y: Uint8Array, nb: number): void {
  for (let i = 0; i < nb; i++) {
    const xo = i * 32;
    const o = i * 36;
    const d = fr(absMax(x, xo, 32) / 127);
    const id = d ? fr(1 / d) : 0;
    putF16(y, o, d);
    let sum = 0;
    for (let j = 0; j < 32; j++) {
      const q = toInt8(roundAway(fr(x[xo + j]! * id)));
      y[o + 4 + j] = q & 0xff;
      sum += q;
    }
    putF16(y, o + 2, fr(sum * d));
  }
}

/** Index of the E2M1 level (scaled by e) nearest to x, the first one on ties (best_index_mxfp4). */
function nearestMxfp4(x: number, e: number): number {
  let best = 0;
  let bestErr = Math.abs(fr(fr(KVALUES_MXFP4[0]! * e) - x));
  for (let i = 1; i < 16; i++) {
    const err = Math.abs(fr(fr(KVALUES_MXFP4[i]! * e) - x));
    if (err < bestErr) {
      best = i;
      bestErr = err;
    }
  }
  return best;
}

/**
 * MXFP4: shared exponent e = floor(log2(amax)) - 2 + 127 (so amax lands near the top E2M1 level 6),
 * each value the nearest E2M1 level. log2f is emulated as the double log2 rounded to float32.
 */
export function quantizeMXFP4(x: Float32Array, y: Uint8Array, nb: number): void {
  for (let i = 0; i < nb; i++) {
    const xo = i * 32;
    const o = i * 17;
    const amax = absMax(x, xo, 32);
    const e = amax > 0 ? (Math.floor(fr(Math.log2(amax))) - 2 + 127) & 0xff : 0;
    const d = e8m0ToF32Half(e);
    y[o] = e;
    for (let j = 0; j < 16; j++) {
      y[o + 1 + j] = nearestMxfp4(x[xo + j]!, d) | (nearestMxfp4(x[xo + 16 + j]!, d) << 4);
    }
  }
}
