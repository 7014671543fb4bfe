#version 450
// y[t, i] = sum_j w[t, j] * x[t, j, i] for x[T, U, N], w[T, U], in j order (as the CPU backends sum)
#define WG 256
#include "common.glsl"
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer BX { uint X[]; };
layout(std430, binding = 1) readonly buffer BWT { uint WT[]; };
layout(std430, binding = 2) writeonly buffer BY { uint Y[]; };
layout(push_constant) uniform Push {
  uint n, U, N, xBase, wBase, yBase;
} p;

void main() {
  const uint i = groupIndex() * WG + gl_LocalInvocationID.x;
  if (i >= p.n) return;
  const uint t = i / p.N, c = i % p.N;
  float acc = 0.0;
  for (uint j = 0u; j < p.U; j++) acc += F32AT(WT, p.wBase + t * p.U + j) * F32AT(X, p.xBase + (t * p.U + j) * p.N + c);
  Y[p.yBase + i] = floatBitsToUint(acc);
}
