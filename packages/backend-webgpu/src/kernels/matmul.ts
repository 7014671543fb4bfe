import type { Tensor } from '@ix/core';

import { dequantWgsl, rowBytes, type WeightDType } from './dequant.js';
import { MAIN, type Dispatch, type PlanContext } from './dispatch.js';

/**
 * y[M, N] = x[M, K] · w[N, K]ᵀ with w decoded in the kernel (fused dequantize × multiply): one
 * workgroup per (output column n, tile of R rows of x); its 64 threads take the row's 32-element
 * chunks in turn, decode each once and use it for all R rows, then reduce. R = 1 is the matvec of a
 * decode step; prefill uses R = 8, decoding each weight chunk once per 8 tokens.
 */
export function planMatmul({ input, out }: PlanContext): Dispatch[] {
  return matmulDispatch(input(0), input(1), out);
}

export function matmulDispatch(x: Tensor, w: Tensor, y: Tensor): Dispatch[] {
  const [n, k] = w.shape as [number, number];
  const m = k === 0 ? 0 : x.numElements / k;
  if (m === 0 || n === 0) return [];
  const r = m === 1 ? 1 : 8;
  const dtype = w.dtype as WeightDType;
  const tiles = Math.ceil(m / r);
  return [{
    kernel: { key: `matmul_${dtype}_r${r}`, params: [['M', 'u32'], ['N', 'u32'], ['K', 'u32'], ['rowBytes', 'u32']], body: matmulBody(dtype, r) },
    operands: [{ name: 'x', tensor: x }, { name: 'w', tensor: w }, { name: 'y', tensor: y, write: true }],
    params: () => [m, n, k, rowBytes(dtype, k)],
    groups: n * tiles,
  }];
}

function matmulBody(dtype: WeightDType, r: number): string {
  return `${dequantWgsl(dtype)}
const R: u32 = ${r}u;
var<workgroup> part: array<f32, ${64 * r}>;
${MAIN}
  let n = g % P.N;
  let m0 = (g / P.N) * R;
  let chunks = (P.K + 31u) / 32u;
  var acc: array<f32, R>;
  var wv: array<f32, 32>;
  for (var c = lid; c < chunks; c += WG) {
    dq32(n * P.rowBytes, c, P.K, &wv);
    let len = min(32u, P.K - c * 32u);
    for (var i = 0u; i < R; i++) {
      let row = m0 + i;
      if (row < P.M) {
        let xb = row * P.K + c * 32u;
        var s = 0.0;
        for (var l = 0u; l < len; l++) { s = fma(x_f32(xb + l), wv[l], s); }
        acc[i] = acc[i] + s;
      }
    }
  }
  for (var i = 0u; i < R; i++) { part[i * 64u + lid] = acc[i]; }
  workgroupBarrier();
  for (var s = 32u; s > 0u; s = s >> 1u) {
    if (lid < s) {
      for (var i = 0u; i < R; i++) { part[i * 64u + lid] = part[i * 64u + lid] + part[i * 64u + lid + s]; }
    }
    workgroupBarrier();
  }
  if (lid < R && m0 + lid < P.M) { y_set_f32((m0 + lid) * P.N + n, part[lid * 64u]); }
}`;
}
