#version 450
// one workgroup per row of C: indices of the k largest, largest first, ties to the lower index.
// Round r picks the best element ranked below round r-1's pick, so no scratch memory is needed.
#define WG 128
#include "common.glsl"
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer BX { uint X[]; };
layout(std430, binding = 1) writeonly buffer BY { uint Y[]; };
layout(push_constant) uniform Push {
  uint C, rows, k, xBase, yBase;
} p;
#include "select.glsl"

void main() {
  const uint row = groupIndex();
  if (row >= p.rows) return;
  const uint tid = gl_LocalInvocationID.x, xb = p.xBase + row * p.C;
  float pv = 0.0;
  uint pi = NONE;
  for (uint r = 0u; r < p.k; r++) {
    float bv = NEG_INF;
    uint bi = NONE;
    for (uint c = tid; c < p.C; c += WG) {
      const float v = F32AT(X, xb + c);
      const bool below = pi == NONE || v < pv || (v == pv && c > pi);
      if (below && (bi == NONE || v > bv)) bv = v, bi = c;
    }
    bestOfGroup(bv, bi);
    pv = selValue[0];
    pi = selIndex[0];
    if (tid == 0u) Y[p.yBase + row * p.k + r] = pi;
    barrier();  // everyone has read round r's pick before the next round overwrites it
  }
}
