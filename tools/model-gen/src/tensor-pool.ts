import { existsSync } from 'node:fs';
import { totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

interface Job {
  id: number;
  index: number;
  rows?: readonly [number, number];
  resolve(bytes: Uint8Array): void;
  reject(err: Error): void;
}

/** A tensor of the file: its float32 values (its memory while made), and the row ranges it may be made in. */
export interface PoolTensor {
  values: number;
  pieces?: readonly (readonly [number, number])[];
}

/**
 * GGUF tensors computed on worker threads (a tensor's values depend on the seed and its name only, so
 * any thread can make any tensor, and a big one in row pieces), handed out in file order. Tensors are
 * started ahead of the one the writer waits for, while their float32 values fit a quarter of the
 * machine's memory.
 */
export class TensorPool {
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly queue: Job[] = [];
  private readonly running = new Map<number, Job>();
  private readonly started = new Map<number, { promise: Promise<Uint8Array>; bytes: number }>();
  private nextId = 0;
  private nextIndex = 0;
  private inFlightBytes = 0;
  private readonly budget = totalmem() / 4;

  /** The built worker script, or undefined when running from sources (tests: one thread does it all). */
  static script(): URL | undefined {
    const url = new URL('./tensor-worker.js', import.meta.url);
    return url.protocol === 'file:' && existsSync(fileURLToPath(url)) ? url : undefined;
  }

  constructor(
    script: URL,
    threads: number,
    /** what the workers make the tensors from (generate.ts's options, without functions) */
    private readonly options: object,
    private readonly tensors: readonly PoolTensor[],
  ) {
    for (let i = 0; i < threads; i++) {
      const w = new Worker(script);
      w.on('message', (m: { id: number; bytes?: Uint8Array; error?: string }) => this.done(w, m));
      w.on('error', (err) => this.fail(err));
      w.on('exit', (code) => {
        if (this.running.size) this.fail(new Error(`a tensor worker stopped (exit code ${code}) while making tensors`));
      });
      this.workers.push(w);
      this.idle.push(w);
    }
  }

  /** Tensor `index`'s bytes, starting it (and the next ones the budget allows) where not started yet. */
  tensor(index: number): Promise<Uint8Array> {
    while (this.nextIndex < this.tensors.length && (this.nextIndex <= index || this.fitsAhead())) this.start(this.nextIndex++);
    const s = this.started.get(index);
    if (!s) throw new Error(`tensor ${index} was asked for twice or out of range`);
    this.started.delete(index);
    return s.promise.finally(() => (this.inFlightBytes -= s.bytes));
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private fitsAhead(): boolean {
    return this.queue.length < this.workers.length && this.inFlightBytes + 4 * this.tensors[this.nextIndex]!.values <= this.budget;
  }

  private start(index: number): void {
    const { values, pieces } = this.tensors[index]!;
    const bytes = 4 * values;
    this.inFlightBytes += bytes;
    const job = (rows?: readonly [number, number]) =>
      new Promise<Uint8Array>((resolve, reject) => {
        this.queue.push({ id: this.nextId++, index, rows, resolve, reject });
      });
    const promise = pieces ? Promise.all(pieces.map(job)).then(concat) : job();
    promise.catch(() => {}); // rejected before anyone awaits it: reported when it is
    this.started.set(index, { promise, bytes });
    this.dispatch();
  }

  private dispatch(): void {
    while (this.idle.length && this.queue.length) {
      const job = this.queue.shift()!;
      this.running.set(job.id, job);
      this.idle.pop()!.postMessage({ id: job.id, options: this.options, index: job.index, rows: job.rows });
    }
  }

  private done(w: Worker, m: { id: number; bytes?: Uint8Array; error?: string }): void {
    const job = this.running.get(m.id);
    this.running.delete(m.id);
    this.idle.push(w);
    if (job) {
      if (m.bytes) job.resolve(m.bytes);
      else job.reject(new Error(m.error ?? 'the worker sent nothing'));
    }
    this.dispatch();
  }

  private fail(err: Error): void {
    for (const job of [...this.running.values(), ...this.queue]) job.reject(err);
    this.running.clear();
    this.queue.length = 0;
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}
