import { describe, expect, it } from 'vitest';
import type { Backend } from '../src/backend.js';
import type { DTypeName } from '../src/dtype.js';
import { InvalidArgumentError, ShapeError, UnsupportedOpError } from '../src/errors.js';
import { Executor } from '../src/executor.js';
import { Graph } from '../src/graph.js';
import { quantize } from '../src/quant/index.js';
import { ReferenceBackend } from '../src/reference/index.js';
import type { Tensor } from '../src/tensor.js';
import { constantBytes, f16Bytes, f32Bytes, randomValues } from './helpers/run-graph.js';
import { PartialBackend } from './helpers/partial-backend.js';

// a one-layer transformer: vocab, width, query/kv heads, head dim, ffn width, cache rows
const [V, E, HQ, HKV, D, F, S] = [16, 32, 4, 2, 8, 64, 8];

interface Spec {
  shape: number[];
  dtype: DTypeName;
  bytes: Uint8Array;
}

const spec = (shape: number[], dtype: DTypeName, seed: number): Spec => {
  const n = shape.reduce((a, b) => a * b, 1);
  const values = randomValues(n, seed);
  const bytes = dtype === 'F32' ? f32Bytes(values) : dtype === 'F16' ? f16Bytes(values) : quantize(dtype, values);
  return { shape, dtype, bytes };
};

const WEIGHTS = {
  embed: spec([V, E], 'F16', 1),
  attnNorm: spec([E], 'F32', 2),
  wq: spec([HQ * D, E], 'Q8_0', 3),
  wk: spec([HKV * D, E], 'Q8_0', 4),
  wv: spec([HKV * D, E], 'F16', 5),
  wo: spec([E, HQ * D], 'F32', 6),
  ffnNorm: spec([E], 'F32', 7),
  wGate: spec([F, E], 'Q4_0', 8),
  wUp: spec([F, E], 'F32', 9),
  wDown: spec([E, F], 'Q8_0', 10),
  outNorm: spec([E], 'F32', 11),
  wOut: spec([V, E], 'F32', 12),
};
const CACHES = { k: spec([S, HKV, D], 'F16', 13), v: spec([S, HKV, D], 'F32', 14) };

type Model = { [K in keyof typeof WEIGHTS | keyof typeof CACHES]: Tensor };

/** weights and caches as constants living on `backend` */
function load(backend: Backend): Model {
  const all = { ...WEIGHTS, ...CACHES };
  return Object.fromEntries(Object.entries(all).map(([name, s]) => [name, constantBytes(backend, s.shape, s.dtype, s.bytes, name)])) as Model;
}

/** one step of T tokens at positions pos0..pos0+T-1: logits of every token and the argmax of each */
function step(m: Model, t: number, pos0: number) {
  const g = new Graph();
  const c = (x: Tensor) => g.constant(x);
  const ids = g.input('ids', [t], 'I32');
  const pos = g.input('pos', [t], 'I32');
  const rope = { mode: 'normal' as const, dims: D, base: 10000, freqScale: 1 };
  const x = g.getRows(c(m.embed), ids);
  const h = g.mul(g.rmsNorm(x, 1e-5), c(m.attnNorm));
  const q = g.rope(g.view(g.matmul(h, c(m.wq)), [t, HQ, D]), pos, rope);
  const k = g.rope(g.view(g.matmul(h, c(m.wk)), [t, HKV, D]), pos, rope);
  const v = g.view(g.matmul(h, c(m.wv)), [t, HKV, D]);
  const kc = g.writeRows(c(m.k), k, pos0);
  const vc = g.writeRows(c(m.v), v, pos0);
  const a = g.attention(q, kc, vc, { pos0, kvLen: pos0 + t, scale: 1 / Math.sqrt(D), causal: true });
  const x2 = g.add(x, g.matmul(g.view(a, [t, HQ * D]), c(m.wo)));
  const h2 = g.mul(g.rmsNorm(x2, 1e-5), c(m.ffnNorm));
  const ffn = g.matmul(g.swiglu(g.matmul(h2, c(m.wGate)), g.matmul(h2, c(m.wUp))), c(m.wDown));
  const x3 = g.add(x2, ffn);
  const logits = g.matmul(g.mul(g.rmsNorm(x3, 1e-5), c(m.outNorm)), c(m.wOut));
  return { graph: g, outputs: [logits, g.argmax(logits)], kc, vc, a };
}

