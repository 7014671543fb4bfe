/**
 * Byte access behind a small interface, so the format readers run on a Node file, a browser
 * File/Blob or bytes already in memory alike. Every read is bounds-checked against `size`.
 */
import { ModelFormatError } from '@ix/core';

export interface ByteSource {
  /** file path (or another name) used in error messages and in TensorEntry.file */
  readonly name: string;
  readonly size: number;
  /** exactly `length` bytes from `offset`; ModelFormatError when the range leaves the source */
  read(offset: number, length: number): Promise<Uint8Array>;
  close?(): Promise<void>;
}

/** Throws ModelFormatError unless [offset, offset + length) lies inside a source of `size` bytes. */
export function checkRange(name: string, size: number, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > size) {
    throw new ModelFormatError(name, `read of ${length} bytes at offset ${offset} is outside the file (${size} bytes)`);
  }
}

/** A ByteSource over bytes in memory; reads return views, not copies. */
export class MemorySource implements ByteSource {
  readonly size: number;
  constructor(
    readonly name: string,
    private readonly bytes: Uint8Array,
  ) {
    this.size = bytes.byteLength;
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    checkRange(this.name, this.size, offset, length);
    return this.bytes.subarray(offset, offset + length);
  }
}
