import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { InvalidArgumentError, ModelFormatError, Tensor } from '@ix/core';
import { afterAll, describe, expect, it } from 'vitest';

import { bestIsa, bytesOf, makeBackend, randomF32, rng, run } from './helpers.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'ix-cpu-avx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('buffers', () => {
  it('round-trips bytes and bounds-checks every access', () => {
    const be = makeBackend('scalar');
    try {
      const buf = be.allocate(100);
      const data = Uint8Array.from({ length: 40 }, (_, i) => i * 3);
      be.upload(buf, 60, data);
      expect([...be.download(buf, 60, 40)]).toEqual([...data]);
      expect([...be.download(buf, 0, 4)]).toEqual([0, 0, 0, 0]); // fresh memory is zeroed
      expect(() => be.upload(buf, 61, data)).toThrow(InvalidArgumentError);
      expect(() => be.download(buf, 90, 11)).toThrow(/outside buffer/);
      expect(() => be.download(buf, -1, 1)).toThrow(InvalidArgumentError);
      expect(() => be.download(buf, 0.5, 1)).toThrow(InvalidArgumentError);
      expect(() => be.download(buf, Number.MAX_SAFE_INTEGER, 1)).toThrow(InvalidArgumentError);
      // downloadInto copies into the caller's array, with the same bounds checks
      const into = new Uint8Array(40);
      be.downloadInto(buf, 60, into);
      expect([...into]).toEqual([...data]);
      be.downloadInto(buf, 60, into.subarray(10, 20));
      expect([...into.subarray(10, 20)]).toEqual([...data.subarray(0, 10)]);
      expect(() => be.downloadInto(buf, 61, into)).toThrow(/outside buffer/);
      expect(() => be.downloadInto(buf, -1, into)).toThrow(InvalidArgumentError);
      expect(() => be.downloadInto(buf, 0, new Float32Array(2) as never)).toThrow(InvalidArgumentError);
      expect(() => be.allocate(-5)).toThrow(InvalidArgumentError);
      expect(() => be.allocate(Number.NaN)).toThrow(InvalidArgumentError);
      expect(() => be.allocate(2 ** 52)).toThrow(InvalidArgumentError); // refused, not a crash
      be.free(buf);
      expect(() => be.download(buf, 0, 1)).toThrow(/freed/);
      expect(() => be.free(buf)).toThrow(InvalidArgumentError);
      // a buffer of another backend instance is refused
      const other = makeBackend('scalar');
      const foreign = other.allocate(8);
      expect(() => be.download(foreign, 0, 8)).toThrow(/does not belong/);
      other.dispose();
    } finally {
      be.dispose();
    }
    expect(() => be.allocate(1)).toThrow(/disposed/);
  });

  it('large allocations are 64-byte aligned and zeroed (anonymous mapping path)', () => {
    const be = makeBackend(bestIsa());
    try {
      const buf = be.allocate(3 << 20);
      expect(be.download(buf, (3 << 20) - 16, 16).every((b) => b === 0)).toBe(true);
    } finally {
      be.dispose();
    }
  });
});

describe('mapFile', () => {
  const file = path.join(dir, 'weights.bin');
  const header = new Uint8Array(4099).fill(0xab); // an unaligned offset, past a page
  const w = randomF32(3 * 64, rng(3));
  writeFileSync(file, Buffer.concat([header, bytesOf(w)]));

  it('maps a region read-only and computes from it without a copy', async () => {
    const be = makeBackend(bestIsa());
    try {
      const buf = be.mapFile!(file, header.length, w.byteLength);
      expect(buf.byteLength).toBe(w.byteLength);
      expect([...be.download(buf, 0, 8)]).toEqual([...bytesOf(w).subarray(0, 8)]);
      expect(() => be.upload(buf, 0, new Uint8Array(1))).toThrow(/read-only/);
      const wt = new Tensor([3, 64], 'F32', buf);
      const x = randomF32(64, rng(4));
      const [y] = await run(be, (g) => [g.matmul(g.input('x', [1, 64]), g.constant(wt))], { x });
      for (let n = 0; n < 3; n++) {
        let ref = 0;
        for (let k = 0; k < 64; k++) ref += x[k]! * w[n * 64 + k]!;
        expect(y![n]).toBeCloseTo(ref, 4);
      }
      be.madvise(buf, 0, w.byteLength, 'willneed');
      be.madvise(buf, 16, 100, 'dontneed');
      expect([...be.download(buf, 0, 8)]).toEqual([...bytesOf(w).subarray(0, 8)]); // pages come back from the file
      expect(() => be.madvise(buf, 0, w.byteLength + 1, 'willneed')).toThrow(/outside buffer/);
      expect(() => be.madvise(buf, 0, 1, 'sometimes' as 'willneed')).toThrow(/advice/);
      const mem = be.allocate(64);
      expect(() => be.madvise(mem, 0, 64, 'dontneed')).toThrow(/file mappings only/);
      be.madvise(mem, 0, 64, 'willneed');
    } finally {
      be.dispose();
    }
  });

  it('release gives back a weight\'s repacked copy and pages; the weight still computes the same', async () => {
    // 8192 x 8192 Q4_0 (36 MiB): its repacked copy is anonymous memory the size of the file
    const N = 8192, K = 8192;
    const bytes = new Uint8Array((N * K) / 32 * 18);
    const r = rng(9);
    for (let o = 0; o < bytes.length; o += 18) {
      bytes[o] = 0x1f; // f16 0.0087
      bytes[o + 1] = 0x20;
      for (let j = 2; j < 18; j++) bytes[o + j] = Math.floor(r() * 256);
    }
    const file = path.join(dir, 'q4.bin');
    writeFileSync(file, bytes);
    const be = makeBackend(bestIsa());
    const rss = () => Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))![1]) * 1024;
    try {
      const w = new Tensor([N, K], 'Q4_0', be.mapFile!(file, 0, bytes.byteLength));
      const x = randomF32(K, rng(10));
      const matvec = async () => (await run(be, (g) => [g.matmul(g.input('x', [1, K]), g.constant(w))], { x }))[0]!;
      const first = await matvec();
      const held = rss();
      be.release(w);
      const released = rss();
      // the repacked copy (36 MiB) is gone; allow for the test's own allocations
      expect(held - released).toBeGreaterThan(24 * 2 ** 20);
      expect([...(await matvec())]).toEqual([...first]);
      be.release(w);
      be.release(w); // twice: nothing left to give back, no error
    } finally {
      be.dispose();
    }
  });

  it('refuses regions outside the file, missing files and empty regions with a ModelFormatError naming the file', () => {
    const be = makeBackend('scalar');
    try {
      const size = header.length + w.byteLength;
      expect(() => be.mapFile!(file, 0, size + 1)).toThrow(ModelFormatError);
      expect(() => be.mapFile!(file, size, 1)).toThrow(/outside the file/);
      expect(() => be.mapFile!(file, 2 ** 50, 1)).toThrow(/outside the file/);
      expect(() => be.mapFile!(file, 0, 0)).toThrow(/empty/);
      expect(() => be.mapFile!(path.join(dir, 'missing.bin'), 0, 1)).toThrow(/missing\.bin.*No such file/);
      expect(() => be.mapFile!(dir, 0, 1)).toThrow(ModelFormatError); // a directory
    } finally {
      be.dispose();
    }
  });
});
