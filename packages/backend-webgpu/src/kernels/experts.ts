import type { OpParams } from '@ix/core';

import { dequantWgsl, rowBytes, type WeightDType } from './dequant.js';
import { MAIN, type Dispatch, type PlanContext } from './dispatch.js';

/**
 * Mixture-of-experts routing: top_k over router logits, gather of the chosen ones, mul_mat_id (each
 * slot's row times its expert's matrix, decoded in the kernel) and weighted_sum. Ids outside their
 * range (the reference refuses them) give zeros instead of reads out of bounds.
 */

/** the k largest of each row, largest first, ties to the lower index, NaN below every number: k rounds of a workgroup argmax */
export function planTopK({ node, input, out }: PlanContext): Dispatch[] {
  const x = input(0);
  const { k } = node.params as OpParams['top_k'];
  const c = x.shape[x.shape.length - 1] ?? 1;
  const rows = c === 0 ? 0 : x.numElements / c;
  if (rows === 0 || k === 0) return [];
  return [{
    kernel: {
      key: 'top_k',
      params: [['C', 'u32'], ['k', 'u32'], ['ninf', 'f32']],
      body: `
var<workgroup> bestV: array<f32, 64>;
var<workgroup> bestI: array<u32, 64>;
const NONE: u32 = 0xffffffffu;
// NaN (tested on the bits: a compiler may assume no NaN) as -infinity, a runtime value from P
fn value(i: u32, base: u32) -> f32 { let v = x_f32(base + i); return select(v, P.ninf, (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u); }
// does (v, i) rank before (w, j): larger value, or equal value and lower index
fn before(v: f32, i: u32, w: f32, j: u32) -> bool { return j == NONE || v > w || (v == w && i < j); }
${MAIN}
  let base = g * P.C;
  var pv = 0.0;
  var pi = NONE;
  for (var r = 0u; r < P.k; r++) {
    var bv = 0.0;
    var bi = NONE;
    for (var i = lid; i < P.C; i += WG) {
      let v = value(i, base);
      // only what ranks after the previous pick
      if ((pi == NONE || before(pv, pi, v, i)) && before(v, i, bv, bi)) { bv = v; bi = i; }
    }
    bestV[lid] = bv;
    bestI[lid] = bi;
    workgroupBarrier();
    for (var s = 32u; s > 0u; s = s >> 1u) {
      if (lid < s && bestI[lid + s] != NONE && before(bestV[lid + s], bestI[lid + s], bestV[lid], bestI[lid])) {
        bestV[lid] = bestV[lid + s];
        bestI[lid] = bestI[lid + s];
      }
      workgroupBarrier();
    }
    pv = bestV[0];
    pi = bestI[0];
    if (lid == 0u) { y_set_word(g * P.k + r, pi); }
    workgroupBarrier();
  }
}`,
    },
    operands: [{ name: 'x', tensor: x }, { name: 'y', tensor: out, write: true }],
    params: () => [c, k, -Infinity],
    groups: rows,
  }];
}

/** out[r, j] = x[r, ids[r, j]] */
export function planGather({ input, out }: PlanContext): Dispatch[] {
  const x = input(0), ids = input(1);
  const c = x.shape[x.shape.length - 1]!;
  const k = ids.shape[ids.shape.length - 1]!;
  const n = ids.numElements;
  if (n === 0) return [];
  return [{
    kernel: {
      key: 'gather',
      params: [['C', 'u32'], ['k', 'u32'], ['n', 'u32']],
      body: `${MAIN}
  let e = g * WG + lid;
  if (e >= P.n) { return; }
  let id = ids_i32(e);
  y_set_f32(e, select(0.0, x_f32((e / P.k) * P.C + u32(id)), id >= 0 && u32(id) < P.C));
}`,
    },
    operands: [{ name: 'x', tensor: x }, { name: 'ids', tensor: ids }, { name: 'y', tensor: out, write: true }],
    params: () => [c, k, n],
    groups: Math.ceil(n / 64),
  }];
}

/** y[t] = Σ_j w[t, j] · x[t, j] (j in order, as the reference) */
export function planWeightedSum({ input, out }: PlanContext): Dispatch[] {
  const x = input(0), w = input(1);
  const [t, used, n] = x.shape as [number, number, number];
  if (t * n === 0) return [];
  return [{
    kernel: {
      key: 'weighted_sum',
      params: [['T', 'u32'], ['U', 'u32'], ['N', 'u32']],
      body: `${MAIN}
  let e = g * WG + lid;
  if (e >= P.T * P.N) { return; }
  let t = e / P.N;
  let i = e % P.N;
  var s = 0.0;
  for (var j = 0u; j < P.U; j++) { s = s + w_f32(t * P.U + j) * x_f32((t * P.U + j) * P.N + i); }
  y_set_f32(e, s);
}`,
    },
    operands: [{ name: 'x', tensor: x }, { name: 'w', tensor: w }, { name: 'y', tensor: out, write: true }],
    params: () => [t, used, n],
    groups: Math.ceil((t * n) / 64),
  }];
}

/** y[s, :] = w[ids[s]] · x[s or s / used]: one workgroup per (slot, output row), 64 threads over the row's chunks */
export function planMulMatId({ input, out }: PlanContext): Dispatch[] {
  const x = input(0), w = input(1), ids = input(2);
  const [experts, n, k] = w.shape as [number, number, number];
  const [t, used] = ids.shape as [number, number];
  const slots = t * used;
  if (slots * n === 0) return [];
  const dtype = w.dtype as WeightDType;
  return [{
    kernel: {
      key: `mul_mat_id_${dtype}`,
      params: [['N', 'u32'], ['K', 'u32'], ['E', 'u32'], ['used', 'u32'], ['perSlot', 'u32'], ['rowBytes', 'u32']],
      body: `${dequantWgsl(dtype)}
var<workgroup> part: array<f32, 64>;
${MAIN}
  let s = g / P.N;
  let n = g % P.N;
  let id = ids_i32(s);
  let ok = id >= 0 && u32(id) < P.E;
  let xb = select(s / P.used, s, P.perSlot != 0u) * P.K;
  let chunks = (P.K + 31u) / 32u;
  var acc = 0.0;
  var wv: array<f32, 32>;
  if (ok) {
    for (var c = lid; c < chunks; c += WG) {
      dq32((u32(id) * P.N + n) * P.rowBytes, c, P.K, &wv);
      let len = min(32u, P.K - c * 32u);
      for (var l = 0u; l < len; l++) { acc = fma(x_f32(xb + c * 32u + l), wv[l], acc); }
    }
  }
  part[lid] = acc;
  workgroupBarrier();
  for (var st = 32u; st > 0u; st = st >> 1u) {
    if (lid < st) { part[lid] = part[lid] + part[lid + st]; }
    workgroupBarrier();
  }
  if (lid == 0u) { y_set_f32(s * P.N + n, part[0]); }
}`,
    },
    operands: [{ name: 'x', tensor: x }, { name: 'w', tensor: w }, { name: 'ids', tensor: ids }, { name: 'y', tensor: out, write: true }],
    params: () => [n, k, experts, used, x.shape.length === 3 ? 1 : 0, rowBytes(dtype, k)],
    groups: slots * n,
  }];
}
