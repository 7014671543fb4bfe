import os from 'node:os';

import { BackendUnavailableError, registerBackend, type BackendFactory, type ProbeResult } from '@ix/core';

import { BACKEND_NAME, CpuAvxBackend } from './backend.js';
import { loadAddon } from './native.js';
import { SUPPORTED_OPS } from './ops.js';
import { resolveOptions, type CpuAvxOptions } from './options.js';

export { CpuAvxBackend, CpuAvxBuffer, type Advice } from './backend.js';
export type { Accuracy, CpuAvxOptions } from './options.js';
export type { Isa } from './native.js';
export { WEIGHT_DTYPES, SUPPORTED_OPS } from './ops.js';

/** Probe without side effects: loads the addon and asks CPUID; starts no threads, allocates nothing native. */
function probe(): ProbeResult {
  const load = loadAddon();
  if (!load.addon) {
    return { available: false, reason: load.error, device: { kind: 'cpu', name: os.cpus()[0]?.model ?? 'unknown CPU' }, features: [], ops: {} };
  }
  const cpu = load.addon.cpuInfo();
  const device = { kind: 'cpu' as const, name: cpu.model, memoryBytes: os.totalmem() };
  let settings;
  try {
    settings = resolveOptions(cpu);
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
    },
  };
}

export const cpuAvxBackend: BackendFactory = {
  name: BACKEND_NAME,
  priority: 100,
  probe,
  create(options?: CpuAvxOptions) {
    const load = loadAddon();
    if (!load.addon) throw new BackendUnavailableError(BACKEND_NAME, load.error);
    const cpu = load.addon.cpuInfo();
    return new CpuAvxBackend(load.addon, cpu, { kind: 'cpu', name: cpu.model, memoryBytes: os.totalmem() }, options);
  },
};

registerBackend(cpuAvxBackend);
export default cpuAvxBackend;
