import { Executor, Graph, InvalidArgumentError, ReferenceBackend } from '@ix/core';
import { afterAll, describe, expect, it } from 'vitest';

import { loadAddon, type NativeContext } from '../src/native.js';
import { hasDevice, makeCuda, probe, randomF32, rng, skipReason } from './helpers.js';

/** Device buffers, the chunked staging path, typed errors, and programs the native side must refuse. */
describe.skipIf(!hasDevice)(`buffers on CUDA${skipReason ? ` (${skipReason})` : ''}`, () => {
  const be = hasDevice ? makeCuda({ stagingBytes: 4096 }) : undefined!;
  afterAll(() => be?.dispose());

  it('uploads and downloads through a staging buffer much smaller than the data, at odd offsets', () => {
    const n = 4096 * 5 + 123;
    const data = new Uint8Array(n);
    const r = rng(1);
    for (let i = 0; i < n; i++) data[i] = Math.floor(r() * 256);
    const buf = be.allocate(n + 7);
    be.upload(buf, 7, data);
    expect([...be.download(buf, 7, n)].every((v, i) => v === data[i])).toBe(true);
    expect([...be.download(buf, 4100, 9)]).toEqual([...data.subarray(4093, 4102)]);
    be.upload(buf, 0, Uint8Array.of(9, 8, 7));
    expect([...be.download(buf, 0, 3)]).toEqual([9, 8, 7]);
    expect([...be.download(buf, 7, 3)]).toEqual([...data.subarray(0, 3)]); // untouched by the small write
    const into = new Uint8Array(5);
    be.downloadInto(buf, 9, into);
    expect([...into]).toEqual([...data.subarray(2, 7)]);
    expect(be.download(buf, n + 7, 0).byteLength).toBe(0);
    be.free(buf);
  });

  it('refuses out-of-range, foreign, freed and malformed requests with typed errors', () => {
    const buf = be.allocate(64);
    expect(() => be.upload(buf, 60, new Uint8Array(8))).toThrow(/outside the buffer of 64/);
    expect(() => be.download(buf, 65, 0)).toThrow(InvalidArgumentError);
    expect(() => be.download(buf, 0, -1)).toThrow(InvalidArgumentError);
    expect(() => be.upload(buf, 0, [1, 2] as unknown as Uint8Array)).toThrow(/Uint8Array/);
    expect(() => be.allocate(1.5)).toThrow(InvalidArgumentError);
    const other = new ReferenceBackend().allocate(8);
    expect(() => be.free(other)).toThrow(/does not belong to this backend/);
    be.free(buf);
    expect(() => be.download(buf, 0, 4)).toThrow(/was freed/);
    expect(() => be.free(buf)).toThrow(InvalidArgumentError);
  });

  it('an allocation larger than the device is a typed out-of-memory error', () => {
    expect(() => be.allocate(be.physical.memoryBytes * 2)).toThrow(/out of GPU memory/);
  });

  it('frees everything an Executor run allocated', async () => {
    const before = be.liveBuffers;
    const g = new Graph();
    const x = g.input('x', [3, 5]);
    const y = g.softmax(g.add(x, x));
    const exec = new Executor(be);
    await exec.run(g, { x: randomF32(15, rng(2)) }, [y]);
    expect(be.liveBuffers).toBe(before + 1); // the arena kept for the next run
    exec.releaseArenas();
    expect(be.liveBuffers).toBe(before);
  });

  it('a graph run again replays as a CUDA graph with the same results', async () => {
    const g = new Graph();
    const x = g.input('x', [4, 33]);
    const y = g.rmsNorm(g.mul(x, x), 1e-5);
    const exec = new Executor(be);
    const data = randomF32(4 * 33, rng(3));
    const first = await exec.run(g, { x: data }, [y]);
    for (let i = 0; i < 3; i++) expect([...(await exec.run(g, { x: data }, [y]))[0]!]).toEqual([...first[0]!]);
    expect(be.programStats.graphed).toBeGreaterThan(0);
    exec.releaseArenas();
  });

  it('a disposed backend refuses further use', () => {
    const b2 = makeCuda();
    const buf = b2.allocate(16);
    b2.dispose();
    expect(() => b2.download(buf, 0, 4)).toThrow(/disposed|freed/);
    expect(() => b2.allocate(4)).toThrow(/disposed/);
  });
});

