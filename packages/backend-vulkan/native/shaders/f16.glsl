// IEEE half <-> float by integer arithmetic: exact decoding (subnormals included) and
// round-to-nearest-even encoding identical to core's f32ToF16, whatever the driver's own conversions do.
float halfToFloat(uint h) {
  const uint sign = (h & 0x8000u) << 16;
  const uint e = (h >> 10) & 0x1Fu;
  const uint m = h & 0x3FFu;
  if (e == 0u) {
    const float v = float(m) * 5.9604644775390625e-8;  // m * 2^-24
    return sign != 0u ? -v : v;
  }
  if (e == 31u) return uintBitsToFloat(sign | 0x7F800000u | (m << 13));
  return uintBitsToFloat(sign | ((e + 112u) << 23) | (m << 13));
}

uint floatToHalf(float x) {
  const uint bits = floatBitsToUint(x);
  const uint sign = (bits >> 16) & 0x8000u;
  const uint a = bits & 0x7FFFFFFFu;
  if (a >= 0x7F800000u) return sign | (a > 0x7F800000u ? 0x7E00u : 0x7C00u);
  if (a >= 0x477FF000u) return sign | 0x7C00u;  // rounds up to infinity (65520 ties to even)
  if (a < 0x38800000u) return sign | uint(roundEven(uintBitsToFloat(a) * 16777216.0));  // subnormal, units of 2^-24
  uint h = (((a >> 23) - 112u) << 10) | ((a >> 13) & 0x3FFu);
  const uint rest = a & 0x1FFFu;
  if (rest > 0x1000u || (rest == 0x1000u && (h & 1u) != 0u)) h++;
  return sign | h;
}
