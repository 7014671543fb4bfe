#version 450
// one workgroup per row of C: rms_norm x / sqrt(mean(x^2) + eps); layer_norm (x - mean) / sqrt(var + eps)
#define WG 128
#include "common.glsl"
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer BX { uint X[]; };
layout(std430, binding = 1) writeonly buffer BY { uint Y[]; };
layout(push_constant) uniform Push {
  uint C, rows, xBase, yBase;
  float eps;
} p;
#include "reduce.glsl"

void main() {
  const uint row = groupIndex();
  if (row >= p.rows) return;
  const uint tid = gl_LocalInvocationID.x;
  const uint xb = p.xBase + row * p.C, yb = p.yBase + row * p.C;
#if defined(RMS)
  float ss = 0.0;
  for (uint c = tid; c < p.C; c += WG) {
    const float x = F32AT(X, xb + c);
    ss += x * x;
  }
  const float inv = 1.0 / sqrt(wgSum(ss) / float(p.C) + p.eps);
  for (uint c = tid; c < p.C; c += WG) Y[yb + c] = floatBitsToUint(F32AT(X, xb + c) * inv);
#elif defined(LAYER)
  float s = 0.0;
  for (uint c = tid; c < p.C; c += WG) s += F32AT(X, xb + c);
  const float mean = wgSum(s) / float(p.C);
  float v = 0.0;
  for (uint c = tid; c < p.C; c += WG) {
    const float d = F32AT(X, xb + c) - mean;
    v += d * d;
  }
  const float inv = 1.0 / sqrt(wgSum(v) / float(p.C) + p.eps);
  for (uint c = tid; c < p.C; c += WG) Y[yb + c] = floatBitsToUint((F32AT(X, xb + c) - mean) * inv);
#endif
}
