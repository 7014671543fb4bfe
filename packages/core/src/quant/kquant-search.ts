/**
 * The scale searches behind ggml's K-quant reference quantizers (ggml-quants.c make_qx_quants,
 * make_q3_quants, make_qkx2_quants), without importance weights. Each float32 operation of the
 * C code is rounded with fr() in the same order, so results match ggml bit for bit.
 */
import { fr, nearestInt } from './rounding.js';

/** GROUP_MAX_EPS: below this amax a group counts as all zeros. */
export const GROUP_MAX_EPS = fr(1e-15);

const TENTH = fr(0.1);

function clamp(v: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, v));
}

/** The element of largest magnitude (first on ties) and that magnitude. */
function signedAbsMax(x: Float32Array): [max: number, amax: number] {
  let max = 0;
  let amax = 0;
  for (let i = 0; i < x.length; i++) {
    const ax = Math.abs(x[i]!);
    if (ax > amax) {
      amax = ax;
      max = x[i]!;
    }
  }
  return [max, amax];
}

/**
 * Symmetric quantization to L in [0, 2*nmax) (stored with +nmax), weights x^2 (rmse_type 1):
 * starts from scale max/-nmax, then tries 18 nearby scales and keeps the one with the best
 * weighted least-squares fit. Returns the scale.
 */
export function makeQxQuants(nmax: number, x: Float32Array, L: Uint8Array): number {
  const n = x.length;
  const [max, amax] = signedAbsMax(x);
  if (amax < GROUP_MAX_EPS) {
    L.fill(0, 0, n);
    return 0;
  }
  let iscale = fr(-nmax / max);
  let sumlx = 0;
  let suml2 = 0;
  for (let i = 0; i < n; i++) {
    const l = clamp(nearestInt(fr(iscale * x[i]!)), -nmax, nmax - 1);
    L[i] = l + nmax;
    const w = fr(x[i]! * x[i]!);
    sumlx = fr(sumlx + fr(fr(w * x[i]!) * l));
    suml2 = fr(suml2 + fr(fr(w * l) * l));
  }
  let scale = suml2 ? fr(sumlx / suml2) : 0;
  let best = fr(scale * sumlx);
  for (let is = -9; is <= 9; is++) {
    if (is === 0) continue;
    iscale = fr(-fr(nmax + fr(TENTH * is)) / max);
    sumlx = 0;
    suml2 = 0;
    for (let i = 0; i < n; i++) {
      const l = clamp(nearestInt(fr(iscale * x[i]!)), -nmax, nmax - 1);
      const w = fr(x[i]! * x[i]!);
      sumlx = fr(sumlx + fr(fr(w * x[i]!) * l));
      suml2 = fr(suml2 + fr(fr(w * l) * l));
    }
    if (suml2 > 0 && fr(sumlx * sumlx) > fr(best * suml2)) {
      for (let i = 0; i < n; i++) L[i] = nmax + clamp(nearestInt(fr(iscale * x[i]!)), -nmax, nmax - 1);
      scale = fr(sumlx / suml2);
      best = fr(scale * sumlx);
    }
  }
  return scale;
}

/**
 * Symmetric 3-bit search of Q3_K (do_rmse): starts from scale max/-nmax, then up to 5 passes that
 * move single quants when that improves the x^2-weighted fit. L gets values in [0, 2*nmax)
 * (stored with +nmax), or all zeros for an all-zero group. Returns the scale.
 */
