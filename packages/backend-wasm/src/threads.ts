import { EAGAIN, type RuntimeExports, type ThreadCalls } from './host.js';

/**
 * The threads of the threaded module (ix_cpu_mt.wasm), on the thread that owns the instance. The
 * engine's thread pool creates them with std::thread, i.e. Emscripten's pthread_create, which calls
 * create() below: the thread runs on a worker of ours (thread-worker.ts) that instantiated the same
 * module over the same shared memory. Workers are started and loaded before the engine exists: a
 * browser starts a worker only once the page's thread returns to its event loop, and the engine's
 * calls never do. A worker whose thread was joined goes back to the idle list for the next engine.
 * Runs wherever workers do: Node (worker_threads), Deno, Bun and browsers (Worker).
 */
export interface WorkerPort {
  post(message: unknown): void;
  listen(fn: (message: WorkerMessage) => void): void;
  onError(fn: (err: Error) => void): void;
  /** the worker alone does not keep the process alive (Node, Bun) */
  unref(): void;
  terminate(): void;
}

export type WorkerMessage = { cmd: 'loaded' } | { cmd: 'log'; line: string } | { cmd: 'cleanup'; thread: number } | { cmd: 'error'; message: string };

/** Why this runtime cannot run the threaded module, or undefined when it can. */
export function threadsUnavailable(): string | undefined {
  const g = globalThis as { SharedArrayBuffer?: unknown; crossOriginIsolated?: boolean; Worker?: unknown; process?: { versions?: { node?: string } } };
  if (g.crossOriginIsolated === false) return 'the page is not cross-origin isolated (serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)';
  if (typeof g.SharedArrayBuffer !== 'function') return 'this runtime has no SharedArrayBuffer';
  if (typeof g.Worker !== 'function' && !g.process?.versions?.node) return 'this runtime has no workers';
  return undefined;
}

/** the worker script beside this file: dist/thread-worker.js (from the sources, the built one in dist/) */
function workerUrl(): URL {
  const here = new URL('./thread-worker.js', import.meta.url);
  return /\/src\/[^/]*$/.test(import.meta.url) ? new URL('../dist/thread-worker.js', import.meta.url) : here;
}

async function spawn(url: URL): Promise<WorkerPort> {
  const WebWorker = (globalThis as { Worker?: new (url: URL, options: { type: 'module' }) => Worker & { unref?(): void } }).Worker;
  if (typeof WebWorker === 'function') {
    const w = new WebWorker(url, { type: 'module' });
    return {
      post: (m) => w.postMessage(m),
      listen: (fn) => (w.onmessage = (e: MessageEvent) => fn(e.data as WorkerMessage)),
      onError: (fn) => (w.onerror = (e: ErrorEvent) => fn(new Error(e.message || 'the worker failed to start'))),
      unref: () => w.unref?.(),
      terminate: () => w.terminate(),
    };
  }
  const { Worker } = await import('node:worker_threads');
  // none of the process's own flags (e.g. --input-type, loaders): the worker script needs none
  const w = new Worker(url, { execArgv: [] });
  return {
    post: (m) => w.postMessage(m),
    listen: (fn) => w.on('message', fn),
    onError: (fn) => w.on('error', fn),
    unref: () => w.unref(),
    terminate: () => void w.terminate(),
  };
}

export class ThreadHost implements ThreadCalls {
  private readonly idle: WorkerPort[];
  private readonly running = new Map<number, WorkerPort>();

  private constructor(
    private readonly workers: WorkerPort[],
    private readonly exports: () => RuntimeExports,
  ) {
    this.idle = [...workers];
  }

  /** `count` workers, each with the module instantiated over `memory`, ready to run a thread. */
  static async start(module: WebAssembly.Module, memory: WebAssembly.Memory, count: number, exports: () => RuntimeExports, env: Record<string, string>, log: (line: string) => void): Promise<ThreadHost> {
    const url = workerUrl();
    const workers: WorkerPort[] = [];
    let host: ThreadHost | undefined;
    try {
      await Promise.all(
        Array.from({ length: count }, async () => {
          const w = await spawn(url);
          workers.push(w);
          await new Promise<void>((resolve, reject) => {
            w.onError((err) => reject(new Error(`a wasm thread's worker failed: ${err.message}`)));
            w.listen((m) => {
              if (m.cmd === 'loaded') resolve();
              else if (m.cmd === 'log') log(m.line);
              else if (m.cmd === 'cleanup') host?.cleanup(m.thread);
              else if (m.cmd === 'error') {
                log(`wasm thread: ${m.message}`);
                reject(new Error(m.message));
              }
            });
            w.post({ cmd: 'load', module, memory, env });
          });
        }),
      );
    } catch (err) {
      for (const w of workers) w.terminate();
      throw err;
    }
    // the engine's threads do not keep the process alive (after the listeners: they would ref again)
    for (const w of workers) w.unref();
    return (host = new ThreadHost(workers, exports));
  }

  get size(): number {
    return this.workers.length;
  }

  /** workers not running a thread now */
  get idleCount(): number {
    return this.idle.length;
  }

  create(thread: number, start: number, arg: number): number {
    const x = this.exports();
    const stackTop = x.ix_thread_stack!(thread, 0), stackSize = x.ix_thread_stack!(thread, 1);
    if (!stackTop || this.idle.length === 0) return EAGAIN;
    const w = this.idle.pop()!;
    this.running.set(thread, w);
    w.post({ cmd: 'run', thread, start, arg, stackTop, stackSize });
    return 0;
  }

  cleanup(thread: number): void {
    const w = this.running.get(thread);
    this.exports()._emscripten_thread_free_data!(thread);
    if (w) {
      this.running.delete(thread);
      this.idle.push(w);
    }
  }

  terminate(): void {
    for (const w of this.workers) w.terminate();
    this.idle.length = 0;
    this.running.clear();
  }
}
