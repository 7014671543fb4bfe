/**
 * Byte access behind a small interface, so the format readers run on a Node file, a browser
 * File/Blob or bytes already in memory alike. Every read is bounds-checked against `size`.
 */
import { ModelFormatError } from '@ix/core';

export interface ByteSource {
  /** file path (or another name) used in error messages */
  readonly name: string;
  /** set when the bytes are a file on disk at this path: a native backend may map it (TensorEntry.file) */
  readonly path?: string;
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

/** A ByteSource over a Blob or a browser File: each read is a slice of it. */
export class BlobSource implements ByteSource {
  readonly size: number;
  constructor(
    readonly name: string,
    private readonly blob: Blob,
  ) {
    this.size = blob.size;
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    checkRange(this.name, this.size, offset, length);
    return new Uint8Array(await this.blob.slice(offset, offset + length).arrayBuffer());
  }
}

/** What a model can be read from besides a path: bytes, a Blob or File, a fetch Response, or any ByteSource. */
export type ModelBytes = Uint8Array | ArrayBuffer | Blob | Response | ByteSource;

/** A ByteSource over `input`, named `name` in messages (a File's own name when it has one). */
export async function byteSourceOf(input: ModelBytes, name?: string): Promise<ByteSource> {
  if (input instanceof Uint8Array) return new MemorySource(name ?? '(model bytes)', input);
  if (input instanceof ArrayBuffer) return new MemorySource(name ?? '(model bytes)', new Uint8Array(input));
  if (typeof Blob !== 'undefined' && input instanceof Blob) return new BlobSource(name ?? ((input as { name?: unknown }).name as string | undefined) ?? '(model blob)', input);
  if (typeof Response !== 'undefined' && input instanceof Response) {
    if (!input.ok) throw new ModelFormatError(name ?? input.url, `HTTP ${input.status} ${input.statusText}`);
    return new MemorySource(name ?? (input.url || '(model response)'), new Uint8Array(await input.arrayBuffer()));
  }
  if (typeof (input as ByteSource).read === 'function' && typeof (input as ByteSource).size === 'number') return input as ByteSource;
  throw new ModelFormatError(name ?? '(model)', 'expected a path, a Uint8Array, an ArrayBuffer, a Blob or File, a fetch Response or a ByteSource');
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