export function makeQ3Quants(nmax: number, x: Float32Array, L: Int8Array): number {
  const n = x.length;
  const [max, amax] = signedAbsMax(x);
  if (amax < GROUP_MAX_EPS) {
    L.fill(0, 0, n);
    return 0;
  }
  const iscale = fr(-nmax / max);
  let sumlx = 0;
  let suml2 = 0;
  for (let i = 0; i < n; i++) {
    const l = clamp(nearestInt(fr(iscale * x[i]!)), -nmax, nmax - 1);
    L[i] = l;
    const w = fr(x[i]! * x[i]!);
    sumlx = fr(sumlx + fr(fr(w * x[i]!) * l));
    suml2 = fr(suml2 + fr(fr(w * l) * l));
  }
  for (let itry = 0; itry < 5; itry++) {
    let changed = 0;
    for (let i = 0; i < n; i++) {
      const w = fr(x[i]! * x[i]!);
      let slx = fr(sumlx - fr(fr(w * x[i]!) * L[i]!));
      if (slx > 0) {
        let sl2 = fr(suml2 - fr(fr(w * L[i]!) * L[i]!));
        const l = clamp(nearestInt(fr(fr(x[i]! * sl2) / slx)), -nmax, nmax - 1);
        if (l !== L[i]) {
          slx = fr(slx + fr(fr(w * x[i]!) * l));
          sl2 = fr(sl2 + fr(fr(w * l) * l));
          if (sl2 > 0 && fr(fr(slx * slx) * suml2) > fr(fr(sumlx * sumlx) * sl2)) {
            L[i] = l;
            sumlx = slx;
            suml2 = sl2;
            changed++;
          }
        }
      }
    }
    if (!changed) break;
  }
  for (let i = 0; i < n; i++) L[i] = L[i]! + nmax;
  return suml2 > 0 ? fr(sumlx / suml2) : 0;
}

/**
 * Asymmetric quantization x ≈ scale * L - min with L in [0, nmax] (make_qkx2_quants): starts from
 * the min/max range, then tries nstep+1 scales (rmin + rdelta*is + nmax)/(max - min), solving the
 * weighted least-squares scale and min for each and keeping the lowest weighted error (absolute
 * error with useMad, squared otherwise). Returns the scale and the positive offset `min`.
 */
export function makeQkx2Quants(
  nmax: number,
  x: Float32Array,
  weights: Float32Array,
  L: Uint8Array,
  Laux: Uint8Array,
  rmin: number,
  rdelta: number,
  nstep: number,
  useMad: boolean,
): { scale: number; min: number } {
  const n = x.length;
  let min = x[0]!;
  let max = x[0]!;
  let sumW = weights[0]!;
  let sumX = fr(sumW * x[0]!);
  for (let i = 1; i < n; i++) {
    if (x[i]! < min) min = x[i]!;
    if (x[i]! > max) max = x[i]!;
    const w = weights[i]!;
    sumW = fr(sumW + w);
    sumX = fr(sumX + fr(w * x[i]!));
  }
  if (min > 0) min = 0;
  if (max === min) {
    L.fill(0, 0, n);
    return { scale: 0, min: -min };
  }
  let iscale = fr(nmax / fr(max - min));
  let scale = fr(1 / iscale);
  const error = (s: number, m: number, q: Uint8Array): number => {
    let e = 0;
    for (let i = 0; i < n; i++) {
      let diff = fr(fr(fr(s * q[i]!) + m) - x[i]!);
      diff = useMad ? Math.abs(diff) : fr(diff * diff);
      e = fr(e + fr(weights[i]! * diff));
    }
    return e;
  };
  for (let i = 0; i < n; i++) L[i] = clamp(nearestInt(fr(iscale * fr(x[i]! - min))), 0, nmax);
  let bestError = error(scale, min, L);
  if (nstep < 1) return { scale, min: -min };
  for (let is = 0; is <= nstep; is++) {
    // `min` moves to the best fit found so far, and later candidates start from it
    iscale = fr(fr(fr(rmin + fr(rdelta * is)) + nmax) / fr(max - min));
    let sumL = 0;
    let sumL2 = 0;
    let sumXL = 0;
    for (let i = 0; i < n; i++) {
      const l = clamp(nearestInt(fr(iscale * fr(x[i]! - min))), 0, nmax);
      Laux[i] = l;
      const wl = fr(weights[i]! * l);
      sumL = fr(sumL + wl);
      sumL2 = fr(sumL2 + fr(wl * l));
      sumXL = fr(sumXL + fr(wl * x[i]!));
    }
    const D = fr(fr(sumW * sumL2) - fr(sumL * sumL));
    if (D > 0) {
      let thisScale = fr(fr(fr(sumW * sumXL) - fr(sumX * sumL)) / D);
      let thisMin = fr(fr(fr(sumL2 * sumX) - fr(sumL * sumXL)) / D);
      if (thisMin > 0) {
        thisMin = 0;
        thisScale = fr(sumXL / sumL2);
      }
      const curError = error(thisScale, thisMin, Laux);
      if (curError < bestError) {
        L.set(Laux.subarray(0, n));
        bestError = curError;
        scale = thisScale;
        min = thisMin;
      }
    }
  }
  return { scale, min: -min };
}
