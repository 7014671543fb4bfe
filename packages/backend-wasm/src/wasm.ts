import type { EngineContext } from '@ix/cpu-engine';

/**
 * The CPU engine's WebAssembly module (native/wasm_api.cpp over @ix/cpu-engine) and its host: the
 * few WASI calls the C++ runtime makes (environment, clock, stderr) shimmed here, so the same module
 * runs in Node, Deno, Bun and browsers with no JavaScript glue from the compiler. No Node API here.
 */
interface Exports {
  memory: WebAssembly.Memory;
  _initialize(): void;
  malloc(bytes: number): number;
  free(ptr: number): void;
  ix_error(): number;
  ix_isas(): number;
  ix_engine_new(isa: number, threads: number, fast: number, repack: number): number;
  ix_engine_delete(engine: number): void;
  ix_allocate(engine: number, bytes: number): number;
  ix_free(engine: number, id: number): number;
  ix_writable(engine: number, id: number, offset: number, length: number): number;
  ix_readable(engine: number, id: number, offset: number, length: number): number;
  ix_compute(engine: number, program: number, length: number): number;
}

const WASI_EBADF = 8;

/** One instance of the module: its own linear memory, any number of engines in it. */
export class WasmInstance {
  private constructor(private readonly x: Exports) {}

  /**
   * Instantiate a compiled module. `env`: the environment the C++ side's getenv() sees (e.g. the
   * IX_* variables of the process); `log`: where its stderr goes.
   */
  static async create(module: WebAssembly.Module, env: Record<string, string> = {}, log: (line: string) => void = (l) => console.error(l)): Promise<WasmInstance> {
    let exports: Exports | undefined;
    const mem = () => new DataView(exports!.memory.buffer);
    const bytes = () => new Uint8Array(exports!.memory.buffer);
    const environ = Object.entries(env).map(([k, v]) => new TextEncoder().encode(`${k}=${v}\0`));
    let pending = '';
    const wasi = {
      environ_sizes_get(countPtr: number, sizePtr: number) {
        mem().setUint32(countPtr, environ.length, true);
        mem().setUint32(sizePtr, environ.reduce((n, e) => n + e.length, 0), true);
        return 0;
      },
      environ_get(listPtr: number, bufPtr: number) {
        for (const e of environ) {
          mem().setUint32(listPtr, bufPtr, true);
          bytes().set(e, bufPtr);
          listPtr += 4;
          bufPtr += e.length;
        }
        return 0;
      },
      clock_time_get(_id: number, _precision: bigint, timePtr: number) {
        mem().setBigUint64(timePtr, BigInt(Math.round(performance.now() * 1e6)), true);
        return 0;
      },
      fd_write(fd: number, iovs: number, count: number, writtenPtr: number) {
        if (fd !== 1 && fd !== 2) return WASI_EBADF;
        let written = 0;
        for (let i = 0; i < count; i++) {
          const ptr = mem().getUint32(iovs + 8 * i, true), len = mem().getUint32(iovs + 8 * i + 4, true);
          pending += new TextDecoder().decode(bytes().subarray(ptr, ptr + len));
          written += len;
        }
        for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
          log(pending.slice(0, nl));
          pending = pending.slice(nl + 1);
        }
        mem().setUint32(writtenPtr, written, true);
        return 0;
      },
      fd_read: () => WASI_EBADF,
      fd_seek: () => WASI_EBADF,
      fd_close: () => WASI_EBADF,
      proc_exit(code: number) {
        throw new Error(`the wasm engine exited (${code})`);
      },
    };
    const instance = await WebAssembly.instantiate(module, { wasi_snapshot_preview1: wasi, env: { emscripten_notify_memory_growth() {} } });
    exports = instance.exports as unknown as Exports;
    exports._initialize();
    return new WasmInstance(exports);
  }

  /** the kernel tables this build runs, best first */
  isas(): string[] {
    return this.cString(this.x.ix_isas()).split(',');
  }

  /** An engine in this instance's memory (native/engine.h): the EngineContext of an EngineBackend. */
  engine(isa: string, threads: number, fast: boolean, repack: boolean): EngineContext {
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
    const view = (ptr: number, length: number) => new Uint8Array(this.x.memory.buffer, ptr, length);
    // a null pointer is an error only when the engine says so (an empty range may have none)
    const check = (ptr: number) => {
      if (!ptr && this.cString(this.x.ix_error())) throw new Error(this.error());
      return ptr;
    };
    return {
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
        new Float64Array(this.x.memory.buffer, program, code.length).set(code);
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
    const b = new Uint8Array(this.x.memory.buffer);
    let end = ptr;
    while (b[end] !== 0) end++;
    return new TextDecoder().decode(b.subarray(ptr, end));
  }

  private stringIn(s: string): number {
    const bytes = new TextEncoder().encode(`${s}\0`);
    const ptr = this.x.malloc(bytes.length);
    if (!ptr) throw new Error('the wasm engine is out of memory');
    new Uint8Array(this.x.memory.buffer, ptr, bytes.length).set(bytes);
    return ptr;
  }
}
