/**
 * @wllama/wllama 2.x in Node, as the WebAssembly peer outside a browser. wllama runs llama.cpp in a
 * Web Worker made from a blob: URL, and Node has no Web Worker; its emscripten glue, though, was
 * built with Node support (it reads the .wasm with fs and starts pthreads on worker_threads). So
 * the one thing missing is the outer worker: `installWebWorker()` sets a global `Worker` that
 * runs the blob's classic script on worker_threads with the worker globals it uses (self,
 * postMessage, onmessage, navigator), and `document.baseURI`, which wllama resolves its paths
 * against. No npm polyfill fits: they want module workers or data: URLs, and none knows that
 * emscripten's Node pthreads load their script from a file path where the browser passes a Blob
 * (wllama's `module.init` message), which the worker prelude below writes out.
 * wllama 3.x is memory64: Node 20's V8 (11.3) has only the pre-standard memory64 API and fails.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { resolveObjectURL } from 'node:buffer';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker as ThreadWorker } from 'node:worker_threads';

type Listener = ((e: { data: unknown }) => void) | null;

/** run before the worker's own script: a Web Worker's globals over worker_threads' parentPort */
// (sloppy mode: the worker's script assigns the global `onmessage`)
const prelude = (dir: string) => `
const { parentPort } = require('node:worker_threads');
globalThis.self = globalThis;
globalThis.onmessage = null;
globalThis.postMessage = (data, transfer) => parentPort.postMessage(data, Array.isArray(transfer) ? transfer : transfer?.transfer);
globalThis.navigator ??= { userAgent: 'Node.js', hardwareConcurrency: require('node:os').availableParallelism() };
let pthreadScripts = 0;
let delivered = Promise.resolve(); // in order, though module.init waits for its Blob's text
parentPort.on('message', (data) => {
  delivered = delivered.then(async () => {
    if (data && data.verb === 'module.init' && data.args && data.args[0] instanceof Blob) {
      // emscripten's Node pthreads start from a script path, not a Blob
      const file = require('node:path').join(${JSON.stringify(dir)}, 'pthread-' + pthreadScripts++ + '.cjs');
      require('node:fs').writeFileSync(file, await data.args[0].text());
      data.args[0] = file;
    }
    globalThis.onmessage?.({ data });
  });
});
`;

class NodeWebWorker {
  onmessage: Listener = null;
  onerror: ((e: unknown) => void) | null = null;
  private thread?: ThreadWorker;
  private pending: Array<[unknown, Transferable[] | undefined]> | null = [];
  private static count = 0;

  constructor(url: string | URL, private readonly dir: string) {
    const blob = resolveObjectURL(String(url));
    if (!blob) throw new Error(`wllama-node: only blob: URLs can start a worker here, got ${String(url).slice(0, 80)}`);
    void blob.text().then((code) => {
      if (this.pending === null) return; // terminated before it started
      const file = path.join(this.dir, `worker-${NodeWebWorker.count++}.cjs`);
      writeFileSync(file, prelude(this.dir) + '\n' + code);
      const thread = new ThreadWorker(file);
      thread.on('message', (data) => this.onmessage?.({ data }));
      thread.on('error', (e) => (this.onerror ? this.onerror(e) : console.error(e)));
      for (const [m, t] of this.pending ?? []) thread.postMessage(m, t as never);
      this.pending = null;
      this.thread = thread;
    });
  }

  postMessage(message: unknown, options?: Transferable[] | { transfer?: Transferable[] }): void {
    const transfer = Array.isArray(options) ? options : options?.transfer;
    if (this.thread) this.thread.postMessage(message, transfer as never);
    else this.pending?.push([message, transfer]); // (a terminated worker drops it, as a browser does)
  }

  terminate(): void {
    if (this.thread) void this.thread.terminate();
    else this.pending = null;
  }
}

/**
 * Installs the globals wllama 2.x needs in Node; the returned function puts back what was there
 * (other code, ix's wasm backend among it, picks worker_threads only where there is no Worker)
 * and removes the scripts written for the workers.
 */
export function installWebWorker(): () => void {
  const dir = mkdtempSync(path.join(tmpdir(), 'ix-wllama-node-'));
  const g = globalThis as Record<string, unknown>;
  const saved = (['Worker', 'navigator', 'document'] as const).map((k) => [k, Object.getOwnPropertyDescriptor(g, k)] as const);
  g.Worker = class extends NodeWebWorker {
    constructor(url: string | URL) {
      super(url, dir);
    }
  };
  g.navigator ??= { userAgent: 'Node.js', hardwareConcurrency: availableParallelism() };
  g.document ??= { baseURI: pathToFileURL(process.cwd() + path.sep).href };
  return () => {
    for (const [k, d] of saved) {
      if (d) Object.defineProperty(g, k, d);
      else delete g[k];
    }
    rmSync(dir, { recursive: true, force: true });
  };
}
