/**
 * dequantize(): any GGML tensor type to float32, bit-exact with ggml's dequantize_row_* / type
 * conversions (ggml-quants.c, ggml.c). The per-family decoders live in plain.ts, legacy.ts,
 * kquants.ts, ternary.ts and iquants.ts.
 */
import { dtypeByteSize, dtypeInfo, type DTypeName } from '../dtype.js';
import { ShapeError } from '../errors.js';
import {
  dequantizeIQ1_M,
  dequantizeIQ1_S,
  dequantizeIQ2_S,
  dequantizeIQ2_XS,
  dequantizeIQ2_XXS,
  dequantizeIQ3_S,
  dequantizeIQ3_XXS,
  dequantizeIQ4_NL,
  dequantizeIQ4_XS,
} from './iquants.js';
import { dequantizeQ2_K, dequantizeQ3_K, dequantizeQ4_K, dequantizeQ5_K, dequantizeQ6_K, dequantizeQ8_K } from './kquants.js';
import {
  dequantizeMXFP4,
  dequantizeQ4_0,
  dequantizeQ4_1,
  dequantizeQ5_0,
  dequantizeQ5_1,
  dequantizeQ8_0,
  dequantizeQ8_1,
} from './legacy.js';
import { convertBF16, convertF16, convertF32, convertF64, convertI16, convertI32, convertI64, convertI8 } from './plain.js';
import { dequantizeTQ1_0, dequantizeTQ2_0 } from './ternary.js';

/** Decodes `n` units (blocks, or elements for plain types) from the start of src into out. */
type Decoder = (src: Uint8Array, out: Float32Array, n: number) => void;

const DECODERS: Record<DTypeName, Decoder> = {
  F32: convertF32,
  F16: convertF16,
  BF16: convertBF16,
  F64: convertF64,
  I8: convertI8,
  I16: convertI16,
  I32: convertI32,
  I64: convertI64,
  Q4_0: dequantizeQ4_0,
  Q4_1: dequantizeQ4_1,
  Q5_0: dequantizeQ5_0,
  Q5_1: dequantizeQ5_1,
  Q8_0: dequantizeQ8_0,
  Q8_1: dequantizeQ8_1,
  Q2_K: dequantizeQ2_K,
  Q3_K: dequantizeQ3_K,
  Q4_K: dequantizeQ4_K,
  Q5_K: dequantizeQ5_K,
  Q6_K: dequantizeQ6_K,
  Q8_K: dequantizeQ8_K,
  IQ2_XXS: dequantizeIQ2_XXS,
  IQ2_XS: dequantizeIQ2_XS,
  IQ2_S: dequantizeIQ2_S,
  IQ3_XXS: dequantizeIQ3_XXS,
  IQ3_S: dequantizeIQ3_S,
  IQ1_S: dequantizeIQ1_S,
  IQ1_M: dequantizeIQ1_M,
  IQ4_NL: dequantizeIQ4_NL,
  IQ4_XS: dequantizeIQ4_XS,
  TQ1_0: dequantizeTQ1_0,
  TQ2_0: dequantizeTQ2_0,
  MXFP4: dequantizeMXFP4,
};

/**
 * Decode the first `count` elements stored as `dtype` in `src` into float32.
 * `count` must be a whole number of blocks and `src` must hold at least that many bytes
 * (ShapeError otherwise); an unknown dtype throws UnknownDTypeError. Writes into `out` when given
 * (it must have room for `count` values) and returns it.
 */
export function dequantize(dtype: DTypeName | string | number, src: Uint8Array, count: number, out?: Float32Array): Float32Array {
  const info = dtypeInfo(dtype);
  const bytes = dtypeByteSize(info.name, count);
  if (src.byteLength < bytes) {
    throw new ShapeError(`${info.name}: ${count} elements need ${bytes} bytes, got ${src.byteLength}`);
  }
  if (out && out.length < count) {
    throw new ShapeError(`${info.name}: output has room for ${out.length} values, ${count} needed`);
  }
  const dst = out ?? new Float32Array(count);
  DECODERS[info.name](src, dst, count / info.blockSize);
  return dst;
}

/**
 * Decode row `row` of a row-major tensor whose rows hold `rowLength` elements (a whole number of
 * blocks), e.g. one embedding: reads only that row's bytes.
 */
export function dequantizeRow(
  dtype: DTypeName | string | number,
  src: Uint8Array,
  rowLength: number,
  row: number,
  out?: Float32Array,
): Float32Array {
  const info = dtypeInfo(dtype);
  const rowBytes = dtypeByteSize(info.name, rowLength);
  if (!Number.isSafeInteger(row) || row < 0 || (row + 1) * rowBytes > src.byteLength) {
    throw new ShapeError(`${info.name}: row ${row} of ${rowLength} elements is outside the ${src.byteLength} bytes given`);
  }
  return dequantize(info.name, src.subarray(row * rowBytes, (row + 1) * rowBytes), rowLength, out);
}
