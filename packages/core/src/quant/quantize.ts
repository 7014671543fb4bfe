/**
 * quantize(): float32 to a GGML tensor type, reproducing what llama.cpp writes without an importance
 * matrix (ggml_quantize_chunk with imatrix = NULL, i.e. the quantize_row_*_ref functions; Q8_1 and
 * Q8_K, which files never hold, follow their _ref functions too). Blocks are independent, so a
 * matrix is quantized as its flat row-major data.
 */
import { dtypeByteSize, dtypeInfo, type DTypeName } from '../dtype.js';
import { InvalidArgumentError, ShapeError, UnknownDTypeError } from '../errors.js';
import { f32ToBf16Bytes, f32ToF16Bytes } from './half.js';
import { quantizeIQ4_NL, quantizeIQ4_XS } from './quantize-iq4.js';
import { quantizeQ2_K, quantizeQ3_K, quantizeQ4_K, quantizeQ5_K, quantizeQ6_K, quantizeQ8_K } from './quantize-kquants.js';
import {
  quantizeMXFP4,
  quantizeQ4_0,
  quantizeQ4_1,
  quantizeQ5_0,
  quantizeQ5_1,
  quantizeQ8_0,
  quantizeQ8_1,
} from './quantize-legacy.js';
import { quantizeTQ1_0, quantizeTQ2_0 } from './quantize-ternary.js';

/** Encodes `n` units (blocks, or elements for plain types) of src into the zeroed dst. */
type Encoder = (src: Float32Array, dst: Uint8Array, n: number) => void;

const ENCODERS: Partial<Record<DTypeName, Encoder>> = {
  F32: (src, dst, n) => dst.set(new Uint8Array(src.buffer, src.byteOffset, n * 4)),
  F16: (src, dst, n) => f32ToF16Bytes(src.subarray(0, n), dst),
  BF16: (src, dst, n) => f32ToBf16Bytes(src.subarray(0, n), dst),
  Q4_0: quantizeQ4_0,
  Q4_1: quantizeQ4_1,
  Q5_0: quantizeQ5_0,
  Q5_1: quantizeQ5_1,
  Q8_0: quantizeQ8_0,
  Q8_1: quantizeQ8_1,
  MXFP4: quantizeMXFP4,
  Q2_K: quantizeQ2_K,
  Q3_K: quantizeQ3_K,
  Q4_K: quantizeQ4_K,
  Q5_K: quantizeQ5_K,
  Q6_K: quantizeQ6_K,
  Q8_K: quantizeQ8_K,
  IQ4_NL: quantizeIQ4_NL,
  IQ4_XS: quantizeIQ4_XS,
  TQ1_0: quantizeTQ1_0,
  TQ2_0: quantizeTQ2_0,
};

/** Whether quantize() can produce `dtype` (false for unknown names too). */
export function canQuantize(dtype: DTypeName | string | number): boolean {
  try {
    return ENCODERS[dtypeInfo(dtype).name] !== undefined;
  } catch (e) {
    if (e instanceof UnknownDTypeError) return false;
    throw e;
  }
}

/**
 * Encode all of `src` as `dtype`. src.length must be a whole number of blocks (ShapeError); types
 * without an encoder throw InvalidArgumentError, unknown ones UnknownDTypeError. Writes into `out`
 * when given (it must hold the encoded size; that many bytes are overwritten) and returns the bytes.
 */
export function quantize(dtype: DTypeName | string | number, src: Float32Array, out?: Uint8Array): Uint8Array {
  const info = dtypeInfo(dtype);
  const encode = ENCODERS[info.name];
  if (!encode) throw new InvalidArgumentError(`quantizing to ${info.name} is not supported`);
  const bytes = dtypeByteSize(info.name, src.length);
  if (out && out.byteLength < bytes) {
    throw new ShapeError(`${info.name}: ${src.length} values need ${bytes} output bytes, got ${out.byteLength}`);
  }
  const dst = out ? out.subarray(0, bytes) : new Uint8Array(bytes);
  if (out) dst.fill(0);
  encode(src, dst, src.length / info.blockSize);
  return out ?? dst;
}
