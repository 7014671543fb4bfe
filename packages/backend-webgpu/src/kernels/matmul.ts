import { dequantWgsl, rowBytes, type WeightDType } from './dequant.js';
import { MAIN, MAIN_SG, type Dispatch, type PlanContext } from './dispatch.js';

/**
 * y[M, N] = x[M, K] · w[N, K]ᵀ with w decoded in the kernel (fused dequantize × multiply). Up to 15
 * rows of x: one workgroup per (output column n, tile of R rows); its 64 threads take the row's
 * 32-element chunks in turn, decode each once and use it for all R rows, then reduce (R = 1 is the
 * matvec of a decode step, R = 8 a short prompt). From 16 rows: the tiled kernel below.
 */
export function planMatmul({ input, out: y, subgroups }: PlanContext): Dispatch[] {
  const x = input(0), w = input(1);
  const [n, k] = w.shape as [number, number];
  const m = k === 0 ? 0 : x.numElements / k;
  if (m === 0 || n === 0) return [];
  const dtype = w.dtype as WeightDType;
  const operands = [{ name: 'x', tensor: x }, { name: 'w', tensor: w }, { name: 'y', tensor: y, write: true }];
  const params = (): number[] => [m, n, k, rowBytes(dtype, k)];
  const fields = [['M', 'u32'], ['N', 'u32'], ['K', 'u32'], ['rowBytes', 'u32']] as const;
  if (m >= TILED_MIN_ROWS) {
    return [{
      kernel: { key: `matmul_${dtype}_tiled`, params: fields, body: tiledBody(dtype) },
      operands,
      params,
      groups: Math.ceil(n / TILE) * Math.ceil(m / TILE),
    }];
  }
  const r = m === 1 ? 1 : 8;
  return [{
    kernel: {
      key: `matmul_${dtype}_r${r}${subgroups ? '_sg' : ''}`,
      params: fields,
      enable: subgroups ? ['subgroups'] : [],
      body: matmulBody(dtype, r, subgroups),
    },
    operands,
    params,
    groups: n * Math.ceil(m / r),
  }];
}

/** rows of x from which prefill takes the tiled kernel */
export const TILED_MIN_ROWS = 16;
/** output tile of the tiled kernel: TILE x TILE, 4 x 4 per thread */
const TILE = 32;

/**
 * Prefill: a 32 x 32 output tile per workgroup. For each 32-wide step of K the workgroup decodes 32
 * weight chunks (one per column) and loads 32 x 32 activations into workgroup memory, then each
 * thread accumulates a 4 x 4 block, so every value loaded serves four products.
 */
function tiledBody(dtype: WeightDType): string {
  return `${dequantWgsl(dtype)}
var<workgroup> xs: array<f32, ${TILE * (TILE + 1)}>;
var<workgroup> ws: array<f32, ${TILE * (TILE + 1)}>;
${MAIN}
  let tilesN = (P.N + ${TILE - 1}u) / ${TILE}u;
  let n0 = (g % tilesN) * ${TILE}u;
  let m0 = (g / tilesN) * ${TILE}u;
  let tx = lid % 8u;
  let ty = lid / 8u;
  let chunks = (P.K + 31u) / 32u;
  var acc: array<f32, 16>;
  var wv: array<f32, 32>;
  for (var c = 0u; c < chunks; c++) {
    // activations: 32 rows x 32 k, 16 per thread (zero past M or K)
    for (var e = lid; e < ${TILE * 32}u; e += WG) {
      let r = e / 32u;
      let kk = e % 32u;
      let row = m0 + r;
      let j = c * 32u + kk;
      xs[r * ${TILE + 1}u + kk] = select(0.0, x_f32(row * P.K + j), row < P.M && j < P.K);
    }
    // weights: one chunk of each of the 32 columns
    if (lid < ${TILE}u) {
      let col = n0 + lid;
      if (col < P.N) { dq32(col * P.rowBytes, c, P.K, &wv); } else { for (var l = 0u; l < 32u; l++) { wv[l] = 0.0; } }
      for (var l = 0u; l < 32u; l++) { ws[lid * ${TILE + 1}u + l] = wv[l]; }
    }
    workgroupBarrier();
    for (var kk = 0u; kk < 32u; kk++) {
      var a: array<f32, 4>;
      var b: array<f32, 4>;
      for (var i = 0u; i < 4u; i++) { a[i] = xs[(ty * 4u + i) * ${TILE + 1}u + kk]; b[i] = ws[(tx * 4u + i) * ${TILE + 1}u + kk]; }
      for (var i = 0u; i < 4u; i++) {
        for (var j = 0u; j < 4u; j++) { acc[i * 4u + j] = fma(a[i], b[j], acc[i * 4u + j]); }
      }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < 4u; i++) {
    let row = m0 + ty * 4u + i;
    for (var j = 0u; j < 4u; j++) {
      let col = n0 + tx * 4u + j;
      if (row < P.M && col < P.N) { y_set_f32(row * P.N + col, acc[i * 4u + j]); }
    }
  }
}`;
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