/** the step graph moved to a token at `pos0` (as a runtime replays one decode graph) */
function moveTo(s: ReturnType<typeof step>, pos0: number): void {
  s.graph.reposition(s.kc, { row: pos0 });
  s.graph.reposition(s.vc, { row: pos0 });
  s.graph.reposition(s.a, { pos0, kvLen: pos0 + 1 });
}

function read(backend: Backend, t: Tensor): Promise<Uint8Array> {
  return Promise.resolve(backend.download(t.buffer, t.offset, t.byteLength));
}

/** Runs prefill (3 tokens at 2..4) then decode (1 token at 5) on a fresh model; returns outputs and final caches. */
async function generate(exec: Executor, owner: Backend) {
  const m = load(owner);
  const prefill = step(m, 3, 2);
  const first = await exec.run(prefill.graph, { ids: Int32Array.from([3, 7, 11]), pos: Int32Array.from([2, 3, 4]) }, prefill.outputs);
  const decode = step(m, 1, 5);
  const second = await exec.run(decode.graph, { ids: Int32Array.from([first[1]![2]!]), pos: Int32Array.from([5]) }, decode.outputs);
  return { outputs: [...first, ...second], k: await read(owner, m.k), v: await read(owner, m.v) };
}

describe('executor: per-op fallback', () => {
  it('a backend supporting only matmul and add, falling back to reference, matches reference alone bit for bit', async () => {
    const fake = new PartialBackend('fake-npu', new Set(['matmul', 'add']));
    const ref = new ReferenceBackend();
    const splitExec = new Executor(fake, [ref]);
    const split = await generate(splitExec, fake);
    const alone = await generate(new Executor(new ReferenceBackend()), new ReferenceBackend());

    expect(split.outputs).toEqual(alone.outputs);
    // the caches (owned by the fake backend, written on the reference) came back home
    expect(split.k).toEqual(alone.k);
    expect(split.v).toEqual(alone.v);
    // rows 2..5 were written, the others kept their first contents
    const rowBytes = HKV * D * 2;
    expect(split.k.subarray(0, 2 * rowBytes)).toEqual(CACHES.k.bytes.subarray(0, 2 * rowBytes));
    expect(split.k.subarray(6 * rowBytes)).toEqual(CACHES.k.bytes.subarray(6 * rowBytes));
    expect(split.k.subarray(2 * rowBytes, 6 * rowBytes)).not.toEqual(CACHES.k.bytes.subarray(2 * rowBytes, 6 * rowBytes));
    // the work really was split: the fake computed exactly the matmuls and adds of both steps
    expect(new Set(fake.computed)).toEqual(new Set(['matmul', 'add']));
    expect(fake.computed.filter((op) => op === 'matmul')).toHaveLength(2 * 8);
    // every temporary was freed: the 14 constants and the arena kept for the next run remain
    expect(fake.live).toBe(15);
    splitExec.releaseArenas();
    expect(fake.live).toBe(14);
  });

  it('a cache read (not written) on a fallback backend sees writes made by earlier runs', async () => {
    const fake = new PartialBackend('fake-npu', new Set(['matmul', 'write_rows']));
    const exec = new Executor(fake, [new ReferenceBackend()]);
    const cache = constantBytes(fake, [2, 1, 2], 'F32', f32Bytes([1, 0, 1, 0]));
    // attention over the cache alone (runs on the reference): a zero query averages the rows
    const readGraph = new Graph();
    const avg = readGraph.attention(readGraph.input('q', [1, 1, 2]), readGraph.constant(cache), readGraph.constant(cache), { pos0: 1, kvLen: 2, scale: 1, causal: true });
    const readCache = async () => Array.from((await exec.run(readGraph, { q: new Float32Array(2) }, [avg]))[0]!);
    expect(await readCache()).toEqual([1, 0]);
    // a write done on the cache's own backend
    const writeGraph = new Graph();
    const w = writeGraph.writeRows(writeGraph.constant(cache), writeGraph.input('row', [1, 1, 2]), 1);
    await exec.run(writeGraph, { row: Float32Array.from([3, 4]) }, [w]);
    expect(await readCache()).toEqual([2, 2]);
  });

  it('a write_rows is done even when no requested output depends on it', async () => {
    const ref = new ReferenceBackend();
    const cache = constantBytes(ref, [2, 2], 'F32', f32Bytes([0, 0, 0, 0]));
    const g = new Graph();
    const x = g.input('x', [1, 2]);
    g.writeRows(g.constant(cache), x, 1);
    const [y] = await new Executor(ref).run(g, { x: Float32Array.from([5, 6]) }, [g.scale(x, 2)]);
    expect(Array.from(y!)).toEqual([10, 12]);
    expect(Array.from(new Float32Array((await read(ref, cache)).buffer))).toEqual([0, 0, 5, 6]);
  });

  it('an output given an array to fill comes back in it, with or without the backend\'s downloadInto', async () => {
    const g = new Graph();
    const x = g.input('x', [2, 3]);
    const y = g.scale(x, 2);
    const input = { x: Float32Array.from([1, 2, 3, 4, 5, 6]) };
    const ref = new ReferenceBackend();
    const partial = new PartialBackend('partial', new Set(['scale']));
    expect((partial as Backend).downloadInto).toBeUndefined();
    for (const backends of [[ref], [partial, ref]] as Backend[][]) {
      const exec = new Executor(backends[0]!, backends.slice(1));
      const [fresh] = await exec.run(g, input, [y]);
      const target = new Float32Array(8).subarray(1, 7);
      const [filled] = await exec.run(g, input, [y], [target]);
      expect(filled).toBe(target);
      expect(Array.from(filled!)).toEqual(Array.from(fresh!));
      await expect(exec.run(g, input, [y], [new Float32Array(5)])).rejects.toThrow(/needs a Float32Array of 6 elements/);
      await expect(exec.run(g, input, [y], [new Int32Array(6)])).rejects.toThrow(InvalidArgumentError);
    }
  });

  it('assign() places inputs on the primary, constants on their owner, ops on the first backend supporting them', () => {
    const fake = new PartialBackend('fake-npu', new Set(['matmul']));
    const ref = new ReferenceBackend();
    const g = new Graph();
    const x = g.input('x', [1, 2]);
    const w = g.constant(constantBytes(ref, [2, 2], 'F32', f32Bytes([1, 0, 0, 1])));
    g.silu(g.matmul(x, w));
    expect(new Executor(fake, [ref]).assign(g).map((b) => b.name)).toEqual(['fake-npu', 'reference', 'fake-npu', 'reference']);
  });
});

