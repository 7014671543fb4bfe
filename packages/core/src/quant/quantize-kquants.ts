/**
 * K-quant quantizers (ggml-quants.c quantize_row_q2_K_ref ... q6_K_ref, q8_K_ref): what llama.cpp
 * produces without an importance matrix. Each function encodes `nb` super-blocks of 256 values of
 * `x` into the zeroed `y`; float arithmetic is rounded like the C code (see kquant-search.ts).
 */
import { f16ToF32, f32ToF16 } from './half.js';
import { GROUP_MAX_EPS, makeQ3Quants, makeQkx2Quants, makeQxQuants } from './kquant-search.js';
import { scaleMinK4 } from './kquants.js';
import { fr, nearestInt, toInt8, toUint8 } from './rounding.js';

/** Store f32 x as f16 at byte o and return the stored value decoded (what dequantization will see). */
function putF16(y: Uint8Array, o: number, x: number): number {
  const h = f32ToF16(x);
  y[o] = h & 0xff;
  y[o + 1] = h >>> 8;
  return f16ToF32(h);
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, v));
}

/** Pack four 2-bit planes: byte l of each 32-byte group holds elements l, l+32, l+64, l+96 of its 128. */
function pack2Bit(L: ArrayLike<number>, y: Uint8Array, o: number): void {
  for (let j = 0; j < 256; j += 128) {
    for (let l = 0; l < 32; l++) {
      y[o + j / 4 + l] = toUint8(L[j + l]! | (L[j + l + 32]! << 2) | (L[j + l + 64]! << 4) | (L[j + l + 96]! << 6));
    }
  }
}

/** Q2_K: 16 groups of 16 fitted as scale * q - min (q in 0..3), with 4-bit scales and mins. */
export function quantizeQ2_K(x: Float32Array, y: Uint8Array, nb: number): void {
  const L = new Uint8Array(256);
  const Laux = new Uint8Array(16);
  const weights = new Float32Array(16);
  const scales = new Float32Array(16);
  const mins = new Float32Array(16);
  for (let i = 0; i < nb; i++) {
    const xb = x.subarray(256 * i, 256 * i + 256);
    const o = i * 84;
    let maxScale = 0;
    let maxMin = 0;
    for (let j = 0; j < 16; j++) {
      const xg = xb.subarray(16 * j, 16 * j + 16);
      for (let l = 0; l < 16; l++) weights[l] = Math.abs(xg[l]!);
      const r = makeQkx2Quants(3, xg, weights, L.subarray(16 * j, 16 * j + 16), Laux, -0.5, fr(0.1), 15, true);
      scales[j] = r.scale;
      mins[j] = r.min;
      if (scales[j]! > maxScale) maxScale = scales[j]!;
      if (mins[j]! > maxMin) maxMin = mins[j]!;
    }
    let d = 0;
    if (maxScale > 0) {
      const iscale = fr(15 / maxScale);
      for (let j = 0; j < 16; j++) y[o + j] = toUint8(nearestInt(fr(iscale * scales[j]!)));
      d = putF16(y, o + 80, fr(maxScale / 15));
    } else {
      d = putF16(y, o + 80, 0);
    }
    let dmin = 0;
    if (maxMin > 0) {
      const iscale = fr(15 / maxMin);
      for (let j = 0; j < 16; j++) y[o + j] = toUint8(y[o + j]! | (nearestInt(fr(iscale * mins[j]!)) << 4));
      dmin = putF16(y, o + 82, fr(maxMin / 15));
    } else {
      dmin = putF16(y, o + 82, 0);
    }
    for (let j = 0; j < 16; j++) {
      const dl = fr(d * (y[o + j]! & 0x0f));
      if (!dl) continue;
      const ml = fr(dmin * (y[o + j]! >> 4));
      for (let ii = 0; ii < 16; ii++) L[16 * j + ii] = clamp(nearestInt(fr(fr(xb[16 * j + ii]! + ml) / dl)), 0, 3);
    }
    pack2Bit(L, y, o + 16);
  }
}

