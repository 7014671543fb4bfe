// Shared by every shader. All storage buffers are arrays of 32-bit words: F32/I32 are read with
// uintBitsToFloat, F16 and quantized bytes are unpacked by hand, so no 8/16-bit storage feature is
// needed and any binding offset the host picks (a multiple of 4) works.
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_arithmetic : require

#include "f16.glsl"

// grids wider than 65535 workgroups are split over y: this is the linear workgroup index
uint groupIndex() { return gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x; }

#define F32AT(buf, i) uintBitsToFloat(buf[i])
#define HALFBITS(buf, i) ((buf[(i) >> 1] >> (((i) & 1u) << 4)) & 0xFFFFu)
#define HALFAT(buf, i) halfToFloat(HALFBITS(buf, i))
#define BYTEAT(buf, i) ((buf[(i) >> 2] >> (((i) & 3u) << 3)) & 0xFFu)
#define NEG_INF uintBitsToFloat(0xFF800000u)
#define NONE 0xFFFFFFFFu
