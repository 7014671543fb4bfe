#version 450
// y[t, :] = decode(table[ids[t], :]). A table larger than one binding is bound in row chunks
// [rowStart, rowStart + rowCount): each dispatch writes the rows whose id falls in its chunk; the
// first also writes zeros for ids outside the table, which are never read.
#define WG 256
#include "common.glsl"
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer BW { uint W[]; };
layout(std430, binding = 1) readonly buffer BI { uint IDS[]; };
layout(std430, binding = 2) writeonly buffer BY { uint Y[]; };
layout(push_constant) uniform Push {
  uint C, T, wBase, idsBase, yBase, rowStart, rowCount, rows, first;
} p;
#include "dequant.glsl"

void main() {
  const uint i = groupIndex() * WG + gl_LocalInvocationID.x;
  if (i >= p.C * p.T) return;
  const uint t = i / p.C, c = i % p.C;
  const uint id = IDS[p.idsBase + t];  // negative ids wrap to huge values: outside the table
  if (id >= p.rows) {
    if (p.first != 0u) Y[p.yBase + i] = 0u;
    return;
  }
  if (id < p.rowStart || id >= p.rowStart + p.rowCount) return;
  Y[p.yBase + i] = floatBitsToUint(wElem(p.wBase + (id - p.rowStart) * wRowUnits(p.C), c));
}
