/** Where the format writers put their bytes: written strictly in order, so big files stream. */
export interface ByteSink {
  readonly name: string;
  /** bytes written so far */
  readonly position: number;
  write(bytes: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

/** Collects everything written; `bytes()` returns the concatenation. */
export class MemorySink implements ByteSink {
  position = 0;
  private readonly chunks: Uint8Array[] = [];
  constructor(readonly name = 'memory') {}

  async write(bytes: Uint8Array): Promise<void> {
    this.chunks.push(bytes.slice());
    this.position += bytes.byteLength;
  }

  async close(): Promise<void> {}

  bytes(): Uint8Array {
    const out = new Uint8Array(this.position);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.byteLength;
    }
    return out;
  }
}
