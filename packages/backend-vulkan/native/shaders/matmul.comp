#version 450
// Tiled y[m, nOff + n] = sum_k x[m, k] * w[n, k]: 32x32 output tiles, 16-wide K steps staged in shared
// memory (weights decoded once per tile), 2x2 outputs per invocation.
#define BM 32u
#define BN 32u
#define BK 16u
#include "common.glsl"
layout(local_size_x = 16, local_size_y = 16) in;
layout(std430, binding = 0) readonly buffer BX { uint X[]; };
layout(std430, binding = 1) readonly buffer BW { uint W[]; };
layout(std430, binding = 2) writeonly buffer BY { uint Y[]; };
layout(push_constant) uniform Push {
  uint K, N, M, xBase, wBase, yBase, yStride, nOff;
} p;
#include "dequant.glsl"

shared float xs[BM][BK + 1u];
shared float ws[BN][BK + 1u];

void main() {
  const uint tx = gl_LocalInvocationID.x, ty = gl_LocalInvocationID.y;
  const uint lin = ty * 16u + tx;
  const uint n0 = gl_WorkGroupID.x * BN, m0 = gl_WorkGroupID.y * BM;
  const uint rowUnits = wRowUnits(p.K);
  float acc[2][2] = {{0.0, 0.0}, {0.0, 0.0}};
  for (uint k0 = 0u; k0 < p.K; k0 += BK) {
    for (uint r = 0u; r < 2u; r++) {
      const uint idx = lin + r * 256u;
      const uint row = idx / BK, kk = idx % BK;
      const uint k = k0 + kk;
      const uint m = m0 + row, n = n0 + row;
      xs[row][kk] = (m < p.M && k < p.K) ? F32AT(X, p.xBase + m * p.K + k) : 0.0;
      ws[row][kk] = (n < p.N && k < p.K) ? wElem(p.wBase + n * rowUnits, k) : 0.0;
    }
    barrier();
    for (uint kk = 0u; kk < BK; kk++) {
      const float x0 = xs[ty][kk], x1 = xs[ty + 16u][kk];
      const float w0 = ws[tx][kk], w1 = ws[tx + 16u][kk];
      acc[0][0] += x0 * w0;
      acc[0][1] += x0 * w1;
      acc[1][0] += x1 * w0;
      acc[1][1] += x1 * w1;
    }
    barrier();
  }
  for (uint i = 0u; i < 2u; i++) {
    for (uint j = 0u; j < 2u; j++) {
      const uint m = m0 + ty + 16u * i, n = n0 + tx + 16u * j;
      if (m < p.M && n < p.N) Y[p.yBase + m * p.yStride + p.nOff + n] = floatBitsToUint(acc[i][j]);
    }
  }
}
