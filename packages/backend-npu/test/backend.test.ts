import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { Executor, Graph, InvalidArgumentError, quantize, Tensor, type DTypeName } from '@ix/core';
import { bytesOf, reference, tensorOn } from '@ix/kernel-testing';
import { describe, expect, it } from 'vitest';

import { decodeModel, epFacts, epTweak, lowerSplit, npuBackend, registerEpTweak, type OrtModule } from '../src/index.js';
import { device, expectClose, hasDevice, make, randomF32, rng, runBoth, skipReason } from './helpers.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const EXPECTED = readFileSync(new URL('../../../models/stories260K/greedy-200.txt', import.meta.url), 'utf8');

/** an onnxruntime-node stand-in that lists the given EPs (epFacts reads nothing else) */
const fakeOrt = (listed: { name: string; bundled: boolean }[]) => ({ listSupportedBackends: () => listed }) as unknown as OrtModule;

describe('execution providers', () => {
  it('prefers the first bundled NPU EP, then the CPU EP; EPs the package does not bundle are skipped', () => {
    expect(epFacts(fakeOrt([{ name: 'cpu', bundled: true }, { name: 'webgpu', bundled: true }, { name: 'cuda', bundled: false }])).chosen).toEqual(['cpu']);
    expect(epFacts(fakeOrt([{ name: 'cpu', bundled: true }, { name: 'dml', bundled: true }, { name: 'qnn', bundled: true }])).chosen).toEqual(['qnn', 'cpu']);
    expect(epFacts(fakeOrt([{ name: 'openvino', bundled: false }, { name: 'cpu', bundled: true }])).chosen).toEqual(['cpu']);
    expect(epFacts(fakeOrt([{ name: 'coreml', bundled: true }, { name: 'cpu', bundled: true }]), ['webgpu', 'cpu']).chosen).toEqual(['webgpu', 'cpu']);
  });
});

