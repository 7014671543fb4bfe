import { readFileSync } from 'node:fs';

import { BackendUnavailableError, chooseBackend, getBackendFactory, InvalidArgumentError } from '@ix/core';
import { describe, expect, it } from 'vitest';

import cpuAvxDefault, { CpuAvxBackend, cpuAvxBackend, WEIGHT_DTYPES } from '../src/index.js';
import { resolveOptions } from '../src/options.js';
import { loadAddon, loadAddonFrom, type NativeCpuInfo } from '../src/native.js';
import { probeWith } from '../src/probe.js';

// the CPU's own flags, read independently of the addon
const procFlags = new Set(
  (readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:(.*)$/m)?.[1] ?? '').trim().split(/\s+/),
);

describe('probe', () => {
  it('registers itself on import and is the default export', () => {
    expect(getBackendFactory('cpu-avx')).toBe(cpuAvxBackend);
    expect(cpuAvxDefault).toBe(cpuAvxBackend);
    expect(cpuAvxBackend.priority).toBe(100);
  });

  it('reports the CPU, its features as /proc/cpuinfo lists them, the ISA, threads and ops', async () => {
    const p = await cpuAvxBackend.probe();
    expect(p.available).toBe(true);
    expect(p.device.kind).toBe('cpu');
    expect(p.device.name).toBe(readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m)?.[1]);
    expect(p.device.memoryBytes).toBeGreaterThan(0);
    for (const [ours, linux] of [['avx2', 'avx2'], ['fma', 'fma'], ['f16c', 'f16c'], ['avx512f', 'avx512f'], ['avx512vnni', 'avx512_vnni'], ['avx512bw', 'avx512bw']]) {
      expect(p.features.includes(ours!), ours).toBe(procFlags.has(linux!));
    }
    const expectedIsa = procFlags.has('avx512f') && procFlags.has('avx512bw') && procFlags.has('avx512vl') ? 'avx512' : procFlags.has('avx2') ? 'avx2' : 'scalar';
    expect(p.details?.isa).toBe(process.env.IX_CPU_ISA ?? expectedIsa);
    expect(p.details?.accuracy).toBe(process.env.IX_CPU_ACCURACY ?? 'exact');
    expect(p.ops.matmul).toEqual(WEIGHT_DTYPES);
    expect(p.ops.attention).toEqual(['F32', 'F16']);
  });

  it('is chosen over lower-priority backends when available', async () => {
    const chosen = await chooseBackend({ backend: 'cpu-avx' });
    expect(chosen.factory.name).toBe('cpu-avx');
  });
});

describe('options', () => {
  const cpu = loadAddon().addon!.cpuInfo();
  const noAvx: NativeCpuInfo = { ...cpu, isas: ['scalar'], bestIsa: 'scalar', model: 'Old CPU' };

  it('option > environment > default, for isa, threads, accuracy and repacking', () => {
    expect(resolveOptions(cpu, {}, {})).toEqual({ isa: cpu.bestIsa, threads: cpu.physicalCores, accuracy: 'exact', repack: true, expertMemory: 0 });
    expect(resolveOptions(cpu, {}, { IX_CPU_ISA: 'scalar', IX_THREADS: '3', IX_CPU_ACCURACY: 'fast', IX_CPU_REPACK: '0' })).toEqual({ isa: 'scalar', threads: 3, accuracy: 'fast', repack: false, expertMemory: 0 });
    expect(resolveOptions(cpu, { isa: cpu.bestIsa, threads: 1, accuracy: 'exact', repack: true }, { IX_CPU_ISA: 'scalar', IX_THREADS: '3', IX_CPU_REPACK: '0' })).toEqual({
      isa: cpu.bestIsa,
      threads: 1,
      accuracy: 'exact',
      repack: true,
      expertMemory: 0,
    });
    expect(() => resolveOptions(cpu, { repack: 'no' as unknown as boolean }, {})).toThrow(/repack must be true or false/);
  });

  it('a forced ISA the CPU lacks is an error, in create() and in probe()', () => {
    expect(() => resolveOptions(noAvx, { isa: 'avx2' })).toThrow(/ISA avx2 was requested but this CPU \(Old CPU\) supports only scalar/);
    expect(() => resolveOptions(noAvx, {}, { IX_CPU_ISA: 'avx512' })).toThrow(InvalidArgumentError);
    expect(() => resolveOptions(cpu, { isa: 'sse9' as 'avx2' })).toThrow(/unknown ISA/);
    expect(() => resolveOptions(cpu, { threads: 0 })).toThrow(/threads/);
    expect(() => resolveOptions(cpu, {}, { IX_THREADS: 'many' })).toThrow(/threads/);
    expect(() => resolveOptions(cpu, { accuracy: 'sloppy' as 'fast' })).toThrow(/accuracy/);
  });

  it('the native side refuses an ISA the CPU lacks too', () => {
    const { addon } = loadAddon();
    for (const isa of ['avx512', 'avx2'] as const) {
      if (cpu.isas.includes(isa)) new addon!.Context(isa, 1, false).dispose();
      else expect(() => new addon!.Context(isa, 1, false)).toThrow(/requested but this CPU lacks/);
    }
    expect(() => new addon!.Context('mmx' as 'avx2', 1, false)).toThrow(/unknown ISA/);
  });

  it('create() honours the options', () => {
    const be = cpuAvxBackend.create({ isa: 'scalar', threads: 3, accuracy: 'fast' }) as CpuAvxBackend;
    expect(be.settings).toEqual({ isa: 'scalar', threads: 3, accuracy: 'fast', repack: true, expertMemory: 0 });
    be.dispose();
  });

  it('selecting an unavailable backend reports why', async () => {
    const prev = process.env.IX_CPU_ISA;
    process.env.IX_CPU_ISA = 'nonsense';
    try {
      const p = await cpuAvxBackend.probe();
      expect(p.available).toBe(false);
      expect(p.reason).toMatch(/unknown ISA "nonsense"/);
      await expect(chooseBackend({ backend: 'cpu-avx' })).rejects.toThrow(BackendUnavailableError);
    } finally {
      if (prev === undefined) delete process.env.IX_CPU_ISA;
      else process.env.IX_CPU_ISA = prev;
    }
  });
});

describe('missing addon', () => {
  it('probe reports unavailable with the load error instead of throwing', () => {
    const load = loadAddonFrom('../build/Release/no_such_addon.node');
    expect(load.addon).toBeUndefined();
    const p = probeWith(load);
    expect(p.available).toBe(false);
    expect(p.reason).toMatch(/native addon not built or failed to load.*no_such_addon\.node/);
    expect(p.device.kind).toBe('cpu');
  });
});
