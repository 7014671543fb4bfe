/**
 * A worker that runs threads of the threaded module (ix_cpu_mt.wasm) for the instance that started
 * it (threads.ts). 'load': instantiate the module over the instance's shared memory (its start
 * function sees the memory initialised and leaves it; no constructors run again). 'run': host one
 * pthread as Emscripten's own worker script does: the thread's state, its stack (allocated by
 * pthread_create), its thread-local storage, then its start routine, then the C library's exit,
 * which wakes the thread that joins it. Node's worker_threads and Web Workers alike.
 */
import { EAGAIN, hostImports, type RuntimeExports } from './host.js';

type Message =
  | { cmd: 'load'; module: WebAssembly.Module; memory: WebAssembly.Memory; env: Record<string, string> }
  | { cmd: 'run'; thread: number; start: number; arg: number; stackTop: number; stackSize: number };

interface Port {
  post(message: unknown): void;
  listen(fn: (message: Message) => void): void;
}

async function parentPort(): Promise<Port> {
  // a Web Worker (browsers, Deno, Bun) has onmessage on its global scope; a Node worker does not
  const g = globalThis as unknown as { postMessage(m: unknown): void; onmessage: ((e: MessageEvent) => void) | null };
  if ('onmessage' in globalThis) return { post: (m) => g.postMessage(m), listen: (fn) => (g.onmessage = (e) => fn(e.data as Message)) };
  const { parentPort: port } = await import('node:worker_threads');
  if (!port) throw new Error('thread-worker: not started as a worker');
  return { post: (m) => port.postMessage(m), listen: (fn) => port.on('message', fn) };
}

const port = await parentPort();
let x: RuntimeExports | undefined;

port.listen((m) => {
  try {
    if (m.cmd === 'load') void load(m);
    else if (m.cmd === 'run') run(m);
  } catch (err) {
    port.post({ cmd: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  }
});

async function load(m: Extract<Message, { cmd: 'load' }>): Promise<void> {
  try {
    const imports = hostImports({
      memory: () => m.memory,
      exports: () => x!,
      env: m.env,
      log: (line) => port.post({ cmd: 'log', line }),
      // a detached thread's end is the owning thread's to clean up; threads start threads only there
      threads: { create: () => EAGAIN, cleanup: (thread) => port.post({ cmd: 'cleanup', thread }) },
    });
    (imports.env as Record<string, unknown>).memory = m.memory;
    x = (await WebAssembly.instantiate(m.module, imports)).exports as unknown as RuntimeExports;
    port.post({ cmd: 'loaded' });
  } catch (err) {
    port.post({ cmd: 'error', message: `could not instantiate the engine's module on a worker: ${err instanceof Error ? err.message : String(err)}` });
  }
}

function run(m: Extract<Message, { cmd: 'run' }>): void {
  const e = x!;
  e._emscripten_thread_init!(m.thread, 0, 0, 1, 0);
  // first the stack: until here this instance's stack pointer is the owning thread's initial one
  e.emscripten_stack_set_limits!(m.stackTop, m.stackTop - m.stackSize);
  e.stackRestore!(m.stackTop);
  e.emscripten_tls_init!();
  const result = (e.__indirect_function_table!.get(m.start) as (arg: number) => number)(m.arg);
  e._emscripten_thread_exit!(result);
}
