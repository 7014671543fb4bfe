/**
 * Serialises GGUF metadata values. Types come from an explicit tag where given, otherwise from the
 * JavaScript value: string, boolean, bigint (INT64, or UINT64 above 2^63-1), integer number (INT32,
 * UINT32 or INT64 by range, like gguf-py's int -> INT32 default), other number (FLOAT32), typed
 * arrays by element type, plain arrays by their elements (an empty array with no tag is INT32).
 */
import { InvalidArgumentError } from '@ix/core';
import { GGUFValueType, TYPED_ARRAYS, type GGUFTypeTag } from './types.js';

/** Growable little-endian byte buffer. */
export class ByteBuilder {
  private buf = new Uint8Array(4096);
  private view = new DataView(this.buf.buffer);
  length = 0;
  private readonly utf8 = new TextEncoder();

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): void {
    this.reserve(1);
    this.view.setUint8(this.length++, v);
  }
  i8(v: number): void {
    this.reserve(1);
    this.view.setInt8(this.length++, v);
  }
  u16(v: number): void {
    this.reserve(2);
    this.view.setUint16(this.length, v, true);
    this.length += 2;
  }
  i16(v: number): void {
    this.reserve(2);
    this.view.setInt16(this.length, v, true);
    this.length += 2;
  }
  u32(v: number): void {
    this.reserve(4);
    this.view.setUint32(this.length, v, true);
    this.length += 4;
  }
  i32(v: number): void {
    this.reserve(4);
    this.view.setInt32(this.length, v, true);
    this.length += 4;
  }
  u64(v: bigint): void {
    this.reserve(8);
    this.view.setBigUint64(this.length, v, true);
    this.length += 8;
  }
  i64(v: bigint): void {
    this.reserve(8);
    this.view.setBigInt64(this.length, v, true);
    this.length += 8;
  }
  f32(v: number): void {
    this.reserve(4);
    this.view.setFloat32(this.length, v, true);
    this.length += 4;
  }
  f64(v: number): void {
    this.reserve(8);
    this.view.setFloat64(this.length, v, true);
    this.length += 8;
  }
  bytes(b: Uint8Array): void {
    this.reserve(b.byteLength);
    this.buf.set(b, this.length);
    this.length += b.byteLength;
  }
  /** u64 byte length, then UTF-8 bytes (GGUF string) */
  string(s: string): void {
    const b = this.utf8.encode(s);
    this.u64(BigInt(b.byteLength));
    this.bytes(b);
  }
  zeros(n: number): void {
    this.reserve(n);
    this.buf.fill(0, this.length, this.length + n);
    this.length += n;
  }
  result(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

const INT_RANGES: Partial<Record<GGUFValueType, [number, number]>> = {
  [GGUFValueType.UINT8]: [0, 0xff],
  [GGUFValueType.INT8]: [-0x80, 0x7f],
  [GGUFValueType.UINT16]: [0, 0xffff],
  [GGUFValueType.INT16]: [-0x8000, 0x7fff],
  [GGUFValueType.UINT32]: [0, 0xffffffff],
  [GGUFValueType.INT32]: [-0x80000000, 0x7fffffff],
};

/** The tag a value gets when none is given. */
export function inferTag(value: unknown, key: string): GGUFTypeTag {
  if (typeof value === 'string') return GGUFValueType.STRING;
  if (typeof value === 'boolean') return GGUFValueType.BOOL;
  if (typeof value === 'bigint') return value > 0x7fffffffffffffffn ? GGUFValueType.UINT64 : GGUFValueType.INT64;
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) return GGUFValueType.FLOAT32;
    if (value >= -0x80000000 && value <= 0x7fffffff) return GGUFValueType.INT32;
    if (value >= 0 && value <= 0xffffffff) return GGUFValueType.UINT32;
    return GGUFValueType.INT64;
  }
  if (ArrayBuffer.isView(value)) {
    for (const [type, Ctor] of Object.entries(TYPED_ARRAYS)) {
      if (value.constructor === Ctor) return { array: Number(type) as GGUFValueType };
    }
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return { array: GGUFValueType.INT32 };
    if (value.every((v) => typeof v === 'string')) return { array: GGUFValueType.STRING };
    if (value.every((v) => typeof v === 'boolean')) return { array: GGUFValueType.BOOL };
    if (value.every((v) => typeof v === 'bigint')) return { array: GGUFValueType.INT64 };
    if (value.every((v) => typeof v === 'number')) {
      const ints = value.every((v) => Number.isInteger(v) && v >= -0x80000000 && v <= 0x7fffffff);
      return { array: ints ? GGUFValueType.INT32 : GGUFValueType.FLOAT32 };
    }
    if (value.every((v) => Array.isArray(v) || ArrayBuffer.isView(v))) return { array: inferTag(value[0], key) };
  }
  throw new InvalidArgumentError(`GGUF metadata "${key}": cannot store ${describe(value)} (give an explicit type tag)`);
}

