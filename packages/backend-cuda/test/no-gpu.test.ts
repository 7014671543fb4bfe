import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';

import { BackendUnavailableError, registeredBackends } from '@ix/core';
import { describe, expect, it } from 'vitest';

import { cudaBackend } from '../src/index.js';
import { loadNativeAddon } from '@ix/native-common';

import { checkStub, loadAddon } from '../src/native.js';
import { resolveOptions } from '../src/options.js';
import { probeWith } from '../src/probe.js';

/** Machines without an NVIDIA driver (CI, most build machines): probe() says why, create() throws a typed error. */
function withEnv<T>(vars: Record<string, string | undefined>, fn: () => T): T {
  const prev = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(vars)) v === undefined ? delete process.env[k] : (process.env[k] = v);
  try {
    return fn();
  } finally {
    for (const [k, v] of Object.entries(prev)) v === undefined ? delete process.env[k] : (process.env[k] = v);
  }
}

const addonBuilt = !!loadAddon().addon;

describe('registration', () => {
  it('registers itself on import, above Vulkan on a GPU', () => {
    expect(registeredBackends().some((b) => b.name === 'cuda')).toBe(true);
    expect(cudaBackend.priority).toBeGreaterThan(200);
  });
});

describe.skipIf(!addonBuilt)(`no driver at run time${addonBuilt ? '' : ` (${loadAddon().error})`}`, () => {
  it('no driver library: probe reports the dlopen failure and create() a typed error', async () => {
    const vars = { IX_CUDA_LIBRARY: '/nonexistent/libcuda.so.1' };
    const p = await withEnv(vars, () => cudaBackend.probe());
    expect(p.available).toBe(false);
    expect(p.reason).toMatch(/cannot open the NVIDIA driver library \/nonexistent\/libcuda\.so\.1/);
    expect(() => withEnv(vars, () => cudaBackend.create())).toThrow(BackendUnavailableError);
  });

  it('a library that is not the driver is reported with the functions it lacks', async () => {
    const p = await withEnv({ IX_CUDA_LIBRARY: 'libc.so.6' }, () => cudaBackend.probe());
    expect(p.available).toBe(false);
    expect(p.reason).toMatch(/libc\.so\.6 lacks cuInit/);
  });

  it('lists its kernels: every weight type has matvec (plain and GLU), matmul (f16 and exact tiles), get_rows and mul_mat_id (plain and GLU)', () => {
    const names = loadAddon().addon!.kernelNames();
    for (const t of ['f32', 'f16', 'bf16', 'q8_0', 'q4_0', 'q4_k', 'q5_k', 'q6_k', 'iq4_nl', 'mxfp4']) {
      for (const k of ['matvec', 'matvec_glu', 'matmul', 'matmul_exact', 'get_rows', 'mul_mat_id', 'mul_mat_id_glu']) expect(names).toContain(`${k}_${t}`);
    }
  });
});

describe('no usable addon', () => {
  it('a missing addon file becomes a reason', () => {
    const p = probeWith(checkStub(loadNativeAddon(tmpdir(), 'no_such_addon')));
    expect(p.available).toBe(false);
    expect(p.reason).toMatch(/no native addon no_such_addon for .*ix doctor/);
  });

  it('the stub built without nvcc reports what was missing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ix-cuda-'));
    const file = join(dir, 'stub.cjs');
    writeFileSync(file, 'module.exports = { stubReason: "built without nvcc (the CUDA toolkit)" };');
    const p = probeWith(checkStub({ addon: createRequire(import.meta.url)(file), file }));
    expect(p.available).toBe(false);
    expect(p.reason).toBe('the native addon was built without nvcc (the CUDA toolkit)');
  });

  it('bad settings are reasons, not crashes', () => {
    expect(probeWith(loadAddon(), { IX_CUDA_DEVICE: 'first' }).reason).toMatch(/device must be a non-negative integer/);
    expect(probeWith(loadAddon(), { IX_CUDA_GRAPHS: 'yes' }).reason).toMatch(/IX_CUDA_GRAPHS must be 0 or 1/);
    expect(() => resolveOptions({ stagingBytes: 10 })).toThrow(/stagingBytes/);
    expect(resolveOptions({}, { IX_CUDA_GRAPHS: '0' }).graphs).toBe(false);
    expect(resolveOptions({ graphs: true }, { IX_CUDA_GRAPHS: '0' }).graphs).toBe(true);
    expect(resolveOptions({}, {}).accuracy).toBe('exact');
    expect(resolveOptions({}, { IX_CUDA_ACCURACY: 'fast' }).accuracy).toBe('fast');
    expect(probeWith(loadAddon(), { IX_CUDA_ACCURACY: 'sloppy' }).reason).toMatch(/accuracy must be 'exact' or 'fast'/);
  });
});
