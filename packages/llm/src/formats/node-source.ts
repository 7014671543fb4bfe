/** Node implementations of ByteSource (range reads through a FileHandle) and ByteSink (a streamed file). */
import fs from 'node:fs/promises';
import { ModelFormatError } from '@ix/core';
import type { ByteSink } from './sink.js';
import { checkRange, type ByteSource } from './source.js';

export class FileSource implements ByteSource {
  private constructor(
    readonly name: string,
    readonly size: number,
    private handle: fs.FileHandle | undefined,
  ) {}

  /** a file on disk: its tensors may be mapped */
  get path(): string {
    return this.name;
  }

  static async open(path: string): Promise<FileSource> {
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(path, 'r');
    } catch (e) {
      throw new ModelFormatError(path, `cannot open: ${(e as Error).message}`, { cause: e });
    }
    const stat = await handle.stat();
    if (!stat.isFile()) {
      await handle.close();
      throw new ModelFormatError(path, 'not a regular file');
    }
    return new FileSource(path, stat.size, handle);
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    checkRange(this.name, this.size, offset, length);
    if (!this.handle) throw new ModelFormatError(this.name, 'read after close');
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.handle.read(out, done, length - done, offset + done);
      if (bytesRead === 0) throw new ModelFormatError(this.name, `file shrank while reading at ${offset + done}`);
      done += bytesRead;
    }
    return out;
  }

  async close(): Promise<void> {
    const h = this.handle;
    this.handle = undefined;
    await h?.close();
  }
}

/** Writes sequentially to a new file (truncating an existing one). */
export class FileSink implements ByteSink {
  position = 0;
  private constructor(
    readonly name: string,
    private readonly handle: fs.FileHandle,
  ) {}

  static async create(path: string): Promise<FileSink> {
    return new FileSink(path, await fs.open(path, 'w'));
  }

  async write(bytes: Uint8Array): Promise<void> {
    let done = 0;
    while (done < bytes.byteLength) {
      const { bytesWritten } = await this.handle.write(bytes, done, bytes.byteLength - done, this.position + done);
      done += bytesWritten;
    }
    this.position += bytes.byteLength;
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}
