import { dequantize, quantize, type DTypeName } from '@ix/core';

import { randomF32, rng } from './helpers.js';

/**
 * matmul against @ix/core's reference dequantizer: y = x · dequantize(w)ᵀ computed in f64.
 * Tolerances are bounds, not fitted numbers, measured against S = Σ_k |x_k·w_nk| per output:
 * - exact: f32 accumulation of K products plus one rounding of each decoded weight,
 *   |err| <= (K + 4)·2⁻²⁴·S.
 * - fast: activations rounded to 8-bit blocks (d = max|x|/127) move each x_k by at most d/2,
 *   so |err| <= Σ_k |w_k|·d(k)/2 plus the exact-mode bound.
 * - exact, probable: rounding errors of independent signs grow like √K, not K (Higham, Accuracy
 *   and Stability of Numerical Algorithms, §3.8), so |err| <= √K·2⁻²⁴·S; f32 kernels stay far below
 *   it (~0.1), while activations quantized to 16 bits in exact mode would not (~4).
 *   `worstProbable` is max |err| / that.
 * Odd sizes: N = 37 weight rows (not a multiple of any tile or of a repacked 16-row group),
 * M in {1, 2, 7, 69} (matvec; two rows; 4 + 3; crosses the 64-row activation block), K just past 1024 (the kernels' K chunk): 1030, 33·32, 5·256.
 */
const ROWS = 37;
const U = 2 ** -24;

export interface MatmulCase {
  dtype: DTypeName;
  /** weight rows */
  N: number;
  K: number;
  w: Float32Array; // dequantized truth, [N, K]
  bytes: Uint8Array;
}

export function matmulCase(dtype: DTypeName, seed: number, N = ROWS): MatmulCase {
  const block = dtype.endsWith('_K') || dtype === 'IQ4_XS' ? 256 : dtype.startsWith('F') || dtype === 'BF16' ? 1 : 32;
  // past 1024 so the kernels' K-chunking (1024) is crossed; plain types also get a SIMD tail (and
  // an even length, so mapped BF16 weights are repacked in pairs)
  const K = block === 1 ? 1030 : block === 32 ? 33 * 32 : 5 * 256;
  const rand = rng(seed);
  const src = randomF32(N * K, rand);
  // vary the magnitude per 32 elements so the block scales take many values
  for (let i = 0; i < src.length; i += 32) {
    const s = 10 ** (rand() * 4 - 2);
    for (let j = i; j < i + 32 && j < src.length; j++) src[j]! *= s;
  }
  const bytes = quantize(dtype, src);
  return { dtype, N, K, w: dequantize(dtype, bytes, N * K), bytes };
}

/** max over outputs of |y - truth| / bound */
export function checkMatmul(c: MatmulCase, x: Float32Array, M: number, y: Float32Array, accuracy: 'exact' | 'fast', actBlock: number) {
  const { N, K, w } = c;
  let worst = 0;
  let worstProbable = 0;
  let errSq = 0;
  let refSq = 0;
  for (let m = 0; m < M; m++) {
    const xr = x.subarray(m * K, (m + 1) * K);
    // per-block activation step d/2 of the fast mode
    const halfStep = new Float64Array(K);
    if (accuracy === 'fast' && actBlock === BF16_ACTIVATIONS) {
      // rounded to bf16 (AVX512-BF16 CPUs): half an ulp of 8 significant bits
      for (let k = 0; k < K; k++) halfStep[k] = Math.abs(xr[k]!) * 2 ** -8;
    } else if (accuracy === 'fast' && actBlock > 1) {
      for (let b = 0; b < K; b += actBlock) {
        let amax = 0;
        for (let k = b; k < b + actBlock; k++) amax = Math.max(amax, Math.abs(xr[k]!));
        halfStep.fill(amax / 127 / 2 + amax * 1e-6, b, b + actBlock);
      }
    }
    for (let n = 0; n < N; n++) {
      let ref = 0;
      let s = 0;
      let qbound = 0;
      for (let k = 0; k < K; k++) {
        const wk = w[n * K + k]!;
        ref += xr[k]! * wk;
        s += Math.abs(xr[k]! * wk);
        qbound += Math.abs(wk) * halfStep[k]!;
      }
      const bound = (K + 4) * U * s + qbound + 1e-30;
      const err = Math.abs(y[m * N + n]! - ref);
      worst = Math.max(worst, err / bound);
      worstProbable = Math.max(worstProbable, err / (Math.sqrt(K) * U * s + 1e-30));
      errSq += err * err;
      refSq += ref * ref;
    }
  }
  return { worst, worstProbable, relRms: Math.sqrt(errSq / refSq) };
}

/** fast mode's activations for BF16 weights: rounded to bf16 where the CPU has AVX512-BF16 */
export const BF16_ACTIVATIONS = -1;
export const FAST_BLOCK: Partial<Record<DTypeName, number>> = {
  BF16: BF16_ACTIVATIONS,
  Q4_0: 32, Q4_1: 32, Q5_0: 32, Q5_1: 32, Q8_0: 32, IQ4_NL: 32, MXFP4: 32,
  Q2_K: 256, Q3_K: 256, Q4_K: 256, Q5_K: 256, Q6_K: 256, IQ4_XS: 256,
};

