import { InvalidArgumentError, type OpParams } from '@ix/core';

import { MAIN, type Dispatch, type PlanContext } from './dispatch.js';

/** Largest head dimension the kernel keeps per thread (8 dims × 64 threads). */
export const MAX_HEAD_DIM = 512;

/**
 * Attention over the KV cache, one workgroup per (query, head), flash style: keys come in tiles of
 * 64 (a score per thread), the running max and sum rescale the output each tile, and each thread
 * owns head dims lid, lid+64, ... of the output. Soft-capping, sliding windows and sinks included;
 * pos0 and kvLen are read on every run.
 */
export function planAttention({ node, input, out }: PlanContext): Dispatch[] {
  const q = input(0), k = input(1), v = input(2);
  const sinks = node.inputs.length > 3 ? input(3) : undefined;
  const p = node.params as OpParams['attention'];
  const [t, hq, d] = q.shape as [number, number, number];
  const hkv = k.shape[1]!;
  if (t * hq * d === 0) return [];
  const f16 = k.dtype === 'F16';
  const load = (name: string) => (f16 ? `${name}_f16` : `${name}_f32`);
  return [{
    kernel: {
      key: `attention_${k.dtype}${sinks ? '_sinks' : ''}`,
      params: [['T', 'u32'], ['Hq', 'u32'], ['Hkv', 'u32'], ['D', 'u32'], ['kvLen', 'u32'], ['pos0', 'u32'], ['causal', 'u32'], ['window', 'u32'], ['scale', 'f32'], ['softcap', 'f32']],
      body: `
var<workgroup> qv: array<f32, ${MAX_HEAD_DIM}>;
var<workgroup> ps: array<f32, 64>;
${MAIN}
  let t = g / P.Hq;
  let h = g % P.Hq;
  let kvh = (h * P.Hkv) / P.Hq;
  let qpos = P.pos0 + t;
  var end = P.kvLen;
  var first = 0u;
  if (P.causal != 0u) {
    end = min(end, qpos + 1u);
    if (P.window != 0u && qpos + 1u > P.window) { first = qpos + 1u - P.window; }
  } else if (P.window != 0u) {
    // symmetric window (encoders): |j - qpos| <= window / 2
    let half = P.window / 2u;
    end = min(end, qpos + half + 1u);
    if (qpos > half) { first = qpos - half; }
  }
  let qo = (t * P.Hq + h) * P.D;
  for (var i = lid; i < P.D; i += WG) { qv[i] = q_f32(qo + i); }
  workgroupBarrier();
  var m = ${sinks ? 'sinks_f32(h)' : '-3.4028e38'};
  var l = ${sinks ? '1.0' : '0.0'};
  var acc: array<f32, 8>;
  for (var j0 = first; j0 < end; j0 += WG) {
    let j = j0 + lid;
    var s = -3.4028e38;
    let valid = j < end;
    if (valid) {
      let ko = (j * P.Hkv + kvh) * P.D;
      var qk = 0.0;
      for (var i = 0u; i < P.D; i++) { qk = fma(qv[i], ${load('k')}(ko + i), qk); }
      s = qk * P.scale;
      if (P.softcap != 0.0) { s = P.softcap * tanh(clamp(s / P.softcap, -15.0, 15.0)); }
    }
    ps[lid] = s;
    workgroupBarrier();
    var tm = m;
    for (var i = 0u; i < WG; i++) { tm = max(tm, ps[i]); }
    workgroupBarrier();
    ps[lid] = select(0.0, exp(s - tm), valid);
    workgroupBarrier();
    let corr = exp(m - tm);
    var sum = 0.0;
    let n = min(WG, end - j0);
    for (var i = 0u; i < n; i++) { sum = sum + ps[i]; }
    l = l * corr + sum;
    for (var c = 0u; c < 8u; c++) {
      let di = lid + c * WG;
      if (di < P.D) {
        var a = acc[c] * corr;
        for (var i = 0u; i < n; i++) { a = fma(ps[i], ${load('v')}(((j0 + i) * P.Hkv + kvh) * P.D + di), a); }
        acc[c] = a;
      }
    }
    m = tm;
    workgroupBarrier();
  }
  for (var c = 0u; c < 8u; c++) {
    let di = lid + c * WG;
    if (di < P.D) { y_set_f32(qo + di, select(0.0, acc[c] / l, l > 0.0)); }
  }
}`,
    },
    operands: [
      { name: 'q', tensor: q }, { name: 'k', tensor: k }, { name: 'v', tensor: v },
      ...(sinks ? [{ name: 'sinks', tensor: sinks }] : []),
      { name: 'y', tensor: out, write: true },
    ],
    params: () => {
      // a shader cannot fail: rows past the cache would be read from whatever follows it
      if (!Number.isSafeInteger(p.kvLen) || p.kvLen < 0 || p.kvLen > k.shape[0]! || p.kvLen > v.shape[0]!) {
        throw new InvalidArgumentError(`webgpu: attention over ${p.kvLen} cache rows, but the cache holds ${k.shape[0]}`);
      }
      return [t, hq, hkv, d, p.kvLen, p.pos0, p.causal ? 1 : 0, p.window ?? 0, p.scale, p.softcap ?? 0];
    },
    groups: t * hq,
  }];
}
