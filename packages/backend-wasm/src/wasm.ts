import type { EngineContext } from '@ix/cpu-engine';

import { EAGAIN, hostImports, type RuntimeExports } from './host.js';
import { ThreadHost } from './threads.js';

/**
 * The CPU engine's WebAssembly module (native/wasm_api.cpp over @ix/cpu-engine) and its host
 * (host.ts: what the module imports; threads.ts: the threaded module's workers), so the same module
 * runs in Node, Deno, Bun and browsers with no JavaScript glue from the compiler. No Node API here.
 */
interface Exports extends RuntimeExports {
  ix_error(): number;
  ix_isas(): number;
  ix_wasm_compact_loops(on: number): void;
  ix_engine_new(isa: number, threads: number, fast: number, repack: number): number;
  ix_engine_delete(engine: number): void;
  ix_engine_threads(engine: number): number;
  ix_allocate(engine: number, bytes: number): number;
  ix_free(engine: number, id: number): number;
  ix_writable(engine: number, id: number, offset: number, length: number): number;
  ix_readable(engine: number, id: number, offset: number, length: number): number;
  ix_compute(engine: number, program: number, length: number): number;
}

/** Memory of the threaded module: 64 MiB to start (its INITIAL_MEMORY), up to wasm32's 4 GiB. */
const INITIAL_PAGES = 1024;
const MAXIMUM_PAGES = 65536;

export interface InstanceOptions {
  /** the environment the C++ side's getenv() sees (e.g. the IX_* variables of the process) */
  env?: Record<string, string>;
  /** where its stderr goes */
  log?: (line: string) => void;
  /** threads of the threaded module (one per worker, plus the calling thread); 1 for the others */
  threads?: number;
}

/** An engine of an instance; `threads`: the threads it runs (fewer than asked when another engine of the instance holds its workers) */
export interface WasmEngineContext extends EngineContext {
  readonly threads: number;
}

/** One instance of the module: its own linear memory, any number of engines in it. */
export class WasmInstance {
  private constructor(
    private readonly x: Exports,
    /** the module's own memory, or the shared one it imports */
    private readonly memory: WebAssembly.Memory,
    private readonly host: ThreadHost | undefined,
  ) {}

  /** does this module run threads (ix_cpu_mt.wasm: it imports a shared memory)? */
  static isThreaded(module: WebAssembly.Module): boolean {
    return WebAssembly.Module.imports(module).some((i) => i.kind === 'memory');
  }