/** Q3_K: 16 groups of 16, symmetric 3-bit quants (low 2 bits in qs, high bit in hmask), 6-bit scales. */
export function quantizeQ3_K(x: Float32Array, y: Uint8Array, nb: number): void {
  const L = new Int8Array(256);
  const scales = new Float32Array(16);
  for (let i = 0; i < nb; i++) {
    const xb = x.subarray(256 * i, 256 * i + 256);
    const o = i * 110;
    let maxScale = 0;
    let amax = 0;
    for (let j = 0; j < 16; j++) {
      scales[j] = makeQ3Quants(4, xb.subarray(16 * j, 16 * j + 16), L.subarray(16 * j, 16 * j + 16));
      const scale = Math.abs(scales[j]!);
      if (scale > amax) {
        amax = scale;
        maxScale = scales[j]!;
      }
    }
    const sc = o + 96; // 12 scale bytes
    let d = 0;
    if (maxScale) {
      const iscale = fr(-32 / maxScale);
      for (let j = 0; j < 16; j++) {
        const l = clamp(toInt8(nearestInt(fr(iscale * scales[j]!))), -32, 31) + 32;
        if (j < 8) y[sc + j] = l & 0x0f;
        else y[sc + j - 8] = toUint8(y[sc + j - 8]! | ((l & 0x0f) << 4));
        y[sc + 8 + (j % 4)] = toUint8(y[sc + 8 + (j % 4)]! | ((l >> 4) << (2 * (j >> 2))));
      }
      d = putF16(y, o + 108, fr(1 / iscale));
    } else {
      d = putF16(y, o + 108, 0);
    }
    for (let j = 0; j < 16; j++) {
      const low = j < 8 ? y[sc + j]! & 0x0f : y[sc + j - 8]! >> 4;
      const s = (low | (((y[sc + 8 + (j % 4)]! >> (2 * (j >> 2))) & 3) << 4)) - 32;
      const dl = fr(d * s);
      if (!dl) continue;
      for (let ii = 0; ii < 16; ii++) L[16 * j + ii] = clamp(nearestInt(fr(xb[16 * j + ii]! / dl)), -4, 3) + 4;
    }
    // high bit of element j goes to bit (j / 32) of hmask[j % 32]
    for (let j = 0; j < 256; j++) {
      if (L[j]! > 3) {
        y[o + (j % 32)] = y[o + (j % 32)]! | (1 << (j >> 5));
        L[j] = L[j]! - 4;
      }
    }
    pack2Bit(L, y, o + 32);
  }
}

/** Fill `weights` with av_x + |x| where av_x = sqrt(mean(x^2)), the Q4_K / Q5_K weighting. */
function rmsWeights(xg: Float32Array, weights: Float32Array): void {
  let sumX2 = 0;
  for (let l = 0; l < 32; l++) sumX2 = fr(sumX2 + fr(xg[l]! * xg[l]!));
  const avX = fr(Math.sqrt(fr(sumX2 / 32)));
  for (let l = 0; l < 32; l++) weights[l] = fr(avX + Math.abs(xg[l]!));
}

/**
 * The common part of Q4_K and Q5_K: 8 groups of 32 fitted as scale * q - min (q in 0..nmax), the
 * 6-bit scales and mins packed into the 12 bytes at y[o+4..] (see scaleMinK4), d and dmin as f16
 * at o and o+2. Leaves the final quants in L.
 */
function quantizeScaleMinK4(
  xb: Float32Array,
  y: Uint8Array,
  o: number,
  L: Uint8Array,
  nmax: number,
  rmin: number,
  nstep: number,
): void {
  const Laux = new Uint8Array(32);
  const weights = new Float32Array(32);
  const scales = new Float32Array(8);
  const mins = new Float32Array(8);
  let maxScale = 0;
  let maxMin = 0;
  for (let j = 0; j < 8; j++) {
    const xg = xb.subarray(32 * j, 32 * j + 32);
    rmsWeights(xg, weights);
    const r = makeQkx2Quants(nmax, xg, weights, L.subarray(32 * j, 32 * j + 32), Laux, rmin, fr(0.1), nstep, false);
    scales[j] = r.scale;
    mins[j] = r.min;
    if (scales[j]! > maxScale) maxScale = scales[j]!;
    if (mins[j]! > maxMin) maxMin = mins[j]!;
  }
  const invScale = maxScale > 0 ? fr(63 / maxScale) : 0;
  const invMin = maxMin > 0 ? fr(63 / maxMin) : 0;
  const sc = o + 4;
  for (let j = 0; j < 8; j++) {
    const ls = Math.min(63, toUint8(nearestInt(fr(invScale * scales[j]!))));
    const lm = Math.min(63, toUint8(nearestInt(fr(invMin * mins[j]!))));
    if (j < 4) {
      y[sc + j] = ls;
      y[sc + j + 4] = lm;
    } else {
      y[sc + j + 4] = (ls & 0x0f) | ((lm & 0x0f) << 4);
      y[sc + j - 4] = y[sc + j - 4]! | ((ls >> 4) << 6);
      y[sc + j] = y[sc + j]! | ((lm >> 4) << 6);
    }
  }
  const d = putF16(y, o, fr(maxScale / 63));
  const dmin = putF16(y, o + 2, fr(maxMin / 63));
  for (let j = 0; j < 8; j++) {
    const [s, m] = scaleMinK4(y, sc, j);
    const dl = fr(d * s);
    if (!dl) continue;
    const ml = fr(dmin * m);
    for (let ii = 0; ii < 32; ii++) L[32 * j + ii] = clamp(nearestInt(fr(fr(xb[32 * j + ii]! + ml) / dl)), 0, nmax);
  }
}

