import os from 'node:os';

import type { ProbeResult } from '@ix/core';

import type { AddonLoad } from './native.js';
import { SUPPORTED_OPS } from '@ix/cpu-engine';
import { resolveOptions } from './options.js';

/** Probe without side effects: asks CPUID through the loaded addon; starts no threads, allocates nothing native. */
export function probeWith(load: AddonLoad, env: Record<string, string | undefined> = process.env): ProbeResult {
  if (!load.addon) {
    return { available: false, reason: load.error, device: { kind: 'cpu', name: os.cpus()[0]?.model ?? 'unknown CPU' }, features: [], ops: {} };
  }
  const cpu = load.addon.cpuInfo();
  const device = { kind: 'cpu' as const, name: cpu.model, memoryBytes: os.totalmem() };
  let settings;
  try {
    settings = resolveOptions(cpu, {}, env);
  } catch (err) {
    return { available: false, reason: err instanceof Error ? err.message : String(err), device, features: cpu.features, ops: {} };
  }
  return {
    available: true,
    device,
    features: cpu.features,
    ops: SUPPORTED_OPS,
    details: {
      isa: settings.isa,
      isas: cpu.isas.join(','),
      threads: settings.threads,
      accuracy: settings.accuracy,
      physicalCores: cpu.physicalCores,
      logicalCores: cpu.logicalCores,
      // the source build of this checkout, or the prebuild shipped for this platform
      addon: load.file,
    },
  };
}
