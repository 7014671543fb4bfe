/**
 * IQ4_NL / IQ4_XS quantizers: ggml-quants.c quantize_row_iq4_nl_impl as called by quantize_iq4_nl /
 * quantize_iq4_xs without an importance matrix (ntry = 7, weights x^2). That is what llama.cpp's
 * ggml_quantize_chunk writes into model files; note ggml's quantize_row_iq4_nl_ref differs (ntry -1,
 * no scale search) and is not what files contain.
 */
import { f32ToF16 } from './half.js';
import { GROUP_MAX_EPS } from './kquant-search.js';
import { fr, nearestInt } from './rounding.js';
import { KVALUES_IQ4NL } from './tables.js';

const NTRY = 7;
const V = KVALUES_IQ4NL;

/** Index of the level nearest to x (best_index_int8; the upper one on exact ties). */
function nearestLevel(x: number): number {
  if (x <= V[0]!) return 0;
  if (x >= V[15]!) return 15;
  let lo = 0;
  let hi = 15;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (x < V[mid]!) hi = mid;
    else lo = mid;
  }
  return fr(x - V[hi - 1]!) < fr(V[hi]! - x) ? hi - 1 : hi;
}

/**
 * Best scale for one group of 32 (x^2-weighted least squares over 2*NTRY+1 candidate scales around
 * max / -127); L receives the level indices of the first candidate. Returns 0 for an all-zero group.
 */
function groupScale(xb: Float32Array, L: Uint8Array): number {
  let amax = 0;
  let max = 0;
  for (let j = 0; j < 32; j++) {
    if (Math.abs(xb[j]!) > amax) {
      amax = Math.abs(xb[j]!);
      max = xb[j]!;
    }
  }
  if (amax < GROUP_MAX_EPS) return 0;
  const fit = (id: number, store: boolean): [sumqx: number, sumq2: number] => {
    let sumqx = 0;
    let sumq2 = 0;
    for (let j = 0; j < 32; j++) {
      const l = nearestLevel(fr(id * xb[j]!));
      if (store) L[j] = l;
      const q = V[l]!;
      const w = fr(xb[j]! * xb[j]!);
      sumqx = fr(sumqx + fr(fr(w * q) * xb[j]!));
      sumq2 = fr(sumq2 + fr(fr(w * q) * q));
    }
    return [sumqx, sumq2];
  };
  let d = fr(-max / V[0]!);
  let [sumqx, sumq2] = fit(fr(1 / d), true);
  d = sumq2 > 0 ? fr(sumqx / sumq2) : 0;
  let best = fr(d * sumqx);
  for (let itry = -NTRY; itry <= NTRY; itry++) {
    [sumqx, sumq2] = fit(fr((itry + V[0]!) / max), false);
    if (sumq2 > 0 && fr(sumqx * sumqx) > fr(best * sumq2)) {
      d = fr(sumqx / sumq2);
      best = fr(d * sumqx);
    }
  }
  return d;
}

/** Pack 32 level indices: byte j holds element j (low nibble) and j + 16 (high nibble). */
function pack32(L: Uint8Array, y: Uint8Array, o: number): void {
  for (let j = 0; j < 16; j++) y[o + j] = L[j]! | (L[16 + j]! << 4);
}

function putF16(y: Uint8Array, o: number, x: number): void {
  const h = f32ToF16(x);
  y[o] = h & 0xff;
  y[o + 1] = h >>> 8;
}

/** IQ4_NL: one f16 scale per 32 values, each value the nearest of the 16 non-linear levels. */
export function quantizeIQ4_NL(x: Float32Array, y: Uint8Array, nb: number): void {
  const L = new Uint8Array(32);
  for (let i = 0; i < nb; i++) {
    const xb = x.subarray(32 * i, 32 * i + 32);
    const o = i * 18;
    const d = groupScale(xb, L);
    putF16(y, o, d);
    const id = d ? fr(1 / d) : 0;
    for (let j = 0; j < 32; j++) L[j] = nearestLevel(fr(id * xb[j]!));
    pack32(L, y, o + 2);
  }
}

/** IQ4_XS: as IQ4_NL per 32 values, the 8 group scales quantized to 6 bits against one f16 d. */
export function quantizeIQ4_XS(x: Float32Array, y: Uint8Array, nb: number): void {
  const L = new Uint8Array(32);
  const scales = new Float32Array(8);
  for (let i = 0; i < nb; i++) {
    const xs = x.subarray(256 * i, 256 * i + 256);
    const o = i * 136;
    let maxScale = 0;
    let amaxScale = 0;
    for (let ib = 0; ib < 8; ib++) {
      scales[ib] = groupScale(xs.subarray(32 * ib, 32 * ib + 32), L);
      if (Math.abs(scales[ib]!) > amaxScale) {
        amaxScale = Math.abs(scales[ib]!);
        maxScale = scales[ib]!;
      }
    }
    const d = fr(-maxScale / 32);
    putF16(y, o, d);
    const id = d ? fr(1 / d) : 0;
    let scalesH = 0;
    for (let ib = 0; ib < 8; ib++) {
      const l = Math.max(-32, Math.min(31, nearestInt(fr(id * scales[ib]!))));
      const dl = fr(d * l);
      const idl = dl ? fr(1 / dl) : 0;
      const xb = xs.subarray(32 * ib, 32 * ib + 32);
      for (let j = 0; j < 32; j++) L[j] = nearestLevel(fr(idl * xb[j]!));
      pack32(L, y, o + 8 + 16 * ib);
      const ls = l + 32;
      y[o + 4 + (ib >> 1)] = y[o + 4 + (ib >> 1)]! | ((ls & 0x0f) << (4 * (ib & 1)));
      scalesH |= (ls >> 4) << (2 * ib);
    }
    y[o + 2] = scalesH & 0xff;
    y[o + 3] = scalesH >>> 8;
  }
}