/** Q4_K: 8 groups of 32, 4-bit quants with 6-bit scales and mins. */
export function quantizeQ4_K(x: Float32Array, y: Uint8Array, nb: number): void {
  const L = new Uint8Array(256);
  for (let i = 0; i < nb; i++) {
    const o = i * 144;
    quantizeScaleMinK4(x.subarray(256 * i, 256 * i + 256), y, o, L, 15, -1, 20);
    for (let j = 0; j < 256; j += 64) {
      for (let l = 0; l < 32; l++) y[o + 16 + j / 2 + l] = L[j + l]! | (L[j + l + 32]! << 4);
    }
  }
}

/** Q5_K: as Q4_K with 5-bit quants; the 5th bit of element 32*k + l is bit k of qh[l]. */
export function quantizeQ5_K(x: Float32Array, y: Uint8Array, nb: number): void {
  const L = new Uint8Array(256);
  for (let i = 0; i < nb; i++) {
    const o = i * 176;
    quantizeScaleMinK4(x.subarray(256 * i, 256 * i + 256), y, o, L, 31, -0.5, 15);
    for (let k = 0; k < 8; k += 2) {
      for (let l = 0; l < 32; l++) {
        let l1 = L[32 * k + l]!;
        let l2 = L[32 * k + 32 + l]!;
        if (l1 > 15) {
          l1 -= 16;
          y[o + 16 + l] = y[o + 16 + l]! | (1 << k);
        }
        if (l2 > 15) {
          l2 -= 16;
          y[o + 16 + l] = y[o + 16 + l]! | (2 << k);
        }
        y[o + 48 + 16 * k + l] = l1 | (l2 << 4);
      }
    }
  }
}

/** Q6_K: 16 groups of 16, symmetric 6-bit quants, int8 scales. */
export function quantizeQ6_K(x: Float32Array, y: Uint8Array, nb: number): void {
  const L = new Uint8Array(256);
  const scales = new Float32Array(16);
  for (let i = 0; i < nb; i++) {
    const xb = x.subarray(256 * i, 256 * i + 256);
    const o = i * 210;
    let maxScale = 0;
    let maxAbsScale = 0;
    for (let ib = 0; ib < 16; ib++) {
      scales[ib] = makeQxQuants(32, xb.subarray(16 * ib, 16 * ib + 16), L.subarray(16 * ib, 16 * ib + 16));
      const abs = Math.abs(scales[ib]!);
      if (abs > maxAbsScale) {
        maxAbsScale = abs;
        maxScale = scales[ib]!;
      }
    }
    if (maxAbsScale < GROUP_MAX_EPS) continue; // an all-zero block
    const iscale = fr(-128 / maxScale);
    const d = putF16(y, o + 208, fr(1 / iscale));
    for (let ib = 0; ib < 16; ib++) y[o + 192 + ib] = toUint8(Math.min(127, nearestInt(fr(iscale * scales[ib]!))));
    for (let j = 0; j < 16; j++) {
      const dl = fr(d * toInt8(y[o + 192 + j]!));
      if (!dl) continue;
      for (let ii = 0; ii < 16; ii++) L[16 * j + ii] = clamp(nearestInt(fr(xb[16 * j + ii]! / dl)), -32, 31) + 32;
    }
    for (let half = 0; half < 2; half++) {
      const j = 128 * half;
      const ql = o + 64 * half;
      const qh = o + 128 + 32 * half;
      for (let l = 0; l < 32; l++) {
        const [q1, q2, q3, q4] = [L[j + l]!, L[j + l + 32]!, L[j + l + 64]!, L[j + l + 96]!];
        y[ql + l] = (q1 & 0x0f) | ((q3 & 0x0f) << 4);
        y[ql + l + 32] = (q2 & 0x0f) | ((q4 & 0x0f) << 4);
        y[qh + l] = (q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6);
      }
    }
  }
}

/** Q8_K (activations for K-quant dot products): f32 d = max / -127, q = round(x / d), plus sums of 16. */
export function quantizeQ8_K(x: Float32Array, y: Uint8Array, nb: number): void {
  const view = new DataView(y.buffer, y.byteOffset, y.byteLength);
  for (let i = 0; i < nb; i++) {
    const xo = i * 256;
    const o = i * 292;
    let max = 0;
    let amax = 0;
    for (let j = 0; j < 256; j++) {
      const ax = Math.abs(x[xo + j]!);
      if (ax > amax) {
        amax = ax;
        max = x[xo + j]!;
      }
    }
    if (!amax) continue; // d = 0 and all quants 0
    const iscale = fr(-127 / max);
    for (let j = 0; j < 256; j++) y[o + 4 + j] = toUint8(Math.min(127, nearestInt(fr(iscale * x[xo + j]!))));
    for (let j = 0; j < 16; j++) {
      let sum = 0;
      for (let ii = 0; ii < 16; ii++) sum += toInt8(y[o + 4 + 16 * j + ii]!);
      view.setInt16(o + 260 + 2 * j, sum, true);
    }
    view.setFloat32(o, fr(1 / iscale), true);
  }
}
