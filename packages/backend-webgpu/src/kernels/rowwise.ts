import type { OpParams } from '@ix/core';

import { MAIN, MAIN_SG, REDUCE_SG, REDUCE_SUM, type Dispatch, type PlanContext } from './dispatch.js';

/** One workgroup per row of the last dim: rms_norm, layer_norm, softmax. */
const BODIES = {
  rms_norm: `
  var ss = 0.0;
  for (var j = lid; j < P.C; j += WG) { let v = x_f32(base + j); ss = fma(v, v, ss); }
  let inv = 1.0 / sqrt(reduce_sum(lid, ss) / f32(P.C) + P.p);
  for (var j = lid; j < P.C; j += WG) { y_set_f32(base + j, x_f32(base + j) * inv); }`,
  layer_norm: `
  var s = 0.0;
  for (var j = lid; j < P.C; j += WG) { s = s + x_f32(base + j); }
  let mean = reduce_sum(lid, s) / f32(P.C);
  var ss = 0.0;
  for (var j = lid; j < P.C; j += WG) { let d = x_f32(base + j) - mean; ss = fma(d, d, ss); }
  let inv = 1.0 / sqrt(reduce_sum(lid, ss) / f32(P.C) + P.p);
  for (var j = lid; j < P.C; j += WG) { y_set_f32(base + j, (x_f32(base + j) - mean) * inv); }`,
  softmax: `
  var m = -3.4028e38;
  for (var j = lid; j < P.C; j += WG) { m = max(m, x_f32(base + j) * P.p); }
  m = reduce_max(lid, m);
  var s = 0.0;
  for (var j = lid; j < P.C; j += WG) { let e = exp(x_f32(base + j) * P.p - m); y_set_f32(base + j, e); s = s + e; }
  let inv = 1.0 / reduce_sum(lid, s);
  for (var j = lid; j < P.C; j += WG) { y_set_f32(base + j, y_f32(base + j) * inv); }`,
} as const;

export function planRowwise({ node, input, out, subgroups }: PlanContext): Dispatch[] {
  const x = input(0);
  const op = node.op as keyof typeof BODIES;
  const c = x.shape[x.shape.length - 1] ?? 1;
  const rows = c === 0 ? 0 : x.numElements / c;
  if (rows === 0) return [];
  const p = op === 'softmax' ? (node.params as OpParams['softmax']).scale : (node.params as OpParams['rms_norm']).eps;
  return [{
    kernel: {
      key: `${op}${subgroups ? '_sg' : ''}`,
      params: [['C', 'u32'], ['p', 'f32']],
      enable: subgroups ? ['subgroups'] : [],
      body: `${subgroups ? REDUCE_SG : REDUCE_SUM}
${subgroups ? MAIN_SG : MAIN}
  let base = g * P.C;${BODIES[op]}
}`,
    },
    operands: [{ name: 'x', tensor: x }, { name: 'y', tensor: out, write: true }],
    params: () => [c, p],
    groups: rows,
  }];
}

/** argmax of each row: the first index of the maximum (as the reference). */
export function planArgmax({ input, out }: PlanContext): Dispatch[] {
  const x = input(0);
  const c = x.shape[x.shape.length - 1] ?? 1;
  const rows = c === 0 ? 0 : x.numElements / c;
  if (rows === 0) return [];
  return [{
    kernel: {
      key: 'argmax',
      params: [['C', 'u32']],
      body: `
var<workgroup> bestV: array<f32, 64>;
var<workgroup> bestI: array<u32, 64>;
${MAIN}
  let base = g * P.C;
  var bv = -3.4028e38;
  var bi = 0xffffffffu;
  for (var j = lid; j < P.C; j += WG) {
    let v = x_f32(base + j);
    if (bi == 0xffffffffu || v > bv) { bv = v; bi = j; }
  }
  bestV[lid] = bv;
  bestI[lid] = bi;
  workgroupBarrier();
  for (var s = 32u; s > 0u; s = s >> 1u) {
    if (lid < s) {
      let ov = bestV[lid + s];
      let oi = bestI[lid + s];
      if (oi != 0xffffffffu && (bestI[lid] == 0xffffffffu || ov > bestV[lid] || (ov == bestV[lid] && oi < bestI[lid]))) { bestV[lid] = ov; bestI[lid] = oi; }
    }
    workgroupBarrier();
  }
  if (lid == 0u) { y_set_word(g, bestI[0]); }
}`,
    },
    operands: [{ name: 'x', tensor: x }, { name: 'y', tensor: out, write: true }],
    params: () => [c],
    groups: rows,
  }];
}
