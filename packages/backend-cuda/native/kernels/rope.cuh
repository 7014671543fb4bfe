// Rotary position embedding on x[T, H, D], angles in double precision as the reference computes them.
#pragma once
#include "common.cuh"

namespace ix {

// p: x, positions (I32 [T]), y, freqFactors (F32 [dims/2] or null).
// u: T, H, D, dims, neox, base lo/hi, freqScale lo/hi (doubles as two words)
__device__ void rope(const Args& a) {
  const uint64_t e = global_index();
  const uint32_t T = a.u[0], H = a.u[1], D = a.u[2], dims = a.u[3], neox = a.u[4];
  if (e >= (uint64_t)T * H * D) return;
  const float* x = (const float*)a.p[0];
  float* y = (float*)a.p[2];
  const uint32_t d = e % D;
  const uint64_t t = e / ((uint64_t)H * D);
  if (d >= dims) {
    y[e] = x[e];
    return;
  }
  const uint32_t half = dims / 2;
  uint32_t i, first, second;
  if (neox) {
    i = d < half ? d : d - half;
    first = i, second = i + half;
  } else {
    i = d / 2;
    first = 2 * i, second = 2 * i + 1;
  }
  const uint64_t head = e - d;
  const double base = f64_of(a.u[5], a.u[6]), freqScale = f64_of(a.u[7], a.u[8]);
  double theta = (double)((const int32_t*)a.p[1])[t] * freqScale * pow(base, -2.0 * i / dims);
  if (a.p[3]) theta /= (double)((const float*)a.p[3])[i];
  double s, c;
  sincos(theta, &s, &c);
  const double x0 = x[head + first], x1 = x[head + second];
  y[e] = (float)(d == first ? x0 * c - x1 * s : x0 * s + x1 * c);
}

// table[R, C] rows picked by ids[T]; an id outside the table gives a row of zeros.
// p: table, ids, y.  u: C, T, R, rowBytes
template <int W>
__device__ void get_rows(const Args& a) {
  const uint32_t C = a.u[0], T = a.u[1], R = a.u[2], rowBytes = a.u[3];
  const uint64_t e = global_index();
  const uint32_t per = is_quant(W) ? C / 8 : C;  // work items per row: chunks, or elements
  if (e >= (uint64_t)T * per) return;
  const uint32_t t = e / per, j = e % per;
  const int32_t id = ((const int32_t*)a.p[1])[t];
  float* y = (float*)a.p[2] + (uint64_t)t * C;
  const uint8_t* row = (const uint8_t*)a.p[0] + (uint64_t)(id < 0 ? 0 : id) * rowBytes;
  const bool valid = id >= 0 && (uint32_t)id < R;
  if (is_quant(W)) {
    float w[8];
    if (valid) dequant8<W>(row, j, w);
#pragma unroll
    for (int i = 0; i < 8; ++i) y[j * 8 + i] = valid ? w[i] : 0.f;
  } else {
    y[j] = valid ? plain_at<W>(row, j) : 0.f;
  }
}

}  // namespace ix
