import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { dequantize, Graph, quantize, Tensor, type DTypeName } from '@ix/core';
import { checkMatmul as check, FAST_BLOCK, matmulCase as makeCase } from '@ix/kernel-testing';
import { afterAll, describe, expect, it } from 'vitest';

import { cpuAvxBackend, WEIGHT_DTYPES, type Accuracy, type CpuAvxBackend } from '../src/index.js';
import { bytesOf, hasAvxVnni, isaMatrix, makeBackend, randomF32, REPACKING_ISAS, rng, run, tensorOn, withoutVnni } from './helpers.js';


const accuracyTable: string[] = [];

const dir = mkdtempSync(path.join(tmpdir(), 'ix-matmul-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
/** The bytes in a file (after an odd-sized header), mapped read-only. */
function mappedTensor(be: CpuAvxBackend, shape: number[], dtype: DTypeName, bytes: Uint8Array): Tensor {
  const file = path.join(dir, `w${files++}.bin`);
  writeFileSync(file, Buffer.concat([new Uint8Array(4099), bytes]));
  return new Tensor(shape, dtype, be.mapFile(file, 4099, bytes.byteLength), 0, 'w');
}

describe.each(isaMatrix())('matmul on $isa', ({ isa, supported }) => {
  const backends = new Map<Accuracy, CpuAvxBackend>();
  const backend = (a: Accuracy) => {
    if (!backends.has(a)) backends.set(a, makeBackend(isa, a));
    return backends.get(a)!;
  };
  afterAll(() => backends.forEach((b) => b.dispose()));

  describe.each(WEIGHT_DTYPES.map((d, i) => ({ dtype: d as DTypeName, seed: 1000 + i })))('$dtype', ({ dtype, seed }) => {
    // weights in memory, and in a read-only file mapping (which the fast kernels may repack)
    const cases = (['exact', 'fast'] as const).flatMap((accuracy) => (['memory', 'mapped'] as const).map((source) => ({ accuracy, source })));
    it.skipIf(!supported).each(cases)('$accuracy mode, $source weights, matches the reference dequantizer within its bound', async ({ accuracy, source }) => {
      const c = makeCase(dtype, seed);
      const be = backend(accuracy);
      const w = source === 'memory' ? tensorOn(be, [c.N, c.K], dtype, c.bytes, 'w') : mappedTensor(be, [c.N, c.K], dtype, c.bytes);
      const rel: number[] = [];
      for (const M of [1, 2, 7, 69]) {
        const x = randomF32(M * c.K, rng(seed + M));
        const [y] = await run(be, (g: Graph) => [g.matmul(g.input('x', [M, c.K]), g.constant(w))], { x });
        const r = check(c, x, M, y as Float32Array, accuracy, FAST_BLOCK[dtype] ?? 1);
        expect(r.worst, `M=${M} worst error / bound`).toBeLessThanOrEqual(1);
        if (accuracy === 'exact') expect(r.worstProbable, `M=${M} worst error / probable f32 bound`).toBeLessThanOrEqual(1);
        rel.push(r.relRms);
      }
      be.free(w.buffer);
      accuracyTable.push(`${isa.padEnd(6)} ${dtype.padEnd(6)} ${accuracy.padEnd(5)} ${source.padEnd(6)} rel-RMS error vs f64 reference: ${Math.max(...rel).toExponential(2)}`);
    });
  });
});

afterAll(() => {
  if (accuracyTable.length) console.log(`matmul accuracy (relative RMS error over M in {1, 2, 7, 69}):\n${accuracyTable.sort().join('\n')}`);
});

describe('repack option', () => {
  // off: mapped weights stay in their file layout, so they multiply bit for bit as weights in memory
  // do; on: the repacked integer kernels (three 8-bit planes of the activations) round otherwise
  const isa = isaMatrix().find((i) => i.supported && REPACKING_ISAS.includes(i.isa));
  it.skipIf(!isa)('repack: false keeps a mapped Q4_0 weight on the file-layout kernels', async () => {
    const c = makeCase('Q4_0', 95);
    const x = randomF32(3 * c.K, rng(96));
    const product = async (repack: boolean, mapped: boolean) => {
      const be = cpuAvxBackend.create({ isa: isa!.isa, accuracy: 'exact', threads: 2, repack }) as CpuAvxBackend;
      try {
        const w = mapped ? mappedTensor(be, [c.N, c.K], 'Q4_0', c.bytes) : tensorOn(be, [c.N, c.K], 'Q4_0', c.bytes, 'w');
        const [y] = await run(be, (g: Graph) => [g.matmul(g.input('x', [3, c.K]), g.constant(w))], { x });
        return [...(y as Float32Array)];
      } finally {
        be.dispose();
      }
    };
    const memory = await product(true, false);
    expect(await product(false, true)).toEqual(memory);
    expect(await product(true, true)).not.toEqual(memory);
  });
});

describe('matmul input checks', () => {
  it('x not matching K is refused at graph build', () => {
    const g = new Graph();
    const be = makeBackend('scalar');
    const w = tensorOn(be, [4, 32], 'F32', bytesOf(new Float32Array(128)));
    expect(() => g.matmul(g.input('x', [1, 31]), g.constant(w))).toThrow(/does not match/);
    be.dispose();
  });
});

describe('repacked decode over many row groups', () => {
  // with enough rows each task covers several 16-row groups, and decode (1-2 activation rows)
  // runs them two at a time, sharing the activation broadcasts; an odd group count leaves a single
  const isa = isaMatrix().find((i) => i.supported && i.isa === 'avx512');
  // plain weights go in threes of groups (AVX-512; AVX2 in decode): 65 groups leave a pair or a single at the end of tasks
  const plainCases = isaMatrix().filter((i) => i.supported && REPACKING_ISAS.includes(i.isa)).flatMap(({ isa }) => (['F32', 'F16', 'BF16'] as const).map((dtype) => ({ isa, dtype })));
  it.each(plainCases)('$isa, $dtype, 1040 rows: within the bound for 1, 2, 3 and 40 rows in both modes', async ({ isa, dtype }) => {
    for (const accuracy of ['exact', 'fast'] as const) {
      const be = makeBackend(isa, accuracy);
      try {
        const c = makeCase(dtype, 79, 1040);
        const w = mappedTensor(be, [c.N, c.K], dtype, c.bytes);
        for (const M of [1, 2, 3, 40]) {
          const x = randomF32(M * c.K, rng(80 + M));
          const [y] = await run(be, (g: Graph) => [g.matmul(g.input('x', [M, c.K]), g.constant(w))], { x });
          expect(check(c, x, M, y as Float32Array, accuracy, FAST_BLOCK[dtype] ?? 1).worst, `${accuracy} M=${M}`).toBeLessThanOrEqual(1);
        }
      } finally {
        be.dispose();
      }
    }
  });
  it.skipIf(!isa).each(['exact', 'fast'] as const)('%s mode, Q4_0, 1040 rows: within the bound for 1 and 2 rows', async (accuracy) => {
    const be = makeBackend('avx512', accuracy);
    try {
      const c = makeCase('Q4_0', 77, 1040);
      const w = mappedTensor(be, [c.N, c.K], 'Q4_0', c.bytes);
      for (const M of [1, 2, 3]) {
        const x = randomF32(M * c.K, rng(78 + M));
        const [y] = await run(be, (g: Graph) => [g.matmul(g.input('x', [M, c.K]), g.constant(w))], { x });
        expect(check(c, x, M, y as Float32Array, accuracy, 32).worst, `M=${M}`).toBeLessThanOrEqual(1);
      }
    } finally {
      be.dispose();
    }
  });
});

describe('AVX-512 without VNNI (IX_CPU_VNNI=0 forces the table such CPUs get)', () => {
  // its integer kernels (fast mode, repacked decode and prefill) are AVX2's: nothing may use vpdpbusd
  const avx512 = isaMatrix().find((i) => i.supported && i.isa === 'avx512');
  // (BF16 in memory: the fast kernel must come with the activation format it reads)
  it.skipIf(!avx512).each(['exact', 'fast'] as const)('%s mode: Q4_0, Q4_K, Q8_0, BF16 weights mapped and in memory within the bound', async (accuracy) => {
    const prev = process.env.IX_CPU_VNNI;
    process.env.IX_CPU_VNNI = '0';
    const be = makeBackend('avx512', accuracy);
    try {
      for (const [dtype, seed, mapped] of [['Q4_0', 91, true], ['Q4_K', 92, true], ['Q8_0', 93, true], ['Q4_K', 94, false], ['BF16', 95, false], ['BF16', 96, true]] as const) {
        const c = makeCase(dtype, seed);
        const w = mapped ? mappedTensor(be, [c.N, c.K], dtype, c.bytes) : tensorOn(be, [c.N, c.K], dtype, c.bytes, 'w');
        for (const M of [1, 20]) {
          const x = randomF32(M * c.K, rng(seed + M));
          const [y] = await run(be, (g: Graph) => [g.matmul(g.input('x', [M, c.K]), g.constant(w))], { x });
          expect(check(c, x, M, y as Float32Array, accuracy, FAST_BLOCK[dtype] ?? 1).worst, `${dtype} M=${M}`).toBeLessThanOrEqual(1);
        }
        be.free(w.buffer);
      }
    } finally {
      be.dispose();
      if (prev === undefined) delete process.env.IX_CPU_VNNI;
      else process.env.IX_CPU_VNNI = prev;
    }
  });
});

describe('AVX2 without AVX-VNNI (IX_CPU_VNNI=0 on a CPU with it)', () => {
  // the same kernels with vpmaddubsw chains in 16 bits instead of vpdpbusd, and Q8_0 in exact mode
  // on the file layout's float kernel; on a CPU without AVX-VNNI the matrix above runs them already
  const avx2 = isaMatrix().find((i) => i.supported && i.isa === 'avx2');
  const types = ['Q4_0', 'Q4_K', 'Q5_K', 'Q6_K', 'Q8_0', 'IQ4_NL', 'MXFP4'] as const;
  it.skipIf(!avx2 || !hasAvxVnni()).each(['exact', 'fast'] as const)(`%s mode: ${types.join(', ')} mapped, decode and prefill within the bound`, (accuracy) =>
    withoutVnni(async () => {
      const be = makeBackend('avx2', accuracy);
      try {
        for (const [i, dtype] of types.entries()) {
          const c = makeCase(dtype, 110 + i);
          const w = mappedTensor(be, [c.N, c.K], dtype, c.bytes);
          for (const M of [1, 2, 69]) {
            const x = randomF32(M * c.K, rng(120 + i + M));
            const [y] = await run(be, (g: Graph) => [g.matmul(g.input('x', [M, c.K]), g.constant(w))], { x });
            const r = check(c, x, M, y as Float32Array, accuracy, FAST_BLOCK[dtype] ?? 1);
            expect(r.worst, `${dtype} M=${M}`).toBeLessThanOrEqual(1);
            if (accuracy === 'exact') expect(r.worstProbable, `${dtype} M=${M} worst error / probable f32 bound`).toBeLessThanOrEqual(1);
          }
          be.free(w.buffer);
        }
      } finally {
        be.dispose();
      }
    }),
  );
});

describe('integer sums at their extremes', () => {
  // every weight at its largest code and every activation at +-127: the 16-bit partial sums of the
  // AVX2 kernels (vpmaddubsw) and the planes' 32-bit sums are at their bounds and must not wrap
  // (AVX2 also without AVX-VNNI where the CPU has it: the 16-bit chains are plain AVX2's)
  const tables = isaMatrix().filter((i) => i.supported).flatMap(({ isa }) => [{ isa, vnniOff: false }, ...(isa === 'avx2' && hasAvxVnni() ? [{ isa, vnniOff: true }] : [])]);
  it.each(tables.flatMap(({ isa, vnniOff }) => (['exact', 'fast'] as const).flatMap((accuracy) => (['Q4_0', 'Q4_K', 'Q5_K', 'Q6_K', 'Q8_0', 'IQ4_NL', 'MXFP4'] as const).map((dtype) => ({ isa, table: vnniOff ? `${isa} without AVX-VNNI` : isa, vnniOff, accuracy, dtype })))))(
    '$table $accuracy $dtype',
    ({ isa, vnniOff, accuracy, dtype }) => (vnniOff ? withoutVnni<void> : (f: () => Promise<void>) => f())(async () => {
      const be = makeBackend(isa, accuracy);
      try {
        const N = 16, K = 512;
        // per 32-block one element that fixes the scale, the others at the largest stored code:
        // Q4_0 nibble 15 (d from the -1), Q4_K 15 and Q5_K 31 (min 0), Q6_K 63 (d from the -1), Q8_0 127,
        // IQ4_NL its largest values, MXFP4 its largest code (E2M1 6: 1.5 over the scale 2^-2)
        const first = dtype === 'Q4_0' || dtype === 'Q6_K' || dtype === 'IQ4_NL' ? -1 : dtype === 'Q8_0' ? 1 : dtype === 'MXFP4' ? 1.5 : 0;
        const rest = dtype === 'Q4_0' ? 0.875 : dtype === 'Q6_K' ? 31 / 32 : dtype === 'MXFP4' ? 1.5 : 1;
        const block = (i: number) => (i % 32 === 0 ? first : rest);
        const src = Float32Array.from({ length: N * K }, (_, i) => block(i));
        const bytes = quantize(dtype, src);
        const c = { dtype, N, K, w: dequantize(dtype, bytes, N * K), bytes } as ReturnType<typeof makeCase>;
        const w = mappedTensor(be, [N, K], dtype, bytes);
        for (const M of [1, 17]) {
          const x = new Float32Array(M * K).fill(1); // quantized to 127: every product at its largest
          const [y] = await run(be, (g: Graph) => [g.matmul(g.input('x', [M, K]), g.constant(w))], { x });
          expect(check(c, x, M, y as Float32Array, accuracy, FAST_BLOCK[dtype] ?? 1).worst, `M=${M}`).toBeLessThanOrEqual(1);
        }
      } finally {
        be.dispose();
      }
    }),
  );
});

describe('quantized activations kept between matmuls', () => {
  // Matmuls reading the same unchanged rows share one quantization (q/k/v); rows written over in
  // between (here by write_rows into the same buffer) must be quantized again.
  const isa = isaMatrix().find((i) => i.supported && i.isa === 'avx512') ?? isaMatrix().find((i) => i.supported)!;
  it.each(['exact', 'fast'] as const)('%s mode: a second matmul over rows written in between sees the new rows', async (accuracy) => {
    const be = makeBackend(isa.isa, accuracy);
    try {
      const K = 256;
      for (const M of [1, 20]) {
        const w = mappedTensor(be, [32, K], 'Q4_0', quantize('Q4_0', randomF32(32 * K, rng(7))));
        const first = randomF32(M * K, rng(8));
        const second = randomF32(M * K, rng(9));
        const rows = tensorOn(be, [M, K], 'F32', bytesOf(first), 'rows');
        const outs = await run(be, (g: Graph) => {
          const x = g.constant(rows);
          const y1 = g.matmul(x, g.constant(w));
          const y2 = g.matmul(x, g.constant(w)); // same rows: may reuse the quantization
          const x2 = g.writeRows(x, g.input('next', [M, K]), 0);
          return [y1, y2, g.matmul(x2, g.constant(w))];
        }, { next: second });
        // each result against a graph that only ever saw its rows
        const alone = async (rowsData: Float32Array) => (await run(be, (g: Graph) => [g.matmul(g.input('x', [M, K]), g.constant(w))], { x: rowsData }))[0];
        expect(outs[1]).toEqual(outs[0]);
        expect(outs[0]).toEqual(await alone(first));
        expect(outs[2]).toEqual(await alone(second));
        be.free(w.buffer);
        be.free(rows.buffer);
      }
    } finally {
      be.dispose();
    }
  });
});
