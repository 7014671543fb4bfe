/**
 * Nested quantization on worker threads, so `ix quantize --nested` uses every core: each matrix is
 * quantized whole by one worker (quantizeNested is deterministic, so the file is the same bytes
 * whatever the thread count). The worker script ships beside the bundle (dist/nested-worker.js);
 * where it is absent (running from sources) there is no pool and the caller quantizes in-process.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { NestedBlocks } from '@ix/core';

type Reply = { id: number; base: Uint8Array; residual: Uint8Array } | { id: number; error: string };

export class NestedPool {
  private readonly idle: Worker[] = [];
  private readonly waiting: { x: Float32Array; resolve: (b: NestedBlocks) => void; reject: (e: Error) => void }[] = [];
  private readonly pending = new Map<number, { resolve: (b: NestedBlocks) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  private failed: Error | undefined;
  private closing = false;

  private constructor(private readonly workers: Worker[]) {
    for (const w of workers) {
      w.on('message', (r: Reply) => {
        const p = this.pending.get(r.id);
        if (!p) return; // failed meanwhile
        this.pending.delete(r.id);
        if ('error' in r) p.reject(new Error(`nested quantization: ${r.error}`));
        else p.resolve({ base: r.base, residual: r.residual });
        this.idle.push(w);
        this.pump();
      });
      // a worker that dies (a failed start included) fails everything in flight and all later jobs
      w.on('error', (e) => this.fail(e));
      w.on('exit', (code) => {
        if (!this.closing) this.fail(new Error(`a nested quantization worker exited (code ${code})`));
      });
      this.idle.push(w);
    }
  }

  get size(): number {
    return this.workers.length;
  }

  /** A pool of `threads` workers, or undefined for one thread or where the worker script is not built. */
  static create(threads: number): NestedPool | undefined {
    const script = new URL('./nested-worker.js', import.meta.url);
    if (threads < 2 || script.protocol !== 'file:' || !existsSync(fileURLToPath(script))) return undefined;
    return new NestedPool(Array.from({ length: threads }, () => new Worker(script)));
  }

  /** quantizeNested(x) on the next free worker (x is handed over: it is unusable here afterwards) */
  quantize(x: Float32Array): Promise<NestedBlocks> {
    // only a buffer of its own can be handed over
    if (x.byteOffset !== 0 || x.byteLength !== x.buffer.byteLength || !(x.buffer instanceof ArrayBuffer)) x = x.slice();
    return new Promise((resolve, reject) => {
      if (this.failed) return reject(this.failed);
      this.waiting.push({ x, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.idle.length && this.waiting.length) {
      const w = this.idle.pop()!;
      const job = this.waiting.shift()!;
      const id = this.nextId++;
      this.pending.set(id, job);
      w.postMessage({ id, x: job.x }, [job.x.buffer as ArrayBuffer]);
    }
  }

  private fail(e: Error): void {
    this.failed ??= e;
    for (const p of [...this.pending.values(), ...this.waiting.splice(0)]) p.reject(this.failed);
    this.pending.clear();
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
