#version 450
// y[m, nOff + n] = sum_k x[m, k] * w[n, k] for one weight row per workgroup (decode fused with the dot),
// activation row m = gl_WorkGroupID.z. Used when x has few rows; matmul.comp tiles the rest.
#define WG 128
#include "common.glsl"
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer BX { uint X[]; };
layout(std430, binding = 1) readonly buffer BW { uint W[]; };
layout(std430, binding = 2) writeonly buffer BY { uint Y[]; };
layout(push_constant) uniform Push {
  uint K, N, xBase, wBase, yBase, yStride, nOff;
} p;
#include "reduce.glsl"
#include "dequant.glsl"

void main() {
  const uint n = groupIndex();
  if (n >= p.N) return;  // whole workgroup: no barrier is skipped by some and not others
  const uint tid = gl_LocalInvocationID.x;
  const uint m = gl_WorkGroupID.z;
  const uint rb = p.wBase + n * wRowUnits(p.K);
  const uint xb = p.xBase + m * p.K;
  float acc = 0.0;
#ifdef QUANTIZED
  for (uint c = tid; c < p.K / 16u; c += WG) {
    float d, mn;
    chunkParams(rb, c, d, mn);
    float s = 0.0, sx = 0.0;
    for (uint l = 0u; l < 16u; l++) {
      const float xv = F32AT(X, xb + c * 16u + l);
      s += chunkQ(rb, c, l) * xv;
#ifdef HAS_MIN
      sx += xv;
#endif
    }
    acc += d * s;
#ifdef HAS_MIN
    acc += mn * sx;
#endif
  }
#else
  for (uint k = tid; k < p.K; k += WG) acc += wElem(rb, k) * F32AT(X, xb + k);
#endif
  const float total = wgSum(acc);
  if (tid == 0u) Y[p.yBase + m * p.yStride + p.nOff + n] = floatBitsToUint(total);
}
