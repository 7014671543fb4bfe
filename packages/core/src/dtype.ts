import { InvalidArgumentError, ShapeError, UnknownDTypeError } from './errors.js';

/**
 * Every GGML tensor type, with the numeric id used in GGUF files, the number of elements per
 * block and the bytes per block (ggml `type_traits`: blck_size / type_size).
 * Ids 4, 5 (Q4_2/Q4_3), 31..33 and 36..38 (repacked types) were removed from ggml and never
 * appear in current files.
 */
export interface DTypeInfo {
  readonly name: DTypeName;
  readonly id: number;
  /** elements per block (1 for plain types) */
  readonly blockSize: number;
  /** bytes per block */
  readonly typeSize: number;
  readonly quantized: boolean;
}

export const DTYPES = [
  { name: 'F32', id: 0, blockSize: 1, typeSize: 4, quantized: false },
  { name: 'F16', id: 1, blockSize: 1, typeSize: 2, quantized: false },
  { name: 'Q4_0', id: 2, blockSize: 32, typeSize: 18, quantized: true },
  { name: 'Q4_1', id: 3, blockSize: 32, typeSize: 20, quantized: true },
  { name: 'Q5_0', id: 6, blockSize: 32, typeSize: 22, quantized: true },
  { name: 'Q5_1', id: 7, blockSize: 32, typeSize: 24, quantized: true },
  { name: 'Q8_0', id: 8, blockSize: 32, typeSize: 34, quantized: true },
  { name: 'Q8_1', id: 9, blockSize: 32, typeSize: 36, quantized: true },
  { name: 'Q2_K', id: 10, blockSize: 256, typeSize: 84, quantized: true },
  { name: 'Q3_K', id: 11, blockSize: 256, typeSize: 110, quantized: true },
  { name: 'Q4_K', id: 12, blockSize: 256, typeSize: 144, quantized: true },
  { name: 'Q5_K', id: 13, blockSize: 256, typeSize: 176, quantized: true },
  { name: 'Q6_K', id: 14, blockSize: 256, typeSize: 210, quantized: true },
  { name: 'Q8_K', id: 15, blockSize: 256, typeSize: 292, quantized: true },
  { name: 'IQ2_XXS', id: 16, blockSize: 256, typeSize: 66, quantized: true },
  { name: 'IQ2_XS', id: 17, blockSize: 256, typeSize: 74, quantized: true },
  { name: 'IQ3_XXS', id: 18, blockSize: 256, typeSize: 98, quantized: true },
  { name: 'IQ1_S', id: 19, blockSize: 256, typeSize: 50, quantized: true },
  { name: 'IQ4_NL', id: 20, blockSize: 32, typeSize: 18, quantized: true },
  { name: 'IQ3_S', id: 21, blockSize: 256, typeSize: 110, quantized: true },
  { name: 'IQ2_S', id: 22, blockSize: 256, typeSize: 82, quantized: true },
  { name: 'IQ4_XS', id: 23, blockSize: 256, typeSize: 136, quantized: true },
  { name: 'I8', id: 24, blockSize: 1, typeSize: 1, quantized: false },
  { name: 'I16', id: 25, blockSize: 1, typeSize: 2, quantized: false },
  { name: 'I32', id: 26, blockSize: 1, typeSize: 4, quantized: false },
  { name: 'I64', id: 27, blockSize: 1, typeSize: 8, quantized: false },
  { name: 'F64', id: 28, blockSize: 1, typeSize: 8, quantized: false },
  { name: 'IQ1_M', id: 29, blockSize: 256, typeSize: 56, quantized: true },
  { name: 'BF16', id: 30, blockSize: 1, typeSize: 2, quantized: false },
  { name: 'TQ1_0', id: 34, blockSize: 256, typeSize: 54, quantized: true },
  { name: 'TQ2_0', id: 35, blockSize: 256, typeSize: 66, quantized: true },
  { name: 'MXFP4', id: 39, blockSize: 32, typeSize: 17, quantized: true },
] as const satisfies readonly DTypeInfoBase[];

interface DTypeInfoBase {
  name: string;
  id: number;
  blockSize: number;
  typeSize: number;
  quantized: boolean;
}

export type DTypeName = (typeof DTYPES)[number]['name'];
/** A dtype may be given by name (case-insensitive) or by GGML id. */
export type DTypeLike = DTypeName | Lowercase<DTypeName> | number;

const byName = new Map<string, DTypeInfo>(DTYPES.map((t) => [t.name, t]));
const byId = new Map<number, DTypeInfo>(DTYPES.map((t) => [t.id, t]));

/** Resolve a dtype by name or GGML id; throws UnknownDTypeError otherwise. */
export function dtypeInfo(dtype: DTypeLike | string): DTypeInfo {
  const info = typeof dtype === 'number' ? byId.get(dtype) : byName.get(String(dtype).toUpperCase());
  if (!info) throw new UnknownDTypeError(dtype);
  return info;
}

export function isDTypeName(name: string): name is DTypeName {
  return byName.has(name);
}

/** Bytes needed to store `count` elements; throws when count is not a whole number of blocks. */
export function dtypeByteSize(dtype: DTypeLike | string, count: number): number {
  const t = dtypeInfo(dtype);
  if (!Number.isSafeInteger(count) || count < 0) throw new InvalidArgumentError(`invalid element count ${count}`);
  if (count % t.blockSize !== 0) {
    throw new ShapeError(`${t.name}: ${count} elements is not a multiple of the block size ${t.blockSize}`);
  }
  return (count / t.blockSize) * t.typeSize;
}
