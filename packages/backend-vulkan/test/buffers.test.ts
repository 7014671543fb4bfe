import { Executor, Graph, InvalidArgumentError, ReferenceBackend } from '@ix/core';
import { afterAll, describe, expect, it } from 'vitest';

import { loadAddon, type NativeContext } from '../src/native.js';
import { hasDevice, makeVulkan, probe, randomF32, rng, skipReason } from './helpers.js';

/** Device buffers, the chunked staging path, typed errors, and programs the native side must refuse. */
describe.skipIf(!hasDevice)(`buffers on Vulkan${skipReason ? ` (${skipReason})` : ''}`, () => {
  const be = hasDevice ? makeVulkan({ stagingBytes: 4096 }) : undefined!;
  afterAll(() => be?.dispose());

  it('uploads and downloads through a staging buffer much smaller than the data, at odd offsets', () => {
    const n = 4096 * 5 + 123;
    const data = new Uint8Array(n);
    const r = rng(1);
    for (let i = 0; i < n; i++) data[i] = Math.floor(r() * 256);
    const buf = be.allocate(n + 7);
    const submitsBefore = be.submits;
    be.upload(buf, 7, data);
    expect(be.submits - submitsBefore).toBe(Math.ceil(n / 4096)); // one per staging chunk
    expect([...be.download(buf, 7, n)].every((v, i) => v === data[i])).toBe(true);
    expect([...be.download(buf, 4100, 9)]).toEqual([...data.subarray(4093, 4102)]);
    be.upload(buf, 0, Uint8Array.of(9, 8, 7));
    expect([...be.download(buf, 0, 3)]).toEqual([9, 8, 7]);
    expect([...be.download(buf, 7, 3)]).toEqual([...data.subarray(0, 3)]); // untouched by the small write
    expect(be.download(buf, n + 7, 0).byteLength).toBe(0);
    be.free(buf);
  });

  it('refuses out-of-range, foreign, freed and malformed requests with typed errors', () => {
    const buf = be.allocate(64);
    expect(() => be.upload(buf, 60, new Uint8Array(8))).toThrow(/exceed the buffer of 64 bytes/);
    expect(() => be.download(buf, 65, 0)).toThrow(InvalidArgumentError);
    expect(() => be.download(buf, 0, -1)).toThrow(InvalidArgumentError);
    expect(() => be.upload(buf, 0, [1, 2] as unknown as Uint8Array)).toThrow(/Uint8Array/);
    expect(() => be.allocate(2 ** 60)).toThrow(InvalidArgumentError);
    expect(() => be.allocate(1.5)).toThrow(InvalidArgumentError);
    const other = new ReferenceBackend().allocate(8);
    expect(() => be.free(other)).toThrow(/does not belong to this backend/);
    be.free(buf);
    expect(() => be.download(buf, 0, 4)).toThrow(/was freed/);
    expect(() => be.free(buf)).toThrow(InvalidArgumentError);
  });

  it('an allocation larger than the device allows is a typed error', () => {
    const max = be.physical.maxMemoryAllocationSize;
    expect(() => be.allocate(max + 1)).toThrow(/largest allocation/);
  });

  it('frees everything an Executor run allocated', async () => {
    const before = be.liveBuffers;
    const g = new Graph();
    const x = g.input('x', [3, 5]);
    const y = g.softmax(g.add(x, x));
    const exec = new Executor(be);
    await exec.run(g, { x: randomF32(15, rng(2)) }, [y]);
    // only the arena kept for the next run remains, until it is released
    expect(be.liveBuffers).toBe(before + 1);
    exec.releaseArenas();
    expect(be.liveBuffers).toBe(before);
  });

  it('a disposed backend refuses further use', () => {
    const b2 = makeVulkan();
    const buf = b2.allocate(16);
    b2.dispose();
    expect(() => b2.download(buf, 0, 4)).toThrow(/disposed|freed/);
    expect(() => b2.allocate(4)).toThrow(/disposed/);
  });
});

describe.skipIf(!hasDevice)(`hostile programs${skipReason ? ` (${skipReason})` : ''}`, () => {
  const addon = loadAddon().addon!;
  const ctx: NativeContext = hasDevice ? new addon.Context('', Number(probe.details?.deviceIndex), 65536) : undefined!;
  afterAll(() => ctx?.dispose());
  const names = hasDevice ? addon.shaderNames() : [];
  const scale = names.indexOf('scale');
  const buf = hasDevice ? ctx.allocate(1024) : 0;
  /** a valid 'scale' dispatch over 16 floats, with one field replaced */
  const program = (patch: Partial<{ shader: number; groups: number[]; nb: number; offset: number; range: number; id: number; push: number[] }> = {}) =>
    Uint32Array.from([
      1, patch.shader ?? scale, ...(patch.groups ?? [1, 1, 1]), patch.nb ?? 2,
      patch.id ?? buf, patch.offset ?? 0, 0, patch.range ?? 64,
      patch.id ?? buf, 64, 0, patch.range ?? 64,
      ...(patch.push ? [patch.push.length, ...patch.push] : [4, 16, 0, 0, 0x40000000]),
    ]);

  it('runs the valid program (scale by 2)', () => {
    ctx.upload(buf, 0, new Uint8Array(Float32Array.from({ length: 16 }, (_, i) => i).buffer));
    ctx.run(program());
    expect([...new Float32Array(ctx.download(buf, 64, 64).buffer)]).toEqual(Array.from({ length: 16 }, (_, i) => 2 * i));
  });

  it.each([
    ['an unknown shader', { shader: 9999 }, /unknown shader/],
    ['a wrong binding count', { nb: 3 }, /takes 2 buffers, got 3/],
    ['an unknown buffer', { id: 777 }, /unknown buffer 777/],
    ['a misaligned binding', { offset: 6 }, /misaligned or outside/],
    ['a binding past the buffer', { offset: 1024 }, /misaligned or outside/],
    ['an empty binding', { range: 0 }, /binding range 0/],
    ['zero workgroups', { groups: [0, 1, 1] }, /group count 0/],
    ['too many workgroups', { groups: [1, 1, 2 ** 31] }, /group count/],
    ['too many push constants', { push: new Array(33).fill(0) }, /more than 32 push constant words/],
  ])('refuses %s', (_, patch, message) => {
    expect(() => ctx.run(program(patch as never))).toThrow(message);
  });

  it('refuses truncated, padded and absurd programs', () => {
    const ok = program();
    expect(() => ctx.run(ok.subarray(0, ok.length - 1))).toThrow(/ends early/);
    expect(() => ctx.run(Uint32Array.from([...ok, 0]))).toThrow(/trailing words/);
    expect(() => ctx.run(Uint32Array.of(0xffffffff))).toThrow(/claims/);
    expect(() => ctx.run(new Float64Array(4) as unknown as Uint32Array)).toThrow(/Uint32Array/);
    ctx.run(Uint32Array.of(0)); // nothing to do
  });
});
