#version 450
// add / mul: y[i] = a[i] op b[i % nb] (b broadcast over leading dims); swiglu: silu(a[i]) * b[i]
#define WG 256
#include "common.glsl"
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer BA { uint A[]; };
layout(std430, binding = 1) readonly buffer BB { uint B[]; };
layout(std430, binding = 2) writeonly buffer BY { uint Y[]; };
layout(push_constant) uniform Push {
  uint n, nb, aBase, bBase, yBase;
} p;

void main() {
  const uint i = groupIndex() * WG + gl_LocalInvocationID.x;
  if (i >= p.n) return;
  const float a = F32AT(A, p.aBase + i), b = F32AT(B, p.bBase + i % p.nb);
#if defined(OP_ADD)
  const float y = a + b;
#elif defined(OP_MUL)
  const float y = a * b;
#elif defined(OP_SWIGLU)
  const float y = a / (1.0 + exp(-a)) * b;
#endif
  Y[p.yBase + i] = floatBitsToUint(y);
}
