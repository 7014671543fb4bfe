import os from 'node:os';

import { BackendUnavailableError, registerBackend, type BackendFactory } from '@ix/core';

import { BACKEND_NAME, CpuAvxBackend } from './backend.js';
import { loadAddon } from './native.js';
import type { CpuAvxOptions } from './options.js';
import { probeWith } from './probe.js';

export { CpuAvxBackend, CpuAvxBuffer, type Advice } from './backend.js';
export { memoryReadBandwidth, type ReadBandwidthOptions } from './bandwidth.js';
export type { Accuracy, CpuAvxOptions } from './options.js';
export type { Isa } from './native.js';
export { WEIGHT_DTYPES, SUPPORTED_OPS } from '@ix/cpu-engine';

export const cpuAvxBackend: BackendFactory = {
  name: BACKEND_NAME,
  priority: 100,
  probe: () => probeWith(loadAddon()),
  create(options?: CpuAvxOptions) {
    const load = loadAddon();
    if (!load.addon) throw new BackendUnavailableError(BACKEND_NAME, load.error);
    const cpu = load.addon.cpuInfo();
    return new CpuAvxBackend(load.addon, cpu, { kind: 'cpu', name: cpu.model, memoryBytes: os.totalmem() }, options);
  },
};

registerBackend(cpuAvxBackend);
export default cpuAvxBackend;
