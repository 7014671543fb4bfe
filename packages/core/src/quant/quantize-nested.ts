/**
 * Nested quantization, the weight format of adaptive precision: one copy of a matrix readable at
 * 4 or 8 bits. Each 32-block is a Q4_0 **base** plus a Q4_0 **residual** of what the base misses:
 *
 *   4-bit level:  w ≈ d_b·(q_b − 8)
 *   8-bit level:  w ≈ d_b·(q_b − 8) + d_r·(q_r − 8)
 *
 * Both halves are ordinary Q4_0 blocks (f16 scale, 16 bytes of nibbles), stored as two tensors, so
 * the 4-bit level reads half the bytes and runs on any backend's Q4_0 kernel, and the 8-bit level
 * reads both (4.5 + 4.5 bits per weight, against Q8_0's 8.5). Each level's scale is chosen per block
 * to minimise that level's squared error: a small search around ggml's max / −8 that includes
 * ggml's choice, so neither level is worse than plain Q4_0 of what it encodes.
 */
import { ShapeError } from '../errors.js';
import { f16Lut, f32ToF16 } from './half.js';

/** Bytes of one Q4_0 block (f16 scale + 32 nibbles). */
const Q4_0_BLOCK = 18;

/** Scale factors tried around ggml's d = max / −8 (1 first: ties keep ggml's choice). */
const FACTORS = [1, 0.88, 0.9, 0.92, 0.94, 0.96, 0.98, 1.02, 1.04, 1.06, 1.08, 1.1, 1.12];

export interface NestedBlocks {
  /** Q4_0 blocks of the 4-bit level */
  base: Uint8Array;
  /** Q4_0 blocks that the 8-bit level adds to the base */
  residual: Uint8Array;
}

/** Quantize `x` (a whole number of 32-blocks, flat row-major) to nested base and residual blocks. */
export function quantizeNested(x: Float32Array): NestedBlocks {
  if (x.length % 32 !== 0) throw new ShapeError(`nested quantization takes whole 32-blocks, got ${x.length} values`);
  const nb = x.length / 32;
  const base = new Uint8Array(nb * Q4_0_BLOCK);
  const residual = new Uint8Array(nb * Q4_0_BLOCK);
  const block = new Float32Array(32);
  const rest = new Float32Array(32);
  for (let i = 0; i < nb; i++) {
    block.set(x.subarray(i * 32, i * 32 + 32));
    encodeBlock(block, base, i * Q4_0_BLOCK, rest);
    encodeBlock(rest, residual, i * Q4_0_BLOCK);
  }
  return { base, residual };
}

/**
 * Encode one 32-block as Q4_0 at `o` with the candidate scale of least squared error; `rest`, when
 * given, receives x minus the decoded block (what the next level has to encode).
 */
function encodeBlock(x: Float32Array, out: Uint8Array, o: number, rest?: Float32Array): void {
  let max = 0;
  let amax = 0;
  for (let j = 0; j < 32; j++) {
    const a = Math.abs(x[j]!);
    if (a > amax) {
      amax = a;
      max = x[j]!;
    }
  }
  const f16 = f16Lut();
  let bestH = 0; // f16 bits of the chosen scale (0: an all-zero block)
  let bestErr = Infinity;
  if (amax > 0) {
    for (let i = 0; i < FACTORS.length; i++) {
      const h = f32ToF16((max / -8) * FACTORS[i]!);
      const err = blockError(x, f16[h]!, bestErr);
      if (err < bestErr) {
        bestErr = err;
        bestH = h;
      }
    }
  }
  const d = f16[bestH]!;
  const id = d ? 1 / d : 0;
  out[o] = bestH & 0xff;
  out[o + 1] = bestH >>> 8;
  for (let j = 0; j < 16; j++) {
    const q0 = code(x[j]!, id);
    const q1 = code(x[j + 16]!, id);
    out[o + 2 + j] = q0 | (q1 << 4);
    if (rest) {
      rest[j] = x[j]! - d * (q0 - 8);
      rest[j + 16] = x[j + 16]! - d * (q1 - 8);
    }
  }
}

/** the nibble of x at inverse scale id: nearest level (halves up, as ggml), clamped to 0..15 */
function code(x: number, id: number): number {
  const q = Math.floor(x * id + 8.5);
  return q < 0 ? 0 : q > 15 ? 15 : q;
}

/** squared error of x at scale d; stops once it reaches `bound` (that scale cannot win then) */
function blockError(x: Float32Array, d: number, bound: number): number {
  const id = d ? 1 / d : 0;
  let e = 0;
  for (let j = 0; j < 32; j += 8) {
    for (let k = j; k < j + 8; k++) {
      const r = x[k]! - d * (code(x[k]!, id) - 8);
      e += r * r;
    }
    if (e >= bound) return e;
  }
  return e;
}
