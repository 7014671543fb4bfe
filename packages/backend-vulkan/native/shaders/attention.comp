#version 450
// One workgroup per (query t, head h): q[T, Hq, D] against k, v[S, Hkv, D] (F32 or F16), kv head
// h * Hkv / Hq. Keys j < kvLen (and j <= pos0 + t when causal) are visited in tiles of WG with an
// online softmax: running max m, running sum l, output accumulators rescaled when m grows.
// Each invocation owns output dims tid, tid + WG, ... (D <= DPT * WG).
#define WG 128
#define DPT 4
#include "common.glsl"
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer BQ { uint Q[]; };
layout(std430, binding = 1) readonly buffer BK { uint Kc[]; };
layout(std430, binding = 2) readonly buffer BV { uint Vc[]; };
layout(std430, binding = 3) writeonly buffer BY { uint Y[]; };
layout(push_constant) uniform Push {
  uint T, Hq, Hkv, D, kvLen, pos0, causal, qBase, kBase, vBase, yBase;
  float scale;
} p;
#include "reduce.glsl"

#if defined(KV_F16)
#define KAT(i) HALFAT(Kc, p.kBase + (i))
#define VAT(i) HALFAT(Vc, p.vBase + (i))
#else
#define KAT(i) F32AT(Kc, p.kBase + (i))
#define VAT(i) F32AT(Vc, p.vBase + (i))
#endif

shared float qs[DPT * WG];
shared float probs[WG];

void main() {
  const uint g = groupIndex();
  if (g >= p.T * p.Hq) return;
  const uint t = g / p.Hq, h = g % p.Hq;
  const uint hk = h * p.Hkv / p.Hq;
  const uint tid = gl_LocalInvocationID.x;
  const uint kvStride = p.Hkv * p.D;
  for (uint d = tid; d < p.D; d += WG) qs[d] = F32AT(Q, p.qBase + g * p.D + d) * p.scale;
  barrier();
  const uint limit = p.causal != 0u ? min(p.kvLen, p.pos0 + t + 1u) : p.kvLen;
  float m = NEG_INF, l = 0.0;
  float acc[DPT];
  for (uint r = 0u; r < DPT; r++) acc[r] = 0.0;
  for (uint j0 = 0u; j0 < limit; j0 += WG) {
    const uint j = j0 + tid;
    float s = NEG_INF;
    if (j < limit) {
      s = 0.0;
      const uint kb = j * kvStride + hk * p.D;
      for (uint d = 0u; d < p.D; d++) s += qs[d] * KAT(kb + d);
    }
    const float newM = max(m, wgMax(s));  // finite: key j0 is always visible
    const float pr = j < limit ? exp(s - newM) : 0.0;
    probs[tid] = pr;
    const float corr = exp(m - newM);  // 0 on the first tile (m = -inf)
    l = l * corr + wgSum(pr);          // wgSum's barrier also publishes probs
    for (uint r = 0u; r < DPT; r++) acc[r] *= corr;
    const uint count = min(WG, limit - j0);
    for (uint jj = 0u; jj < count; jj++) {
      const float pj = probs[jj];
      const uint vb = (j0 + jj) * kvStride + hk * p.D;
      for (uint r = 0u; r < DPT; r++) {
        const uint d = tid + r * WG;
        if (d < p.D) acc[r] += pj * VAT(vb + d);
      }
    }
    barrier();  // probs is rewritten by the next tile
    m = newM;
  }
  for (uint r = 0u; r < DPT; r++) {
    const uint d = tid + r * WG;
    if (d < p.D) Y[p.yBase + g * p.D + d] = floatBitsToUint(acc[r] / l);
  }
}