describe.skipIf(!hasDevice)(`hostile programs${skipReason ? ` (${skipReason})` : ''}`, () => {
  const addon = loadAddon().addon!;
  const ctx: NativeContext = hasDevice ? new addon.Context(process.env.IX_CUDA_LIBRARY ?? '', Number(probe.details?.deviceIndex), 65536) : undefined!;
  afterAll(() => ctx?.dispose());
  const unary = hasDevice ? addon.kernelNames().indexOf('unary') : 0;
  const buf = hasDevice ? ctx.allocate(1024) : 0;
  /** a valid 'unary' launch scaling 16 floats by 2, with one field replaced */
  const program = (patch: Partial<{ kernel: number; grid: number[]; block: number; np: number; offset: number; bytes: number; id: number; kind: number; words: number[] }> = {}) =>
    Uint32Array.from([
      1, patch.kernel ?? unary, ...(patch.grid ?? [1, 1, 1]), patch.block ?? 32, 0, patch.np ?? 2,
      patch.kind ?? 1, patch.id ?? buf, patch.offset ?? 0, 0, patch.bytes ?? 64, 0,
      1, patch.id ?? buf, 64, 0, patch.bytes ?? 64, 0,
      ...(patch.words ? [patch.words.length, ...patch.words] : [3, 16, 0, 0x40000000]),
    ]);
  const run = (words: Uint32Array, positions = 0) => ctx.compile(words, positions, false).run(new Uint32Array(positions));

  it('runs the valid program (scale by 2)', () => {
    ctx.upload(buf, 0, new Uint8Array(Float32Array.from({ length: 16 }, (_, i) => i).buffer));
    run(program());
    expect([...new Float32Array(ctx.download(buf, 64, 64).buffer)]).toEqual(Array.from({ length: 16 }, (_, i) => 2 * i));
  });

  it.each([
    ['an unknown kernel', { kernel: 9999 }, /unknown kernel index/],
    ['too many pointers', { np: 7 }, /too many pointers/],
    ['an unknown buffer', { id: 777 }, /unknown CUDA buffer id 777/],
    ['a range past the buffer', { offset: 1000 }, /reads bytes 1000\.\.1064 of a buffer of 1024/],
    ['an unknown pointer kind', { kind: 5 }, /unknown pointer kind/],
    ['a position index without positions', { kind: 2 }, /position index out of range/],
    ['scratch over 1 GiB', { kind: 3, bytes: 2 ** 30 + 1 }, /scratch range over 1 GiB/],
    ['zero blocks', { grid: [0, 1, 1] }, /grid 0x1x1/],
    ['a block that is not whole warps', { block: 33 }, /bad block size/],
    ['too many words', { words: new Array(23).fill(0) }, /too many words/],
  ])('refuses %s', (_, patch, message) => {
    expect(() => run(program(patch as never))).toThrow(message);
  });

  it('refuses truncated and padded programs, wrong position counts, and programs over freed buffers', () => {
    const ok = program();
    expect(() => run(ok.subarray(0, ok.length - 1))).toThrow(/truncated/);
    expect(() => run(Uint32Array.from([...ok, 0]))).toThrow(/trailing words/);
    expect(() => run(Uint32Array.of(0xffffffff))).toThrow(/truncated/);
    expect(() => ctx.compile(new Float64Array(4) as unknown as Uint32Array, 0, false)).toThrow(/Uint32Array/);
    expect(() => ctx.compile(ok, 2, false).run(new Uint32Array(3))).toThrow(/expected 2 position words/);
    run(Uint32Array.of(0)); // nothing to do
    const tmp = ctx.allocate(128);
    const p = ctx.compile(program({ id: tmp }), 0, false);
    ctx.free(tmp);
    expect(() => p.run(new Uint32Array(0))).toThrow(/was freed after the program was built/);
  });
});
