/**
 * The C rounding primitives the ggml quantizers rely on, reproduced exactly so that ix quantizes
 * bit for bit like ggml. Float32 arithmetic is emulated by rounding every operation with
 * Math.fround (a double result rounded to float32 equals the float32 operation for + - * / sqrt).
 */
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export const fr = Math.fround;

/**
 * ggml's nearest_int(): adds 1.5 * 2^23 in float32 and reads the low mantissa bits, i.e. rounds
 * half to even for |x| < 2^22 (and yields ggml's same garbage outside that range, 0 for NaN).
 */
export function nearestInt(x: number): number {
  f32[0] = x + 12582912;
  return (u32[0]! & 0x007fffff) - 0x00400000;
}

/** C roundf / lroundf: round half away from zero. */
export function roundAway(x: number): number {
  return x < 0 ? -Math.floor(-x + 0.5) : Math.floor(x + 0.5);
}

/** Conversion of an int to int8_t / uint8_t (two's complement wrap, as gcc does). */
export function toInt8(v: number): number {
  return (v << 24) >> 24;
}

export function toUint8(v: number): number {
  return v & 0xff;
}
