/** Just enough protobuf wire-format reading for SentencePiece's ModelProto. */
import { TokenizerError } from './tokenizer.js';

export const WireType = { VARINT: 0, I64: 1, LEN: 2, I32: 5 } as const;

export interface Field {
  number: number;
  wireType: number;
  /** varint value (exact below 2^53; enough for flags and lengths) */
  varint: number;
  /** varint read as int32 (two's complement of its low 32 bits, as protobuf does) */
  int32: number;
  /** I32 payload as float32 */
  float32: number;
  /** LEN payload */
  bytes: Uint8Array;
}

/** Iterate the fields of one message. Throws TokenizerError on truncated or malformed input. */
export function* readFields(buf: Uint8Array, what: string): Generator<Field> {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let at = 0;
  let low32 = 0;
  const varint = (): number => {
    let result = 0;
    let scale = 1;
    low32 = 0;
    for (let i = 0; i < 10; i++) {
      if (at >= buf.length) throw new TokenizerError(`${what}: truncated varint at byte ${at}`);
      const b = buf[at++];
      result += (b & 0x7f) * scale;
      if (i < 5) low32 |= (b & 0x7f) << (7 * i);
      if (b < 0x80) return result;
      scale *= 128;
    }
    throw new TokenizerError(`${what}: varint longer than 10 bytes at byte ${at}`);
  };
  while (at < buf.length) {
    const key = varint();
    const field: Field = { number: Math.floor(key / 8), wireType: key % 8, varint: 0, int32: 0, float32: 0, bytes: EMPTY };
    if (field.number === 0) throw new TokenizerError(`${what}: field number 0 at byte ${at}`);
    switch (field.wireType) {
      case WireType.VARINT:
        field.varint = varint();
        field.int32 = low32 | 0;
        break;
      case WireType.I64:
        if (at + 8 > buf.length) throw new TokenizerError(`${what}: truncated 64-bit field`);
        at += 8;
        break;
      case WireType.LEN: {
        const len = varint();
        if (at + len > buf.length) throw new TokenizerError(`${what}: field ${field.number} claims ${len} bytes, only ${buf.length - at} left`);
        field.bytes = buf.subarray(at, at + len);
        at += len;
        break;
      }
      case WireType.I32:
        if (at + 4 > buf.length) throw new TokenizerError(`${what}: truncated 32-bit field`);
        field.float32 = view.getFloat32(at, true);
        at += 4;
        break;
      default:
        throw new TokenizerError(`${what}: unsupported wire type ${field.wireType} at byte ${at}`);
    }
    yield field;
  }
}

const EMPTY = new Uint8Array(0);