/** Appends u32 type + value (the part of a kv pair after the key). */
export function encodeValue(out: ByteBuilder, value: unknown, tag: GGUFTypeTag, key: string): void {
  if (typeof tag === 'object') {
    out.u32(GGUFValueType.ARRAY);
    encodeArray(out, value, tag.array, key);
  } else {
    out.u32(tag);
    encodeScalar(out, value, tag, key);
  }
}

function encodeArray(out: ByteBuilder, value: unknown, inner: GGUFTypeTag, key: string): void {
  if (!Array.isArray(value) && !ArrayBuffer.isView(value)) throw new InvalidArgumentError(`GGUF metadata "${key}": ${describe(value)} is not an array`);
  const items = value as ArrayLike<unknown>;
  const innerType = typeof inner === 'object' ? GGUFValueType.ARRAY : inner;
  out.u32(innerType);
  out.u64(BigInt(items.length));
  for (let i = 0; i < items.length; i++) {
    if (typeof inner === 'object') encodeArray(out, items[i], inner.array, key);
    else encodeScalar(out, items[i], inner, key);
  }
}

function encodeScalar(out: ByteBuilder, v: unknown, type: GGUFValueType, key: string): void {
  const bad = (): never => {
    throw new InvalidArgumentError(`GGUF metadata "${key}": ${describe(v)} cannot be stored as type ${type}`);
  };
  switch (type) {
    case GGUFValueType.STRING:
      return typeof v === 'string' ? out.string(v) : bad();
    case GGUFValueType.BOOL:
      return typeof v === 'boolean' ? out.u8(v ? 1 : 0) : bad();
    case GGUFValueType.FLOAT32:
      return typeof v === 'number' ? out.f32(v) : bad();
    case GGUFValueType.FLOAT64:
      return typeof v === 'number' ? out.f64(v) : bad();
    case GGUFValueType.UINT64:
    case GGUFValueType.INT64: {
      const unsigned = type === GGUFValueType.UINT64;
      const b = typeof v === 'bigint' ? v : typeof v === 'number' && Number.isSafeInteger(v) ? BigInt(v) : bad();
      const [lo, hi] = unsigned ? [0n, 0xffffffffffffffffn] : [-0x8000000000000000n, 0x7fffffffffffffffn];
      if (b < lo || b > hi) bad();
      return unsigned ? out.u64(b) : out.i64(b);
    }
    default: {
      const range = INT_RANGES[type];
      if (!range) bad();
      const n = typeof v === 'bigint' ? Number(v) : v;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < range![0] || n > range![1]) bad();
      const num = n as number;
      if (type === GGUFValueType.UINT8) out.u8(num);
      else if (type === GGUFValueType.INT8) out.i8(num);
      else if (type === GGUFValueType.UINT16) out.u16(num);
      else if (type === GGUFValueType.INT16) out.i16(num);
      else if (type === GGUFValueType.UINT32) out.u32(num);
      else out.i32(num);
    }
  }
}

function describe(v: unknown): string {
  if (ArrayBuffer.isView(v)) return v.constructor.name;
  if (Array.isArray(v)) return `array of ${v.length}`;
  return typeof v === 'string' ? JSON.stringify(v.slice(0, 40)) : `${typeof v} ${String(v)}`;
}