describe('executor: errors', () => {
  const ref = new ReferenceBackend();
  const g = new Graph();
  const x = g.input('x', [2, 3]);
  const y = g.silu(x);

  it('a missing input is InvalidArgumentError naming it', async () => {
    await expect(new Executor(ref).run(g, {}, [y])).rejects.toThrow(InvalidArgumentError);
    await expect(new Executor(ref).run(g, {}, [y])).rejects.toThrow(/missing graph input "x"/);
  });

  it('an input of the wrong length is ShapeError; of the wrong array type InvalidArgumentError', async () => {
    await expect(new Executor(ref).run(g, { x: new Float32Array(5) }, [y])).rejects.toThrow(ShapeError);
    await expect(new Executor(ref).run(g, { x: new Int32Array(6) }, [y])).rejects.toThrow(/must be a Float32Array/);
  });

  it('an op no backend supports is UnsupportedOpError', async () => {
    const fake = new PartialBackend('fake-npu', new Set(['matmul']));
    await expect(new Executor(fake).run(g, { x: new Float32Array(6) }, [y])).rejects.toThrow(UnsupportedOpError);
    expect(() => new Executor(fake).assign(g)).toThrow(/no backend supports op "silu"/);
  });

  it('a constant on a backend the executor does not use is InvalidArgumentError', async () => {
    const other = new PartialBackend('elsewhere', new Set());
    const h = new Graph();
    const w = h.constant(constantBytes(other, [2], 'F32', f32Bytes([1, 2])));
    await expect(new Executor(ref).run(h, {}, [h.scale(w, 2)])).rejects.toThrow(/lives on backend "elsewhere"/);
  });
});

