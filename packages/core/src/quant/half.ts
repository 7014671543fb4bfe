/**
 * IEEE binary16 (f16) and bfloat16 (bf16) conversions, bit-exact with ggml
 * (ggml-impl.h: ggml_compute_fp16_to_fp32 / ggml_compute_fp32_to_fp16 / GGML_FP32_TO_BF16).
 *
 * Inputs to the f32 -> half direction are first rounded to float32, because ggml converts
 * from `float`; rounding straight from a double could differ by one ulp in rare ties.
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Bits of `x` rounded to float32. */
export function f32Bits(x: number): number {
  f32[0] = x;
  return u32[0]!;
}

/** The float32 whose bit pattern is `bits`. */
export function f32FromBits(bits: number): number {
  u32[0] = bits >>> 0;
  return f32[0]!;
}

/** Decode an f16 bit pattern (low 16 bits of `bits`); exact, subnormals included. */
export function f16ToF32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24; // zero or subnormal
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1024 + mant) * 2 ** (exp - 25);
}

/** Encode a number as f16 bits with round-to-nearest-even; NaN becomes a quiet NaN like ggml (0x7e00 | sign). */
export function f32ToF16(x: number): number {
  const bits = f32Bits(x);
  const sign = (bits >>> 16) & 0x8000;
  const abs = bits & 0x7fffffff;
  if (abs >= 0x7f800000) return sign | (abs > 0x7f800000 ? 0x7e00 : 0x7c00);
  // 65520 is the tie between 65504 (largest f16) and 65536; ties go to even, i.e. to infinity.
  if (abs >= 0x477ff000) return sign | 0x7c00;
  if (abs < 0x38800000) {
    // below 2^-14: an f16 subnormal, counted in units of 2^-24 (the product is exact in a double)
    return sign | roundHalfEven(f32FromBits(abs) * 2 ** 24);
  }
  const exp = (abs >>> 23) - 127 + 15;
  const mant = abs & 0x7fffff;
  let h = (exp << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  // a carry out of the mantissa correctly bumps the exponent
  if (rest > 0x1000 || (rest === 0x1000 && h & 1)) h++;
  return sign | h;
}

/** Decode bf16 bits: the top half of a float32. */
export function bf16ToF32(bits: number): number {
  return f32FromBits((bits & 0xffff) << 16);
}

/** Encode as bf16 with round-to-nearest-even; NaN is kept and forced quiet (GGML_FP32_TO_BF16). */
export function f32ToBf16(x: number): number {
  const bits = f32Bits(x);
  if ((bits & 0x7fffffff) > 0x7f800000) return ((bits >>> 16) | 64) & 0xffff;
  return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
}

function roundHalfEven(v: number): number {
  const r = Math.round(v); // rounds .5 up
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

let f16Table: Float32Array | undefined;

/** All 65536 f16 values as float32, built on first use (256 KiB); the fast path for bulk decoding. */
export function f16Lut(): Float32Array {
  if (!f16Table) {
    f16Table = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) f16Table[h] = f16ToF32(h);
  }
  return f16Table;
}

/** The little-endian f16 at byte `o` of `src`, as a number (the scales inside quant blocks). */
export function f16At(src: Uint8Array, o: number): number {
  return f16Lut()[src[o]! | (src[o + 1]! << 8)]!;
}

/** Decode `count` little-endian f16 values starting at byte `offset` of `src`. */
export function f16BytesToF32(src: Uint8Array, count: number, out: Float32Array = new Float32Array(count), offset = 0): Float32Array {
  const lut = f16Lut();
  for (let i = 0, o = offset; i < count; i++, o += 2) out[i] = lut[src[o]! | (src[o + 1]! << 8)]!;
  return out;
}

/** Decode `count` little-endian bf16 values starting at byte `offset` of `src`. */
export function bf16BytesToF32(src: Uint8Array, count: number, out: Float32Array = new Float32Array(count), offset = 0): Float32Array {
  const outBits = new Uint32Array(out.buffer, out.byteOffset, count);
  for (let i = 0, o = offset; i < count; i++, o += 2) outBits[i] = (src[o]! << 16) | (src[o + 1]! << 24);
  return out;
}

/** Encode floats as little-endian f16 bytes. */
export function f32ToF16Bytes(src: ArrayLike<number>, out: Uint8Array = new Uint8Array(src.length * 2)): Uint8Array {
  for (let i = 0; i < src.length; i++) {
    const h = f32ToF16(src[i]!);
    out[2 * i] = h & 0xff;
    out[2 * i + 1] = h >>> 8;
  }
  return out;
}

/** Encode floats as little-endian bf16 bytes. */
export function f32ToBf16Bytes(src: ArrayLike<number>, out: Uint8Array = new Uint8Array(src.length * 2)): Uint8Array {
  for (let i = 0; i < src.length; i++) {
    const h = f32ToBf16(src[i]!);
    out[2 * i] = h & 0xff;
    out[2 * i + 1] = h >>> 8;
  }
  return out;
}
