import { expect } from 'vitest';
import type { Backend } from '../../src/backend.js';
import type { DTypeName } from '../../src/dtype.js';
import { Executor, type HostArray } from '../../src/executor.js';
import type { Graph, GraphNode } from '../../src/graph.js';
import { f32ToF16 } from '../../src/quant/index.js';
import { ReferenceBackend } from '../../src/reference/index.js';
import { Tensor, tensorByteSize, type Shape } from '../../src/tensor.js';

/** Upload raw bytes as a constant tensor living on `backend`. */
export function constantBytes(backend: Backend, shape: Shape, dtype: DTypeName, bytes: Uint8Array, name?: string): Tensor {
  const t = new Tensor(shape, dtype, backend.allocate(tensorByteSize(shape, dtype)), 0, name);
  backend.upload(t.buffer, 0, bytes);
  return t;
}

export function f32Bytes(values: ArrayLike<number>): Uint8Array {
  return new Uint8Array(Float32Array.from(values).buffer);
}

export function f16Bytes(values: ArrayLike<number>): Uint8Array {
  return new Uint8Array(Uint16Array.from(Array.from(values, f32ToF16)).buffer);
}

/** Run `outputs` of `graph` on the reference backend (or the given executor backends). */
export async function run(graph: Graph, inputs: Record<string, HostArray>, outputs: GraphNode[], backends: Backend[] = [new ReferenceBackend()]): Promise<HostArray[]> {
  return new Executor(backends[0]!, backends.slice(1)).run(graph, inputs, outputs);
}

/** Element-wise |actual - expected| <= tol · max(1, |expected|). */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-6): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    const a = actual[i]!;
    if (Math.abs(a - e) > tol * Math.max(1, Math.abs(e))) {
      expect.fail(`element ${i}: got ${a}, expected ${e} (tolerance ${tol})`);
    }
  }
}

/** Deterministic pseudo-random values in [-1, 1) (xorshift32), so failures reproduce. */
export function randomValues(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}
