// A worker of the tensor pool (tensor-pool.ts): computes a GGUF tensor's bytes, as the main thread would.
import { parentPort } from 'node:worker_threads';

import { ggufTensorBytes, type GenerateOptions } from './generate.js';

parentPort!.on('message', ({ id, options, index, rows }: { id: number; options: GenerateOptions; index: number; rows?: [number, number] }) => {
  try {
    let bytes = ggufTensorBytes(options, index, rows);
    // only a buffer of its own is handed over: a view into a shared one (Node's small-Buffer pool) is copied
    if (bytes.byteOffset !== 0 || bytes.byteLength !== bytes.buffer.byteLength) bytes = bytes.slice();
    parentPort!.postMessage({ id, bytes }, [bytes.buffer as ArrayBuffer]);
  } catch (err) {
    parentPort!.postMessage({ id, error: err instanceof Error ? err.message : String(err) });
  }
});
