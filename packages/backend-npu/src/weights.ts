import { dequantize, f16Lut, f16ToF32, type DTypeName } from '@ix/core';

/**
 * Weights in the forms ONNX Runtime multiplies directly, made from GGUF blocks once per compiled
 * graph. Q4_0 and Q8_0 blocks map one-to-one onto `MatMulNBits` (com.microsoft: blocks of 32 along
 * K, one float scale per block, codes with the default zero point 8 or 128); Q4_K's 32-element
 * sub-blocks become MatMulNBits blocks with a float zero point (d·sc·q − dmin·m = d·sc·(q − m·dmin/(d·sc))).
 * Every other type is decoded to float32 (exactly, by core's dequantizer) for a plain Gemm.
 */
export type MatmulWeight =
  | { kind: 'nbits'; bits: 4 | 8; n: number; k: number; blocks: Uint8Array; scales: Float32Array; zeroPoints?: Float32Array }
  | { kind: 'f32'; n: number; k: number; data: Float32Array };

export const BLOCK = 32;

/** Types that reach MatMulNBits without decoding to float. */
export const NBITS_TYPES: readonly DTypeName[] = ['Q4_0', 'Q8_0', 'Q4_K'];

/** `dtype`'s bytes in the best form for ONNX Runtime; `nbits: false` forces float32 (EPs without MatMulNBits) */
export function matmulWeight(dtype: DTypeName, n: number, k: number, bytes: Uint8Array, nbits = true): MatmulWeight {
  const decoded = (): MatmulWeight => ({ kind: 'f32', n, k, data: dequantize(dtype, bytes, n * k) });
  if (!nbits) return decoded();
  if (dtype === 'Q4_0') return q4_0(n, k, bytes);
  if (dtype === 'Q8_0') return q8_0(n, k, bytes);
  if (dtype === 'Q4_K') return q4_k(n, k, bytes) ?? decoded();
  return decoded();
}

/**
 * Two GGUF Q4_0 code bytes (element j and j+16 in byte j, j+1 and j+17 in byte j+1) -> the two
 * MatMulNBits bytes (elements j, j+1 in one; j+16, j+17 in the other), as one table lookup.
 */
let pairTable: Uint16Array | undefined;
function q4PairTable(): Uint16Array {
  if (!pairTable) {
    pairTable = new Uint16Array(65536);
    for (let v = 0; v < 65536; v++) {
      const b0 = v & 255, b1 = v >> 8;
      pairTable[v] = ((b0 & 15) | ((b1 & 15) << 4)) | (((b0 >> 4) | (b1 & 0xf0)) << 8);
    }
  }
  return pairTable;
}

/** Q4_0 (18 bytes: f16 d, 16 bytes with element j low and j+16 high) -> 4-bit codes in order, two per byte, low first. */
function q4_0(n: number, k: number, bytes: Uint8Array): MatmulWeight {
  const count = (n * k) / BLOCK;
  const blocks = new Uint8Array(count * 16);
  const scales = new Float32Array(count);
  const pairs = q4PairTable();
  const half = f16Lut();
  for (let b = 0; b < count; b++) {
    const src = b * 18;
    scales[b] = half[bytes[src]! | (bytes[src + 1]! << 8)]!;
    const q = src + 2;
    const dst = b * 16;
    for (let j = 0; j < 16; j += 2) {
      const p = pairs[bytes[q + j]! | (bytes[q + j + 1]! << 8)]!;
      blocks[dst + j / 2] = p & 255;
      blocks[dst + 8 + j / 2] = p >> 8;
    }
  }
  return { kind: 'nbits', bits: 4, n, k, blocks, scales };
}

/** Q8_0 (34 bytes: f16 d, 32 int8) -> uint8 codes offset by 128 (MatMulNBits' default 8-bit zero point). */
function q8_0(n: number, k: number, bytes: Uint8Array): MatmulWeight {
  const count = (n * k) / BLOCK;
  const blocks = new Uint8Array(count * 32);
  const scales = new Float32Array(count);
  const half = f16Lut();
  for (let b = 0; b < count; b++) {
    const src = b * 34;
    scales[b] = half[bytes[src]! | (bytes[src + 1]! << 8)]!;
    for (let j = 0; j < 32; j++) blocks[b * 32 + j] = (bytes[src + 2 + j]! + 128) & 255;
  }
  return { kind: 'nbits', bits: 8, n, k, blocks, scales };
}

/**
 * Q4_K (144 bytes per 256: f16 d, f16 dmin, 12 bytes of 6-bit scales and mins, 128 bytes of codes in
 * 64-element chunks, low nibbles first) -> 4-bit blocks of 32 with scale d·sc and zero point m·dmin/(d·sc).
 * undefined when a sub-block has sc = 0 but a non-zero minimum (no zero point expresses it).
 */
function q4_k(n: number, k: number, bytes: Uint8Array): MatmulWeight | undefined {
  const supers = (n * k) / 256;
  const blocks = new Uint8Array(supers * 8 * 16);
  const scales = new Float32Array(supers * 8);
  const zeroPoints = new Float32Array(supers * 8);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const f = Math.fround;
  for (let s = 0; s < supers; s++) {
    const src = s * 144;
    const d = f16ToF32(dv.getUint16(src, true));
    const dmin = f16ToF32(dv.getUint16(src + 2, true));
    const sc = src + 4;
    for (let j = 0; j < 8; j++) {
      // get_scale_min_k4 (ggml-quants.c)
      let scale: number, min: number;
      if (j < 4) {
        scale = bytes[sc + j]! & 63;
        min = bytes[sc + j + 4]! & 63;
      } else {
        scale = (bytes[sc + j + 4]! & 15) | ((bytes[sc + j - 4]! >> 6) << 4);
        min = (bytes[sc + j + 4]! >> 4) | ((bytes[sc + j]! >> 6) << 4);
      }
      const d1 = f(d * scale);
      const m1 = f(dmin * min);
      const b = s * 8 + j;
      if (d1 === 0 && m1 !== 0) return undefined;
      scales[b] = d1;
      zeroPoints[b] = d1 === 0 ? 0 : m1 / d1;
      // sub-block j: chunk j>>1, low nibbles for even j, high for odd
      const q = src + 16 + (j >> 1) * 32;
      const shift = (j & 1) * 4;
      for (let i = 0; i < 32; i += 2) {
        blocks[b * 16 + i / 2] = ((bytes[q + i]! >> shift) & 15) | (((bytes[q + i + 1]! >> shift) & 15) << 4);
      }
    }
  }
  return { kind: 'nbits', bits: 4, n, k, blocks, scales, zeroPoints };
}
