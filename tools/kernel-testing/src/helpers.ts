import { Executor, Graph, ReferenceBackend, Tensor, type Backend, type DTypeName, type GraphNode, type HostArray } from '@ix/core';

/**
 * Helpers the backend packages' tests share: every kernel of every backend is checked against the
 * reference backend, on the same graph with the same constants.
 */
export const reference = new ReferenceBackend();

/** Deterministic uniform [0, 1) (mulberry32), so failures reproduce. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomF32(n: number, rand: () => number, scale = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (rand() * 2 - 1) * scale;
  return a;
}

export function bytesOf(a: Float32Array | Int32Array | Uint16Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** Upload bytes into a fresh buffer of `backend` (at `offset` within it) and wrap them as a tensor. */
export function tensorOn(backend: Backend, shape: readonly number[], dtype: DTypeName, bytes: Uint8Array, offset = 0, name?: string): Tensor {
  const buf = backend.allocate(offset + bytes.byteLength);
  backend.upload(buf, offset, bytes);
  return new Tensor(shape, dtype, buf, offset, name);
}

/** Builds a graph on the given constants (one set per backend) and returns the chosen outputs. */
export type GraphBuilder = (g: Graph, c: (i: number) => GraphNode) => GraphNode[];

export interface Constant {
  shape: readonly number[];
  dtype: DTypeName;
  bytes: Uint8Array;
  /** byte offset of the tensor inside its buffer (tests unaligned placements) */
  offset?: number;
}

/** Run a graph on `backend` alone, its constants uploaded there first. */
export async function runOn(backend: Backend, constants: readonly Constant[], build: GraphBuilder, inputs: Record<string, HostArray>): Promise<HostArray[]> {
  const ts = constants.map((c) => tensorOn(backend, c.shape, c.dtype, c.bytes, c.offset ?? 0));
  try {
    const g = new Graph();
    const nodes = ts.map((t) => g.constant(t));
    return await new Executor(backend).run(g, inputs, build(g, (i) => nodes[i]!));
  } finally {
    for (const t of ts) backend.free(t.buffer);
  }
}

/** Run the same graph on `backend` alone and on the reference alone, with identical constants. */
export async function runBoth(
  backend: Backend,
  constants: readonly Constant[],
  build: GraphBuilder,
  inputs: Record<string, HostArray>,
): Promise<{ ours: HostArray[]; ref: HostArray[] }> {
  return { ours: await runOn(backend, constants, build, inputs), ref: await runOn(reference, constants, build, inputs) };
}

/** max |a - b| and max |b| */
export function maxAbsErr(a: ArrayLike<number>, b: ArrayLike<number>): { err: number; scale: number } {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let err = 0, scale = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (!(d <= err)) err = Number.isNaN(d) ? Infinity : d;
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return { err, scale };
}

/** Expect |ours - ref| <= tol · max(1, max|ref|) everywhere; returns the max abs error (for the report). */
export function expectClose(ours: ArrayLike<number>, ref: ArrayLike<number>, tol: number, what: string): number {
  const { err, scale } = maxAbsErr(ours, ref);
  if (err > tol * Math.max(1, scale)) throw new Error(`${what}: max abs error ${err} over tolerance ${tol} x max(1, ${scale})`);
  if (!(scale > 0)) throw new Error(`${what}: the reference is all zero, the comparison would prove nothing`);
  return err;
}

/** Errors recorded by tests, printed once at the end of a file for the report. */
export interface ErrorLog {
  add(what: string, err: number): void;
  print(): void;
}

export function errorLog(tag: string, title: string): ErrorLog {
  const rows: string[] = [];
  return {
    add: (what, err) => void rows.push(`${what}: ${err.toExponential(2)}`),
    print: () => rows.length && console.log(`[${tag}] ${title} max abs error vs reference\n  ${rows.join('\n  ')}`),
  };
}
