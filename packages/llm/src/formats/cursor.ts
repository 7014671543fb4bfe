/**
 * Sequential little-endian reader over a ByteSource, for headers of unknown length (GGUF): it
 * fetches chunks on demand, and every length or count is checked against the bytes left in the
 * file before anything is allocated, so a hostile header cannot ask for more than the file holds.
 */
import { ModelFormatError } from '@ix/core';
import type { ByteSource } from './source.js';

const CHUNK = 1 << 20;

export class ByteCursor {
  private buf: Uint8Array = new Uint8Array(0);
  private view = new DataView(this.buf.buffer);
  /** file offset of buf[0] */
  private base = 0;
  /** position inside buf */
  private at = 0;
  // llama.cpp does not validate UTF-8 either; odd bytes become U+FFFD instead of failing the file
  private readonly utf8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

  constructor(
    readonly source: ByteSource,
    start = 0,
  ) {
    this.base = start;
  }

  /** absolute file offset of the next byte */
  get offset(): number {
    return this.base + this.at;
  }

  get remaining(): number {
    return this.source.size - this.offset;
  }

  fail(problem: string): never {
    throw new ModelFormatError(this.source.name, problem);
  }

  /** Make `n` bytes available at the cursor; throws when the file ends first. */
  async need(n: number, what: string): Promise<void> {
    if (this.at + n <= this.buf.byteLength) return;
    if (n > this.remaining) this.fail(`truncated: ${what} at offset ${this.offset} needs ${n} bytes, ${this.remaining} left`);
    const start = this.offset;
    const len = Math.min(Math.max(n, CHUNK), this.source.size - start);
    this.buf = await this.source.read(start, len);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    this.base = start;
    this.at = 0;
  }

  /** Whether `n` bytes are already buffered (lets hot loops skip the await). */
  has(n: number): boolean {
    return this.at + n <= this.buf.byteLength;
  }

  /** Throws unless `count` items of at least `minBytes` each can still fit in the file. */
  checkCount(count: number | bigint, minBytes: number, what: string): number {
    const max = Math.floor(this.remaining / Math.max(minBytes, 1));
    if (BigInt(count) < 0n || BigInt(count) > BigInt(max)) {
      this.fail(`${what} ${count} at offset ${this.offset} cannot fit in the ${this.remaining} bytes left`);
    }
    return Number(count);
  }

  u8(): number {
    return this.view.getUint8(this.at++);
  }
  i8(): number {
    return this.view.getInt8(this.at++);
  }
  u16(): number {
    const v = this.view.getUint16(this.at, true);
    this.at += 2;
    return v;
  }
  i16(): number {
    const v = this.view.getInt16(this.at, true);
    this.at += 2;
    return v;
  }
  u32(): number {
    const v = this.view.getUint32(this.at, true);
    this.at += 4;
    return v;
  }
  i32(): number {
    const v = this.view.getInt32(this.at, true);
    this.at += 4;
    return v;
  }
  u64(): bigint {
    const v = this.view.getBigUint64(this.at, true);
    this.at += 8;
    return v;
  }
  i64(): bigint {
    const v = this.view.getBigInt64(this.at, true);
    this.at += 8;
    return v;
  }
  f32(): number {
    const v = this.view.getFloat32(this.at, true);
    this.at += 4;
    return v;
  }
  f64(): number {
    const v = this.view.getFloat64(this.at, true);
    this.at += 8;
    return v;
  }

  /** `n` raw bytes (a view; n must already be buffered) */
  bytes(n: number): Uint8Array {
    const v = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    return v;
  }

  /** UTF-8 text of `n` buffered bytes */
  text(n: number): string {
    return this.utf8.decode(this.bytes(n));
  }
}
