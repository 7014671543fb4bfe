#version 450
// one workgroup per row of C: softmax(x * scale)
#define WG 128
#include "common.glsl"
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer BX { uint X[]; };
layout(std430, binding = 1) writeonly buffer BY { uint Y[]; };
layout(push_constant) uniform Push {
  uint C, rows, xBase, yBase;
  float scale;
} p;
#include "reduce.glsl"

void main() {
  const uint row = groupIndex();
  if (row >= p.rows) return;
  const uint tid = gl_LocalInvocationID.x;
  const uint xb = p.xBase + row * p.C, yb = p.yBase + row * p.C;
  float mx = NEG_INF;
  for (uint c = tid; c < p.C; c += WG) mx = max(mx, F32AT(X, xb + c) * p.scale);
  mx = wgMax(mx);
  float s = 0.0;
  for (uint c = tid; c < p.C; c += WG) s += exp(F32AT(X, xb + c) * p.scale - mx);
  const float inv = 1.0 / wgSum(s);
  for (uint c = tid; c < p.C; c += WG) Y[yb + c] = floatBitsToUint(exp(F32AT(X, xb + c) * p.scale - mx) * inv);
}
