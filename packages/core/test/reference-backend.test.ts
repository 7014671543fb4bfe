import { describe, expect, it } from 'vitest';
import { DTYPES } from '../src/dtype.js';
import { InvalidArgumentError, UnsupportedOpError } from '../src/errors.js';
import { Graph, OPS } from '../src/graph.js';
import { chooseBackend, getBackendFactory } from '../src/index.js';
import { ReferenceBackend, referenceBackend } from '../src/reference/index.js';
import { Tensor } from '../src/tensor.js';
import { constantBytes, f32Bytes, run } from './helpers/run-graph.js';

describe('reference backend factory', () => {
  it('is registered by importing @ix/core, priority 0, always available', async () => {
    expect(getBackendFactory('reference')).toBe(referenceBackend);
    expect(referenceBackend.priority).toBe(0);
    const probe = await referenceBackend.probe();
    expect(probe.available).toBe(true);
    expect(probe.device.kind).toBe('cpu');
    // with nothing else registered in this file, it is what selection picks
    expect((await chooseBackend({ env: {} })).factory.name).toBe('reference');
  });

  it('probe lists every computed op; matmul and get_rows take every dtype', async () => {
    const { ops } = await referenceBackend.probe();
    expect(Object.keys(ops).sort()).toEqual(OPS.filter((o) => o !== 'input' && o !== 'constant').sort());
    const all = DTYPES.map((t) => t.name);
    expect(ops.matmul).toEqual(all);
    expect(ops.get_rows).toEqual(all);
    expect(ops.attention).toEqual(['F32', 'F16']);
  });

  it('create() gives a ReferenceBackend named "reference"', async () => {
    const b = await referenceBackend.create();
    expect(b).toBeInstanceOf(ReferenceBackend);
    expect(b.name).toBe('reference');
  });
});

describe('reference buffers', () => {
  const ref = new ReferenceBackend();

  it('upload / download round trip at an offset', () => {
    const buf = ref.allocate(8);
    ref.upload(buf, 2, Uint8Array.from([1, 2, 3]));
    expect(Array.from(ref.download(buf, 0, 8))).toEqual([0, 0, 1, 2, 3, 0, 0, 0]);
  });

  it('out-of-range, foreign and freed buffers are typed errors', () => {
    const buf = ref.allocate(4);
    expect(() => ref.upload(buf, 2, new Uint8Array(3))).toThrow(InvalidArgumentError);
    expect(() => ref.download(buf, -1, 1)).toThrow(InvalidArgumentError);
    expect(() => ref.download({ backend: 'other', byteLength: 4 }, 0, 4)).toThrow(/belongs to backend "other"/);
    expect(() => ref.allocate(-1)).toThrow(InvalidArgumentError);
    expect(() => ref.allocate(2 ** 60)).toThrow(InvalidArgumentError);
    ref.free(buf);
    expect(() => ref.download(buf, 0, 1)).toThrow(/freed/);
  });
});

describe('reference compute errors', () => {
  const ref = new ReferenceBackend();

  it('a cache of a dtype attention does not read is UnsupportedOpError', async () => {
    const g = new Graph();
    const kv = g.constant(constantBytes(ref, [1, 1, 32], 'Q8_0', new Uint8Array(34)));
    const y = g.attention(g.input('q', [1, 1, 32]), kv, kv, { pos0: 0, kvLen: 1, scale: 1, causal: true });
    await expect(run(g, { q: new Float32Array(32) }, [y])).rejects.toThrow(UnsupportedOpError);
  });

  it('compute() itself refuses a node whose tensors have dtypes it does not handle', () => {
    const g = new Graph();
    const y = g.silu(g.input('x', [2]));
    // a caller other than the executor hands it I32 tensors for an F32 op
    expect(() => ref.compute({ graph: g, nodes: [y], tensorOf: () => new Tensor([2], 'I32', ref.allocate(8)) })).toThrow(UnsupportedOpError);
  });

  it('an F32 constant at a misaligned offset is a typed error', async () => {
    const buf = ref.allocate(14);
    ref.upload(buf, 2, f32Bytes([1, 2, 3]));
    const g = new Graph();
    const y = g.scale(g.constant(new Tensor([3], 'F32', buf, 2)), 2);
    await expect(run(g, {}, [y])).rejects.toThrow(/not 4-byte aligned/);
  });
});
