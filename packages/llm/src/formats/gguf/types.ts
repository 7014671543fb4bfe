/** GGUF metadata value types (gguf.h `gguf_type`) and how ix represents values in JavaScript. */

export const GGUFValueType = {
  UINT8: 0,
  INT8: 1,
  UINT16: 2,
  INT16: 3,
  UINT32: 4,
  INT32: 5,
  FLOAT32: 6,
  BOOL: 7,
  STRING: 8,
  ARRAY: 9,
  UINT64: 10,
  INT64: 11,
  FLOAT64: 12,
} as const;
export type GGUFValueType = (typeof GGUFValueType)[keyof typeof GGUFValueType];

/** Scalar type ids, or `{ array: inner }` for arrays (nested arrays: the inner tag of their elements). */
export type GGUFTypeTag = GGUFValueType | { readonly array: GGUFTypeTag };

/**
 * Values as read: 8/16/32-bit integers and floats are numbers, 64-bit integers BigInt (they may
 * exceed 2^53), numeric arrays typed arrays of the matching element type (BigInt64Array /
 * BigUint64Array for 64-bit), string and bool arrays plain arrays, nested arrays arrays of those.
 */
export type GGUFValue =
  | number
  | bigint
  | boolean
  | string
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | Float32Array
  | Float64Array
  | BigUint64Array
  | BigInt64Array
  | string[]
  | boolean[]
  | GGUFValue[];

/** Flat GGUF key -> value map (null prototype: keys come from the file). */
export type GGUFMetadata = Record<string, GGUFValue>;

/** Fixed byte size of scalar types; strings and arrays have a variable size. */
export const SCALAR_BYTES: Partial<Record<GGUFValueType, number>> = {
  [GGUFValueType.UINT8]: 1,
  [GGUFValueType.INT8]: 1,
  [GGUFValueType.UINT16]: 2,
  [GGUFValueType.INT16]: 2,
  [GGUFValueType.UINT32]: 4,
  [GGUFValueType.INT32]: 4,
  [GGUFValueType.FLOAT32]: 4,
  [GGUFValueType.BOOL]: 1,
  [GGUFValueType.UINT64]: 8,
  [GGUFValueType.INT64]: 8,
  [GGUFValueType.FLOAT64]: 8,
};

/** Typed-array constructors for numeric array elements (little-endian hosts). */
export const TYPED_ARRAYS = {
  [GGUFValueType.UINT8]: Uint8Array,
  [GGUFValueType.INT8]: Int8Array,
  [GGUFValueType.UINT16]: Uint16Array,
  [GGUFValueType.INT16]: Int16Array,
  [GGUFValueType.UINT32]: Uint32Array,
  [GGUFValueType.INT32]: Int32Array,
  [GGUFValueType.FLOAT32]: Float32Array,
  [GGUFValueType.UINT64]: BigUint64Array,
  [GGUFValueType.INT64]: BigInt64Array,
  [GGUFValueType.FLOAT64]: Float64Array,
} as const;

export const GGUF_MAGIC = 0x46554747; // "GGUF" read as little-endian uint32
export const GGUF_DEFAULT_ALIGNMENT = 32;