describe('executor: plans kept per graph, one-split graphs replayed', () => {
  /** decode tokens at positions 3..6: one graph moved from step to step, or a graph built per step */
  async function decode(exec: Executor, owner: Backend, reuse: boolean) {
    const m = load(owner);
    const kept = step(m, 1, 3);
    const out: unknown[] = [];
    let token = 5;
    for (let pos = 3; pos <= 6; pos++) {
      const s = reuse ? kept : step(m, 1, pos);
      if (reuse) moveTo(s, pos);
      const [logits, best] = await exec.run(s.graph, { ids: Int32Array.from([token]), pos: Int32Array.from([pos]) }, s.outputs);
      out.push(Array.from(logits!));
      token = best![0]!;
    }
    return { out, k: await read(owner, m.k), v: await read(owner, m.v) };
  }

  it('a graph moved to later positions computes what graphs built there compute, bit for bit', async () => {
    for (const make of [() => [new ReferenceBackend()], () => [new PartialBackend('fake-npu', new Set(['matmul', 'add'])), new ReferenceBackend()]]) {
      const [a, ...fa] = make() as Backend[];
      const [b, ...fb] = make() as Backend[];
      const replayed = await decode(new Executor(a!, fa), a!, true);
      const built = await decode(new Executor(b!, fb), b!, false);
      expect(replayed).toEqual(built);
    }
  });

  it('hands the backend the same split on every run, and a new one after the arenas were released', async () => {
    const ref = new ReferenceBackend();
    const splits: unknown[] = [];
    const compute = ref.compute.bind(ref);
    ref.compute = (split) => (splits.push(split), compute(split));
    const exec = new Executor(ref);
    const m = load(ref);
    const s = step(m, 1, 3);
    const run = async (pos: number) => {
      moveTo(s, pos);
      return Array.from((await exec.run(s.graph, { ids: Int32Array.from([2]), pos: Int32Array.from([pos]) }, s.outputs))[0]!);
    };
    await run(3);
    await run(4);
    expect(splits).toHaveLength(2);
    expect(splits[1]).toBe(splits[0]);
    exec.releaseArenas();
    await run(5);
    expect(splits[2]).not.toBe(splits[0]);
  });

  it('counts the time spent in backends\' compute (what bench subtracts to find host overhead)', async () => {
    const ref = new ReferenceBackend();
    const compute = ref.compute.bind(ref);
    ref.compute = (split) => {
      const until = performance.now() + 30;
      while (performance.now() < until);
      return compute(split);
    };
    const exec = new Executor(ref);
    const s = step(load(ref), 1, 0);
    const t0 = performance.now();
    await exec.run(s.graph, { ids: Int32Array.from([1]), pos: Int32Array.from([0]) }, s.outputs);
    const wall = performance.now() - t0;
    expect(exec.computeMs).toBeGreaterThanOrEqual(30);
    expect(exec.computeMs).toBeLessThanOrEqual(wall);
  });

  it('runs of one graph in flight together each get their own values', async () => {
    const ref = new ReferenceBackend();
    const exec = new Executor(ref);
    const s = step(load(ref), 2, 0);
    const inputs = (t: number) => ({ ids: Int32Array.from([t, t + 1]), pos: Int32Array.from([0, 1]) });
    const alone = [];
    for (const t of [1, 4, 9]) alone.push(await exec.run(s.graph, inputs(t), s.outputs));
    const together = await Promise.all([1, 4, 9].map((t) => exec.run(s.graph, inputs(t), s.outputs)));
    expect(together).toEqual(alone);
  });
});
