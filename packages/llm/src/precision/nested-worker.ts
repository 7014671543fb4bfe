/** The worker side of nested-pool.ts: a matrix's floats in, its nested base and residual out. */
import { parentPort } from 'node:worker_threads';
import { quantizeNested } from '@ix/core';

parentPort!.on('message', (m: { id: number; x: Float32Array }) => {
  try {
    const { base, residual } = quantizeNested(m.x);
    parentPort!.postMessage({ id: m.id, base, residual }, [base.buffer as ArrayBuffer, residual.buffer as ArrayBuffer]);
  } catch (e) {
    parentPort!.postMessage({ id: m.id, error: (e as Error).message });
  }
});
