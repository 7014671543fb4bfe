#version 450
// out[r, j] = x[r, ids[r, j]] (x rows of C); an id outside 0..C-1 gives 0
#define WG 256
#include "common.glsl"
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer BX { uint X[]; };
layout(std430, binding = 1) readonly buffer BI { uint IDS[]; };
layout(std430, binding = 2) writeonly buffer BY { uint Y[]; };
layout(push_constant) uniform Push {
  uint n, C, k, xBase, idsBase, yBase;
} p;

void main() {
  const uint i = groupIndex() * WG + gl_LocalInvocationID.x;
  if (i >= p.n) return;
  const uint id = IDS[p.idsBase + i];
  Y[p.yBase + i] = id < p.C ? X[p.xBase + (i / p.k) * p.C + id] : 0u;
}
