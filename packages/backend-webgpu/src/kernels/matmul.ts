import type { Tensor } from '@ix/core';

import { dequantWgsl, rowBytes, type WeightDType } from './dequant.js';
import { MAIN, MAIN_SG, type Dispatch, type PlanContext } from './dispatch.js';

/**
 * y[M, N] = x[M, K] · w[N, K]ᵀ with w decoded in the kernel (fused dequantize × multiply): one
 * workgroup per (output column n, tile of R rows of x); its 64 threads take the row's 32-element
 * chunks in turn, decode each once and use it for all R rows, then reduce. R = 1 is the matvec of a
 * decode step; prefill uses R = 8, decoding each weight chunk once per 8 tokens.
 */
export function planMatmul({ input, out, subgroups }: PlanContext): Dispatch[] {
  return matmulDispatch(input(0), input(1), out, subgroups);
}

export function matmulDispatch(x: Tensor, w: Tensor, y: Tensor, subgroups: boolean): Dispatch[] {
  const [n, k] = w.shape as [number, number];
  const m = k === 0 ? 0 : x.numElements / k;
  if (m === 0 || n === 0) return [];
  const r = m === 1 ? 1 : 8;
  const dtype = w.dtype as WeightDType;
  const tiles = Math.ceil(m / r);
  return [{
    kernel: {
      key: `matmul_${dtype}_r${r}${subgroups ? '_sg' : ''}`,
      params: [['M', 'u32'], ['N', 'u32'], ['K', 'u32'], ['rowBytes', 'u32']],
      enable: subgroups ? ['subgroups'] : [],
      body: matmulBody(dtype, r, subgroups),
    },
    operands: [{ name: 'x', tensor: x }, { name: 'w', tensor: w }, { name: 'y', tensor: y, write: true }],
    params: () => [m, n, k, rowBytes(dtype, k)],
    groups: n * tiles,
  }];
}

function matmulBody(dtype: WeightDType, r: number, subgroups: boolean): string {
  return `${dequantWgsl(dtype)}
const R: u32 = ${r}u;
var<workgroup> part: array<f32, ${64 * r}>;
${subgroups ? MAIN_SG : MAIN}
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
${subgroups ? REDUCE_ROWS_SG : REDUCE_ROWS}
}`;
}

/** the R partial sums of 64 threads, tree-reduced in workgroup memory (6 barriers) */
const REDUCE_ROWS = `
  for (var i = 0u; i < R; i++) { part[i * 64u + lid] = acc[i]; }
  workgroupBarrier();
  for (var s = 32u; s > 0u; s = s >> 1u) {
    if (lid < s) {
      for (var i = 0u; i < R; i++) { part[i * 64u + lid] = part[i * 64u + lid] + part[i * 64u + lid + s]; }
    }
    workgroupBarrier();
  }
  if (lid < R && m0 + lid < P.M) { y_set_f32((m0 + lid) * P.N + n, part[lid * 64u]); }`;

/** the same through subgroups: each subgroup's sum left by its first lane, one barrier, R threads add 64 slots */
const REDUCE_ROWS_SG = `
  for (var i = 0u; i < R; i++) {
    let s = subgroupAdd(acc[i]);
    part[i * 64u + lid] = select(0.0, s, sg_lane == 0u);
  }
  workgroupBarrier();
  if (lid < R && m0 + lid < P.M) {
    var t = 0.0;
    for (var k = 0u; k < 64u; k++) { t = t + part[lid * 64u + k]; }
    y_set_f32((m0 + lid) * P.N + n, t);
  }`;
