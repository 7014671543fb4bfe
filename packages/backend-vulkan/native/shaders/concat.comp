#version 450
// y[o, :] = a[o, :] ++ b[o, :] with rows of aLen and bLen elements (axis and everything after it):
// 32-bit elements (E32) or F16 halves (E16, written a word at a time like copy.comp).
#define WG 256
#include "common.glsl"
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer BA { uint A[]; };
layout(std430, binding = 1) readonly buffer BB { uint B[]; };
layout(std430, binding = 2) buffer BY { uint Y[]; };
layout(push_constant) uniform Push {
  uint outer, aLen, bLen, aBase, bBase, yBase;
} p;

// the bits of output element i: a word (E32) or a half (E16)
uint element(uint i) {
  const uint len = p.aLen + p.bLen;
  const uint o = i / len, r = i % len;
#if defined(E32)
  return r < p.aLen ? A[p.aBase + o * p.aLen + r] : B[p.bBase + o * p.bLen + r - p.aLen];
#else
  return r < p.aLen ? HALFBITS(A, p.aBase + o * p.aLen + r) : HALFBITS(B, p.bBase + o * p.bLen + r - p.aLen);
#endif
}

void main() {
  const uint g = groupIndex() * WG + gl_LocalInvocationID.x;
  const uint n = p.outer * (p.aLen + p.bLen);
#if defined(E32)
  if (g < n) Y[p.yBase + g] = element(g);
#else
  if (n == 0u) return;
  const uint w = (p.yBase >> 1) + g;
  if (w > ((p.yBase + n - 1u) >> 1)) return;
  uint word = Y[w];
  for (uint s = 0u; s < 2u; s++) {
    const uint e = 2u * w + s;
    if (e >= p.yBase && e < p.yBase + n) word = (word & ~(0xFFFFu << (s * 16u))) | (element(e - p.yBase) << (s * 16u));
  }
  Y[w] = word;
#endif
}
