import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';

import { BackendUnavailableError, chooseBackend, getBackendFactory, InvalidArgumentError } from '@ix/core';
import { describe, expect, it } from 'vitest';

import cpuAvxDefault, { CpuAvxBackend, cpuAvxBackend, memoryReadBandwidth, WEIGHT_DTYPES } from '../src/index.js';
import { resolveOptions } from '../src/options.js';
import { loadNativeAddon } from '@ix/native-common';

import { ISAS, loadAddon, type NativeCpuInfo } from '../src/native.js';
import { probeWith } from '../src/probe.js';

// the CPU's own flags, read independently of the addon
const procFlags = new Set(
  (readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:(.*)$/m)?.[1] ?? '').trim().split(/\s+/),
);

/** ARM64: the HWCAP words the kernel (or qemu-user) hands the process, from /proc/self/auxv */
function auxv(): Map<bigint, bigint> {
  const b = readFileSync('/proc/self/auxv');
  const m = new Map<bigint, bigint>();
  for (let o = 0; o + 16 <= b.length; o += 16) m.set(b.readBigUInt64LE(o), b.readBigUInt64LE(o + 8));
  return m;
}

/** The ISA the CPU's own flags call for, read without the addon. */
function expectedIsa(): string {
  if (process.arch === 'arm64') {
    const hw = auxv().get(16n) ?? 0n, hw2 = auxv().get(26n) ?? 0n; // AT_HWCAP, AT_HWCAP2
    const dotprod = (hw & (1n << 20n)) !== 0n; // HWCAP_ASIMDDP
    return dotprod && (hw2 & (1n << 13n)) !== 0n ? 'neon-i8mm' : dotprod ? 'neon-dotprod' : 'neon';
  }
  return procFlags.has('avx512f') && procFlags.has('avx512bw') && procFlags.has('avx512vl') ? 'avx512' : procFlags.has('avx2') ? 'avx2' : 'scalar';
}

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
    const modelName = readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m)?.[1];
    if (modelName) expect(p.device.name).toBe(modelName);
    else expect(p.device.name).toMatch(/^(ARM64 CPU \(implementer .*\)|unknown CPU)$/);
    expect(p.device.memoryBytes).toBeGreaterThan(0);
    if (process.arch === 'x64') {
      for (const [ours, linux] of [['avx2', 'avx2'], ['fma', 'fma'], ['f16c', 'f16c'], ['avx512f', 'avx512f'], ['avx512vnni', 'avx512_vnni'], ['avx512bw', 'avx512bw']]) {
        expect(p.features.includes(ours!), ours).toBe(procFlags.has(linux!));
      }
    }
    expect(p.details?.isa).toBe(process.env.IX_CPU_ISA ?? expectedIsa());
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
    for (const isa of ISAS) {
      if (cpu.isas.includes(isa)) new addon!.Context(isa, 1, false).dispose();
      else expect(() => new addon!.Context(isa, 1, false)).toThrow(/requested but this CPU .* runs only/);
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
    const load = loadNativeAddon<never>(tmpdir(), 'no_such_addon');
    expect(load.addon).toBeUndefined();
    const p = probeWith(load);
    expect(p.available).toBe(false);
    expect(p.reason).toMatch(/no native addon no_such_addon for .*ix doctor/);
    expect(p.device.kind).toBe('cpu');
  });
});

describe('memoryReadBandwidth', () => {
  it('reads a buffer with the given threads and reports bytes per second', () => {
    for (const threads of [1, 2]) {
      const b = memoryReadBandwidth(threads, { bytes: 32 * 2 ** 20, runs: 1 });
      expect(Number.isFinite(b) && b > 0).toBe(true);
    }
  });

  it('refuses what it cannot measure, in JS and in the addon', () => {
    expect(() => memoryReadBandwidth(0)).toThrow(RangeError);
    expect(() => memoryReadBandwidth(1.5)).toThrow(/threads must be a positive integer/);
    expect(() => memoryReadBandwidth(1, { runs: 0 })).toThrow(/runs must be a positive integer/);
    expect(() => memoryReadBandwidth(1, { bytes: 2 ** 20 })).toThrow(/at least 16 MiB/);
    const addon = loadAddon().addon!;
    expect(() => addon.readBandwidth(2 ** 20, 1, 1)).toThrow(/at least 16 MiB/);
    expect(() => addon.readBandwidth(32 * 2 ** 20, 0, 1)).toThrow(/threads must be in 1..1024/);
    expect(() => addon.readBandwidth(32 * 2 ** 20, 1, 0)).toThrow(/runs must be in 1..1000/);
    expect(() => addon.readBandwidth(-1, 1, 1)).toThrow();
  });
});
