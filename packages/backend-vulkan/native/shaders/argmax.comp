#version 450
// one workgroup per row of C: the first index of the maximum
#define WG 128
#include "common.glsl"
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer BX { uint X[]; };
layout(std430, binding = 1) writeonly buffer BY { uint Y[]; };
layout(push_constant) uniform Push {
  uint C, rows, xBase, yBase;
} p;
#include "select.glsl"

void main() {
  const uint row = groupIndex();
  if (row >= p.rows) return;
  const uint tid = gl_LocalInvocationID.x, xb = p.xBase + row * p.C;
  float bv = NEG_INF;
  uint bi = NONE;
  for (uint c = tid; c < p.C; c += WG) {
    const float v = F32AT(X, xb + c);
    if (bi == NONE || v > bv) bv = v, bi = c;
  }
  bestOfGroup(bv, bi);
  if (tid == 0u) Y[p.yBase + row] = selIndex[0];
}
