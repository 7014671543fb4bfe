/**
 * Conversions of the non-block types (F32, F16, BF16, F64, I8..I64) to float32, with C cast
 * semantics: one round-to-nearest-even from the exact value. GGUF data is little-endian; so are
 * the typed arrays on every platform Node runs on, which lets F32 be a plain byte copy.
 */
import { bf16BytesToF32, f16BytesToF32 } from './half.js';

export function convertF32(src: Uint8Array, out: Float32Array, n: number): void {
  new Uint8Array(out.buffer, out.byteOffset, n * 4).set(src.subarray(0, n * 4));
}

export function convertF16(src: Uint8Array, out: Float32Array, n: number): void {
  f16BytesToF32(src, n, out);
}

export function convertBF16(src: Uint8Array, out: Float32Array, n: number): void {
  bf16BytesToF32(src, n, out);
}

function view(src: Uint8Array): DataView {
  return new DataView(src.buffer, src.byteOffset, src.byteLength);
}

export function convertF64(src: Uint8Array, out: Float32Array, n: number): void {
  const v = view(src);
  for (let i = 0; i < n; i++) out[i] = v.getFloat64(i * 8, true);
}

export function convertI8(src: Uint8Array, out: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) out[i] = (src[i]! << 24) >> 24;
}

export function convertI16(src: Uint8Array, out: Float32Array, n: number): void {
  const v = view(src);
  for (let i = 0; i < n; i++) out[i] = v.getInt16(i * 2, true);
}

export function convertI32(src: Uint8Array, out: Float32Array, n: number): void {
  const v = view(src);
  for (let i = 0; i < n; i++) out[i] = v.getInt32(i * 4, true); // |v| < 2^31 is exact in a double
}

export function convertI64(src: Uint8Array, out: Float32Array, n: number): void {
  const v = view(src);
  for (let i = 0; i < n; i++) {
    const hi = v.getInt32(i * 8 + 4, true);
    const lo = v.getUint32(i * 8, true);
    // below 2^53 in magnitude the double is exact and the store rounds once
    out[i] = hi >= -0x200000 && hi < 0x200000 ? hi * 2 ** 32 + lo : int64ToF32(v.getBigInt64(i * 8, true));
  }
}

/** Round a big int64 to float32 directly (going through a double could round twice). */
function int64ToF32(x: bigint): number {
  const neg = x < 0n;
  const m = neg ? -x : x;
  const shift = m.toString(2).length - 24;
  let q = m >> BigInt(shift);
  const rest = m - (q << BigInt(shift));
  const half = 1n << BigInt(shift - 1);
  if (rest > half || (rest === half && (q & 1n) === 1n)) q += 1n;
  const r = Number(q) * 2 ** shift;
  return neg ? -r : r;
}