describe.skipIf(!hasDevice)(`npu backend on ONNX Runtime${skipReason ? ` (${skipReason})` : ''}`, () => {
  it('probes the EPs of this onnxruntime-node build: the CPU EP here, ranked below cpu-avx and wasm, above the reference', async () => {
    const p = await npuBackend.probe();
    expect(p.available).toBe(true);
    expect(p.features).toContain('ep:cpu');
    expect(String(p.details?.listed)).toMatch(/\bcpu\b/);
    expect(p.device.kind).toBe('cpu');
    expect(p.priority).toBeGreaterThan(0);
    expect(p.priority).toBeLessThan(10);
    expect(p.ops.mul_mat_id).toBeUndefined();
    expect(p.ops.matmul).toContain('Q4_K');
  });

  it('ix run --backend npu prints the published greedy text of stories260K', async () => {
    const r = await promisify(execFile)(process.execPath, ['packages/cli/dist/ix.js', 'run', 'models/stories260K/stories260K.gguf', '--temp', '0', '-n', '200', '--backend', 'npu'], { cwd: REPO });
    expect(r.stderr).toContain('backend "npu"');
    expect(r.stdout).toBe(EXPECTED + '\n');
  });

  it('falls back per op: mul_mat_id (which ONNX cannot express over quantized experts) runs on the reference, the rest lowered, equal to the reference alone', async () => {
    const T = 3, H = 64, F = 96, E = 4, U = 2;
    const r = rng(77);
    const router = randomF32(E * H, r, 0.5);
    const experts = quantize('Q4_0', randomF32(E * F * H, r, 0.2));
    const x = randomF32(T * H, r);
    const run = async (be: typeof device | typeof reference, fallbacks: (typeof reference)[]) => {
      const w = tensorOn(be, [E, H], 'F32', bytesOf(router));
      const ex = tensorOn(be, [E, F, H], 'Q4_0', experts);
      const g = new Graph();
      const xi = g.input('x', [T, H]);
      const logits = g.matmul(xi, g.constant(w));
      const ids = g.topK(logits, U);
      const weights = g.softmax(g.gather(logits, ids));
      const y = g.weightedSum(g.silu(g.mulMatId(xi, g.constant(ex), ids)), weights);
      const exec = new Executor(be, fallbacks);
      const placement = exec.assign(g).map((b, i) => `${g.nodes[i]!.op}@${b.name}`);
      const [out] = await exec.run(g, { x }, [y]);
      return { out: out!, placement };
    };
    const ours = await run(device, [reference]);
    const ref = await run(reference, []);
    expect(ours.placement.filter((p) => p.endsWith('@reference'))).toEqual(['mul_mat_id@reference']);
    expect(ours.placement.filter((p) => p.endsWith('@npu')).length).toBeGreaterThanOrEqual(6);
    expectClose(ours.out, ref.out, 2e-6, 'moe block');
  });

  it('lowers a Q4_0 matmul to MatMulNBits (4 bits, blocks of 32) with the codes in ONNX order, and F16 to a float Gemm', () => {
    const be = make();
    const w4 = quantize('Q4_0', randomF32(8 * 64, rng(1)));
    const g = new Graph();
    const t4 = new Tensor([8, 64], 'Q4_0', be.allocate(w4.byteLength), 0);
    be.upload(t4.buffer, 0, w4);
    const th = new Tensor([8, 64], 'F16', be.allocate(8 * 64 * 2), 0);
    const x = g.input('x', [2, 64]);
    const c4 = g.constant(t4);
    const y4 = g.matmul(x, c4);
    const yh = g.matmul(x, g.constant(th));
    // the same Q4_0 tensor as an embedding table (tied embeddings)
    const rows = g.getRows(c4, g.input('ids', [2], 'I32'));
    const tensors = new Map<number, Tensor>([[c4.id, t4], [3, th]]);
    const lower = (contribOps: boolean) => lowerSplit(
      { graph: g, nodes: [y4, yh, rows], outputs: new Set([y4.id, yh.id, rows.id]), tensorOf: (id) => tensors.get(id) ?? new Tensor(g.node(id).shape, g.node(id).dtype, be.allocate(1024), 0) },
      (t) => new Uint8Array(be.download(t.buffer, t.offset, t.byteLength)),
      { accuracy: 'exact', staticShapes: false, contribOps },
    );
    // an EP without MatMulNBits (the tweak's contribOps: false) gets two float Gemms
    expect(decodeModel(lower(false).model).graph.node.filter((n) => n.opType === 'Gemm' || n.opType === 'MatMulNBits').map((n) => n.opType)).toEqual(['Gemm', 'Gemm']);
    const m = decodeModel(lower(true).model);
    expect(m.opsetImport.map((o) => o.domain || 'ai.onnx')).toEqual(['ai.onnx', 'com.microsoft']);
    const nbits = m.graph.node.find((n) => n.opType === 'MatMulNBits')!;
    expect(nbits.domain).toBe('com.microsoft');
    expect(Object.fromEntries(nbits.attribute!.map((a) => [a.name, a.i ?? 0]))).toEqual({ K: 64, N: 8, bits: 4, block_size: 32, accuracy_level: 0 });
    const codes = m.graph.initializer.find((t) => t.name === nbits.input[1])!;
    expect(codes.dims).toEqual([8, 2, 16]);
    // the first block: element 0 low, element 1 high in byte 0; GGUF keeps element 1 in byte 1's low nibble
    expect(codes.rawData![0]! & 15).toBe(w4[2]! & 15);
    expect(codes.rawData![0]! >> 4).toBe(w4[3]! & 15);
    expect(codes.rawData![8]! & 15).toBe(w4[2]! >> 4);
    expect(m.graph.node.some((n) => n.opType === 'Gemm')).toBe(true);
    // the table is gathered from the matmul's own blocks, not decoded to float32
    const gather = m.graph.node.find((n) => n.opType === 'GatherBlockQuantized')!;
    const reshaped = m.graph.node.find((n) => n.output[0] === gather.input[0])!;
    expect(reshaped.input[0]).toBe(nbits.input[1]);
    expect(m.graph.initializer.map((t) => t.name)).not.toContain(`t${c4.id}`);
    expect(m.graph.output.map((o) => o.name)).toEqual([`out${y4.id}`, `out${yh.id}`, `out${rows.id}`]);
    be.dispose();
  });

  it('EP tweaks: an NPU EP gets fixed shapes and float weights by default, a vendor registers its own, options win', async () => {
    expect(epTweak('qnn')).toMatchObject({ staticShapes: true, contribOps: false, provider: { name: 'qnn', backendType: 'htp' } });
    registerEpTweak('acme-npu', { provider: { name: 'acme-npu', core: 2 }, staticShapes: true, contribOps: false, npu: true });
    // a bundled vendor EP marked as an NPU is chosen by itself
    expect(epFacts(fakeOrt([{ name: 'cpu', bundled: true }, { name: 'acme-npu', bundled: true }])).chosen).toEqual(['acme-npu', 'cpu']);
    expect(make({ executionProviders: ['acme-npu', 'cpu'] }).settings).toMatchObject({ executionProviders: ['acme-npu', 'cpu'], staticShapes: true, contribOps: false });
    expect(make({ executionProviders: ['acme-npu', 'cpu'], staticShapes: false }).settings.staticShapes).toBe(false);
    expect(make().settings).toMatchObject({ executionProviders: ['cpu'], staticShapes: false, contribOps: true, accuracy: 'exact' });
    // without MatMulNBits the same Q4_0 matmul runs as a float Gemm, as exact
    const w = quantize('Q4_0', randomF32(16 * 64, rng(2)));
    const x = randomF32(3 * 64, rng(3));
    const outs: Float32Array[] = [];
    for (const contribOps of [true, false]) {
      const be = make({ contribOps });
      const g = new Graph();
      const y = g.matmul(g.input('x', [3, 64]), g.constant(tensorOn(be, [16, 64], 'Q4_0', w)));
      outs.push((await new Executor(be).run(g, { x }, [y]))[0] as Float32Array);
      be.dispose();
    }
    expectClose(outs[1]!, outs[0]!, 1e-6, 'Gemm vs MatMulNBits');
  });

  it('bad options, foreign or freed buffers, an EP this build lacks and a disposed backend are clear errors', async () => {
    expect(() => make({ accuracy: 'sloppy' as 'fast' })).toThrow(/accuracy must be 'exact' or 'fast'/);
    expect(() => make({ threads: -1 })).toThrow(/threads/);
    expect(() => make({ maxSessions: 0 })).toThrow(/maxSessions/);
    const be = make();
    const buf = be.allocate(64);
    expect(() => be.upload(buf, 60, new Uint8Array(8))).toThrow(InvalidArgumentError);
    expect(() => reference.download(buf, 0, 4)).toThrow(/belongs to backend "npu"/);
    be.free(buf);
    expect(() => be.download(buf, 0, 4)).toThrow(/freed/);
    const g = new Graph();
    const y = g.scale(g.input('x', [4]), 2);
    await expect(new Executor(make({ executionProviders: ['no-such-ep'] })).run(g, { x: new Float32Array(4) }, [y])).rejects.toThrow(/npu: ONNX Runtime could not make a session .* on EPs no-such-ep/);
    be.dispose();
    await expect(new Executor(be).run(g, { x: new Float32Array(4) }, [y])).rejects.toThrow(/disposed/);
  });

  it.each([['rows past kvLen', 5, 6], ['rows inside kvLen', 2, 9], ['rows at the end of the cache', 9, 12]] as const)(
    'write_rows then attention with %s: the in-graph cache covers both (row %i, kvLen %i)',
    async (_, row, kvLen) => {
      const S = 12, D = 8, T = 3;
      const cache = randomF32(S * D, rng(40), 1);
      const { ours, ref } = await runBoth(device, [{ shape: [S, 1, D], dtype: 'F32', bytes: new Uint8Array(cache.buffer) }], (g, c) => {
        const w = g.writeRows(c(0), g.input('k', [T, 1, D]), row);
        return [g.attention(g.input('q', [T, 1, D]), w, w, { pos0: Math.max(0, kvLen - T), kvLen, scale: 0.3, causal: false })];
      }, { k: randomF32(T * D, rng(41), 1), q: randomF32(T * D, rng(42), 1) });
      expectClose(ours[0]!, ref[0]!, 2e-6, 'attention');
    },
  );

  it('mapped weight regions: a missing file, a region past its end, a file truncated later and writes are clear errors', async () => {
    const { mkdtempSync, writeFileSync, truncateSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'ix-npu-map-'));
    try {
      const be = make();
      const file = join(dir, 'w.bin');
      writeFileSync(file, new Uint8Array(64).map((_, i) => i));
      expect(() => be.mapFile(join(dir, 'missing.bin'), 0, 4)).toThrow(/npu: mapFile: cannot read .*missing\.bin/);
      expect(() => be.mapFile(file, 60, 8)).toThrow(/outside .*w\.bin \(64 bytes\)/);
      const region = be.mapFile(file, 16, 32);
      expect([...be.download(region, 4, 4)]).toEqual([20, 21, 22, 23]);
      expect(() => be.download(region, 30, 4)).toThrow(/outside a mapped region of 32/);
      expect(() => be.upload(region, 0, new Uint8Array(4))).toThrow(/read-only/);
      truncateSync(file, 20);
      expect(() => be.download(region, 0, 32)).toThrow(/w\.bin ended while reading a weight \(was it truncated\?\)/);
      be.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each(['Q4_0', 'Q8_0'] as DTypeName[])('%s: fast mode quantizes activations (8 bits, in MatMulNBits) and stays within 2 percent of exact', async (dtype) => {
    const w = quantize(dtype, randomF32(32 * 256, rng(8), 0.5));
    const x = randomF32(4 * 256, rng(9));
    const outs: Float32Array[] = [];
    for (const accuracy of ['exact', 'fast'] as const) {
      const be = make({ accuracy });
      const g = new Graph();
      const y = g.matmul(g.input('x', [4, 256]), g.constant(tensorOn(be, [32, 256], dtype, w)));
      outs.push((await new Executor(be).run(g, { x }, [y]))[0] as Float32Array);
      be.dispose();
    }
    expect(outs[1]).not.toEqual(outs[0]);
    expectClose(outs[1]!, outs[0]!, 0.02, `${dtype} fast vs exact`);
  });
});
