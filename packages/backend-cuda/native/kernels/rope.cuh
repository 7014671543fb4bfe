// Rotary position embedding on x[T, H, D], angles in double precision as the reference computes them.
#pragma once
#include "common.cuh"

namespace ix {

// p: x, positions (I32 [T]), y, freqFactors (F32 [dims/2] or null).
// u: T, H, D, dims, neox, base lo/hi, freqScale lo/hi (doubles as two words), yarn (0/1), then with
// YaRN (graph.ts): extFactor, attnFactor, corrDims[0], corrDims[1], each a double
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
  double theta, mscale = 1.0;
  if (a.u[9]) {
    // YaRN: pair i mixes the unscaled angle into the scaled one; cos and sin are scaled
    const double ext = f64_of(a.u[10], a.u[11]), attn = f64_of(a.u[12], a.u[13]);
    const double c0 = f64_of(a.u[14], a.u[15]), c1 = f64_of(a.u[16], a.u[17]);
    double extrap = (double)((const int32_t*)a.p[1])[t] * pow(base, -2.0 * i / dims);
    if (a.p[3]) extrap /= (double)((const float*)a.p[3])[i];
    const double m = ext != 0.0 ? ext * (1.0 - fmin(1.0, fmax(0.0, (i - c0) / fmax(0.001, c1 - c0)))) : 0.0;
    theta = freqScale * extrap * (1.0 - m) + extrap * m;
    mscale = attn * (ext != 0.0 ? 1.0 + 0.1 * log(1.0 / freqScale) : 1.0);
  } else {
    theta = (double)((const int32_t*)a.p[1])[t] * freqScale * pow(base, -2.0 * i / dims);
    if (a.p[3]) theta /= (double)((const float*)a.p[3])[i];
  }
  double s, c;
  sincos(theta, &s, &c);
  s *= mscale, c *= mscale;
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