  /**
   * Instantiate a compiled module. A threaded one gets a shared memory and `threads - 1` workers,
   * loaded before this resolves; the others run on the calling thread alone.
   */
  static async create(module: WebAssembly.Module, options: InstanceOptions = {}): Promise<WasmInstance> {
    const { env = {}, log = (l: string) => console.error(l), threads = 1 } = options;
    const threaded = WasmInstance.isThreaded(module);
    if (!threaded && threads !== 1) throw new Error(`this WebAssembly module runs one thread, not ${threads}`);
    let exports: Exports | undefined;
    let host: ThreadHost | undefined;
    const memory = threaded ? new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum: MAXIMUM_PAGES, shared: true }) : undefined;
    const imports = hostImports({
      memory: () => memory ?? exports!.memory!,
      exports: () => exports!,
      env,
      log,
      threads: { create: (thread, start, arg) => host?.create(thread, start, arg) ?? EAGAIN, cleanup: (thread) => host?.cleanup(thread) },
    });
    if (memory) (imports.env as Record<string, unknown>).memory = memory;
    const instance = await WebAssembly.instantiate(module, imports);
    exports = instance.exports as unknown as Exports;
    if (memory) {
      host = await ThreadHost.start(module, memory, threads - 1, () => exports!, env, log);
      exports.__wasm_call_ctors!();
    } else {
      exports._initialize!();
    }
    return new WasmInstance(exports, memory ?? exports.memory!, host);
  }

  /** threads an engine of this instance can run: workers plus the calling thread */
  get threads(): number {
    return (this.host?.size ?? 0) + 1;
  }

  /** threads a new engine would get now: the workers no engine of this instance holds, plus the calling thread */
  get freeThreads(): number {
    return (this.host?.idleCount ?? 0) + 1;
  }

  /** Ends the workers (engines of this instance must be disposed first: their threads live there). */
  close(): void {
    this.host?.terminate();
  }

  /** the kernel tables this build runs, best first */
  isas(): string[] {
    return this.cString(this.x.ix_isas()).split(',');
  }

  /**
   * An engine in this instance's memory (native/engine.h): the EngineContext of an EngineBackend.
   * `compactLoops`: the shape of some SIMD128 kernels (options.ts, compactLoops).
   */
  engine(isa: string, threads: number, fast: boolean, repack: boolean, compactLoops = false): WasmEngineContext {
    if (threads > this.threads) throw new Error(`this WebAssembly instance has ${this.threads} thread${this.threads === 1 ? '' : 's'}, not ${threads}`);
    this.x.ix_wasm_compact_loops(compactLoops ? 1 : 0);
    const isaPtr = this.stringIn(isa);
    const e = this.x.ix_engine_new(isaPtr, threads, fast ? 1 : 0, repack ? 1 : 0);
    this.x.free(isaPtr);
    if (!e) throw new Error(this.error());
    let program = 0; // staging for programs, grown as needed
    let programBytes = 0;
    let alive = true;
    const live = () => {
      if (!alive) throw new Error('backend context was disposed');
    };
    const view = (ptr: number, length: number) => new Uint8Array(this.memory.buffer, ptr, length);
    // a null pointer is an error only when the engine says so (an empty range may have none)
    const check = (ptr: number) => {
      if (!ptr && this.cString(this.x.ix_error())) throw new Error(this.error());
      return ptr;
    };
    return {
      threads: this.x.ix_engine_threads(e),
      allocate: (byteLength) => {
        live();
        const id = this.x.ix_allocate(e, byteLength);
        if (!id) throw new Error(this.error());
        return id;
      },
      free: (id) => {
        live();
        if (this.x.ix_free(e, id) !== 0) throw new Error(this.error());
      },
      upload: (id, byteOffset, data) => {
        live();
        const ptr = check(this.x.ix_writable(e, id, byteOffset, data.byteLength));
        view(ptr, data.byteLength).set(data);
      },
      download: (id, byteOffset, byteLength) => {
        live();
        const ptr = check(this.x.ix_readable(e, id, byteOffset, byteLength));
        return view(ptr, byteLength).slice();
      },
      downloadInto: (id, byteOffset, target) => {
        live();
        const ptr = check(this.x.ix_readable(e, id, byteOffset, target.byteLength));
        target.set(view(ptr, target.byteLength));
      },
      compute: (code) => {
        live();
        if (code.byteLength > programBytes) {
          if (program) this.x.free(program);
          programBytes = Math.max(code.byteLength, 2 * programBytes);
          program = this.x.malloc(programBytes);
          if (!program) throw new Error('the wasm engine is out of memory');
        }
        new Float64Array(this.memory.buffer, program, code.length).set(code);
        if (this.x.ix_compute(e, program, code.length) !== 0) throw new Error(this.error());
      },
      dispose: () => {
        if (!alive) return;
        alive = false;
        if (program) this.x.free(program);
        this.x.ix_engine_delete(e);
      },
    };
  }

  private error(): string {
    return this.cString(this.x.ix_error()) || 'unknown native error';
  }

  private cString(ptr: number): string {
    const b = new Uint8Array(this.memory.buffer);
    let end = ptr;
    while (b[end] !== 0) end++;
    // a copy: TextDecoder refuses views of a SharedArrayBuffer
    return new TextDecoder().decode(b.slice(ptr, end));
  }

  private stringIn(s: string): number {
    const bytes = new TextEncoder().encode(`${s}\0`);
    const ptr = this.x.malloc(bytes.length);
    if (!ptr) throw new Error('the wasm engine is out of memory');
    new Uint8Array(this.memory.buffer, ptr, bytes.length).set(bytes);
    return ptr;
  }
}
