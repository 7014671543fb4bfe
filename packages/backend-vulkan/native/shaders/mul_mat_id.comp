#version 450
// y[s, n] = sum_k x[row(s), k] * w[ids[s], n, k] for each slot s of ids[T, U] (row(s) = s, or s / U when
// x is shared by a token's slots): one weight row per workgroup, slot = gl_WorkGroupID.z, as matvec.comp.
// Experts [e0, e0 + ne) are bound (a tensor larger than one binding is bound in expert chunks): each
// dispatch writes the slots whose expert it holds; the first also writes zeros for ids outside 0..E-1.
#define WG 128
#include "common.glsl"
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer BX { uint X[]; };
layout(std430, binding = 1) readonly buffer BW { uint W[]; };
layout(std430, binding = 2) readonly buffer BI { uint IDS[]; };
layout(std430, binding = 3) writeonly buffer BY { uint Y[]; };
layout(push_constant) uniform Push {
  uint K, N, xBase, wBase, idsBase, yBase, U, perSlot, e0, ne, E, first;
} p;
#include "reduce.glsl"
#include "dequant.glsl"

void main() {
  const uint n = groupIndex();
  if (n >= p.N) return;  // whole workgroup: no barrier is skipped by some and not others
  const uint tid = gl_LocalInvocationID.x;
  const uint s = gl_WorkGroupID.z;
  const uint e = IDS[p.idsBase + s];  // negative ids wrap to huge values: outside the experts
  if (e >= p.E) {
    if (p.first != 0u && tid == 0u) Y[p.yBase + s * p.N + n] = 0u;
    return;
  }
  if (e < p.e0 || e >= p.e0 + p.ne) return;
  const uint rb = p.wBase + ((e - p.e0) * p.N + n) * wRowUnits(p.K);
  const uint xb = p.xBase + (p.perSlot != 0u ? s : s / p.U) * p.K;
  float acc = 0.0;
#ifdef QUANTIZED
  for (uint c = tid; c < p.K / 16u; c += WG) {
    float d, mn;
    chunkParams(rb, c, d, mn);
    float sum = 0.0, sx = 0.0;
    for (uint l = 0u; l < 16u; l++) {
      const float xv = F32AT(X, xb + c * 16u + l);
      sum += chunkQ(rb, c, l) * xv;
#ifdef HAS_MIN
      sx += xv;
#endif
    }
    acc += d * sum;
#ifdef HAS_MIN
    acc += mn * sx;
#endif
  }
#else
  for (uint k = tid; k < p.K; k += WG) acc += wElem(rb, k) * F32AT(X, xb + k);
#endif
  const float total = wgSum(acc);
  if (tid == 0u) Y[p.yBase + s * p.N + n] = floatBitsToUint(total);
}
