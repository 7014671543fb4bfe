/**
 * What the engine's modules import: the few WASI calls the C++ runtime makes (environment, clock,
 * stderr) and, for the threaded module (ix_cpu_mt.wasm, linked by Emscripten with its pthreads), the
 * calls its C library makes into what would be Emscripten's JavaScript glue. Each is implemented as
 * that glue implements it (Emscripten 3.1, src/library*.js), minus what the engine never reaches
 * (files, proxying calls to the main thread: every thread here answers its own imports). No Node API
 * here: the same imports serve Node, Deno, Bun and browsers, on the owning thread and on workers.
 */

/** The exports the host calls (the ix_* API is typed in wasm.ts). */
export interface RuntimeExports {
  memory?: WebAssembly.Memory;
  __indirect_function_table?: WebAssembly.Table;
  _initialize?(): void;
  __wasm_call_ctors?(): void;
  __errno_location?(): number;
  malloc(bytes: number): number;
  free(ptr: number): void;
  _emscripten_thread_init?(thread: number, isMainBrowserThread: number, isMainRuntimeThread: number, canBlock: number, profile: number): void;
  _emscripten_thread_exit?(result: number): void;
  _emscripten_thread_free_data?(thread: number): void;
  emscripten_tls_init?(): number;
  emscripten_stack_set_limits?(base: number, end: number): void;
  stackRestore?(ptr: number): void;
  ix_thread_stack?(thread: number, which: number): number;
}

/** Where threads come from: the owning thread's ThreadHost (threads.ts), or a worker's message port. */
export interface ThreadCalls {
  /** pthread_create: run `start(arg)` as `thread` on a worker; 0, or an errno (EAGAIN = 6) */
  create(thread: number, start: number, arg: number): number;
  /** a thread's worker is done with it (joined, or detached and exited) */
  cleanup(thread: number): void;
}

export interface HostOptions {
  memory(): WebAssembly.Memory;
  exports(): RuntimeExports;
  /** the environment getenv() sees */
  env?: Record<string, string>;
  /** where stderr lines go */
  log?: (line: string) => void;
  threads?: ThreadCalls;
}

const WASI_EBADF = 8;
const ENOENT = 44;
const ENOSYS = 52;
const EINVAL = 28;
/** pthread_create's "no thread can be started now" */
export const EAGAIN = 6;
const PAGE = 65536;
// Emscripten's heap maximum for a 4 GB memory: 65535 pages (its glue's emscripten_get_heap_max)
const HEAP_MAX = 4294901760;

/** a browser page's own thread: it must never block (Atomics.wait traps there) */
export function isBrowserMainThread(): boolean {
  const g = globalThis as { document?: unknown; WorkerGlobalScope?: unknown };
  return g.document !== undefined && g.WorkerGlobalScope === undefined;
}

export function hostImports(h: HostOptions): WebAssembly.Imports {
  const log = h.log ?? ((l: string) => console.error(l));
  const mem = () => new DataView(h.memory().buffer);
  const bytes = () => new Uint8Array(h.memory().buffer);
  const environ = Object.entries(h.env ?? {}).map(([k, v]) => new TextEncoder().encode(`${k}=${v}\0`));
  const decoder = new TextDecoder();
  let pending = '';
  const setErrno = (e: number) => {
    const at = h.exports().__errno_location?.();
    if (at) mem().setInt32(at, e, true);
  };
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
        // a copy: TextDecoder refuses views of a SharedArrayBuffer (the threaded module's memory)
        pending += decoder.decode(bytes().slice(ptr, ptr + len));
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
  const env = {
    emscripten_notify_memory_growth() {},
    emscripten_get_now: () => performance.now(),
    clock_gettime(clock: number, tp: number) {
      let ms: number;
      if (clock === 0) ms = Date.now();
      else if (clock === 1 || clock === 4) ms = performance.now();
      else {
        setErrno(EINVAL);
        return -1;
      }
      mem().setInt32(tp, (ms / 1e3) | 0, true);
      mem().setInt32(tp + 4, ((ms % 1e3) * 1e6) | 0, true);
      return 0;
    },
    emscripten_get_heap_max: () => HEAP_MAX,
    emscripten_resize_heap(requested: number) {
      // as Emscripten's glue: grow by a fifth (at most 96 MiB more than asked), else by what is asked
      requested >>>= 0;
      const memory = h.memory();
      const old = memory.buffer.byteLength;
      if (requested <= old) return 0;
      if (requested > HEAP_MAX) return 0;
      for (const size of [Math.min(HEAP_MAX, Math.max(requested, Math.min(old * 1.2, requested + 96 * 2 ** 20))), requested]) {
        try {
          memory.grow(Math.ceil((size - memory.buffer.byteLength) / PAGE));
          return 1;
        } catch {
          // try the exact size
        }
      }
      return 0;
    },
    emscripten_memcpy_big(dest: number, src: number, n: number) {
      bytes().copyWithin(dest >>> 0, src >>> 0, (src + n) >>> 0);
    },
    emscripten_num_logical_cores: () => (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1,
    abort() {
      throw new Error('the wasm engine aborted');
    },
    exit(code: number) {
      throw new Error(`the wasm engine exited (${code})`);
    },
    // threads: the C library's side of pthread_create / join, and the main thread's start
    __pthread_create_js: (thread: number, _attr: number, start: number, arg: number) => h.threads?.create(thread, start, arg) ?? EAGAIN,
    __emscripten_thread_cleanup: (thread: number) => h.threads?.cleanup(thread),
    __emscripten_init_main_thread_js(thread: number) {
      const x = h.exports();
      x._emscripten_thread_init!(thread, 1, 1, isBrowserMainThread() ? 0 : 1, 0);
      x.emscripten_tls_init!();
    },
    _emscripten_default_pthread_stack_size: () => 2 * 2 ** 20,
    // no call is ever proxied to another thread: each answers its own imports
    _emscripten_notify_thread_queue() {},
    emscripten_receive_on_main_thread_js() {
      throw new Error('the wasm engine proxied a call to the main thread, which this host does not do');
    },
    emscripten_check_blocking_allowed() {},
    emscripten_unwind_to_js_event_loop() {
      throw 'unwind';
    },
    // linked in by the C++ library, never reached by the engine: no files, no canvas, no locale
    __syscall_open: () => -ENOENT,
    __syscall_fcntl64: () => -ENOSYS,
    __syscall_ioctl: () => -ENOSYS,
    _mmap_js: () => -ENOSYS,
    _munmap_js: () => -ENOSYS,
    strftime_l: () => 0,
    setTempRet0() {},
    emscripten_webgl_create_context: () => 0,
    emscripten_set_canvas_element_size: () => -1,
  };
  return { wasi_snapshot_preview1: wasi, env };
}
