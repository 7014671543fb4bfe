import { BackendUnavailableError, registerBackend, type BackendFactory, type BackendOptions, type ProbeResult } from '@ix/core';

import { BACKEND_NAME, WebGpuBackend } from './backend.js';
import { adapterFacts, adapterName, adapterShortfall, findGpu, type AdapterFacts } from './gpu.js';
import { SUPPORTED_OPS } from './ops.js';

export { WebGpuBackend, WebGpuBuffer } from './backend.js';
export type { AdapterFacts } from './gpu.js';
export { SUPPORTED_OPS, WEIGHT_DTYPES, supportsNode } from './ops.js';

/** Rank on a GPU: below the native Vulkan (200) and CUDA backends, above cpu-avx (100). */
const GPU_PRIORITY = 150;
/** Rank on a software adapter (SwiftShader, lavapipe): below wasm (10), above the JS reference (0). */
const SOFTWARE_PRIORITY = 5;

export interface WebGpuOptions extends BackendOptions {
  /** use subgroup operations where the adapter has them (default true) */
  subgroups?: boolean;
}

type Found = { adapter: GPUAdapter; facts: AdapterFacts; source: string } | { error: string; source: string };

async function findAdapter(): Promise<Found> {
  const found = await findGpu();
  if (!found.gpu) return { error: found.error ?? 'no WebGPU', source: found.source };
  const adapter = await found.gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) {
    return {
      source: found.source,
      error: 'no WebGPU adapter (no GPU driver Dawn can use; in CI point VK_ICD_FILENAMES at a SwiftShader ICD, e.g. Chromium\'s vk_swiftshader_icd.json)',
    };
  }
  const facts = adapterFacts(adapter);
  const short = adapterShortfall(facts);
  return short ? { error: short, source: found.source } : { adapter, facts, source: found.source };
}

export async function probeWebGpu(): Promise<ProbeResult> {
  const found = await findAdapter();
  if (!('adapter' in found)) {
    return { available: false, reason: found.error, device: { kind: 'gpu', name: 'no WebGPU adapter' }, features: [], ops: {}, details: { source: found.source } };
  }
  const f = found.facts;
  return {
    available: true,
    device: { kind: f.software ? 'cpu' : 'gpu', name: adapterName(f), memoryBytes: f.limits.maxBufferSize },
    features: f.features,
    ops: SUPPORTED_OPS,
    priority: f.software ? SOFTWARE_PRIORITY : GPU_PRIORITY,
    details: {
      source: found.source,
      vendor: f.vendor,
      architecture: f.architecture,
      software: f.software,
      ...Object.fromEntries(Object.entries(f.limits)),
    },
  };
}

export const webgpuBackend: BackendFactory = {
  name: BACKEND_NAME,
  priority: GPU_PRIORITY,
  probe: probeWebGpu,
  /** options: `subgroups: false` (or IX_WEBGPU_SUBGROUPS=0) keeps the kernels off subgroup operations */
  async create(options?: WebGpuOptions) {
    const found = await findAdapter();
    if (!('adapter' in found)) throw new BackendUnavailableError(BACKEND_NAME, found.error);
    const { adapter, facts } = found;
    const limit = (k: keyof GPUSupportedLimits) => adapter.limits[k] as number;
    const env = typeof process !== 'undefined' ? process.env : {};
    const subgroups = adapter.features.has('subgroups') && options?.subgroups !== false && env.IX_WEBGPU_SUBGROUPS !== '0';
    const device = await adapter.requestDevice({
      label: 'ix',
      requiredFeatures: subgroups ? ['subgroups' as GPUFeatureName] : [],
      requiredLimits: {
        maxBufferSize: limit('maxBufferSize'),
        maxStorageBufferBindingSize: limit('maxStorageBufferBindingSize'),
        maxStorageBuffersPerShaderStage: limit('maxStorageBuffersPerShaderStage'),
        maxComputeWorkgroupStorageSize: limit('maxComputeWorkgroupStorageSize'),
      },
    });
    return new WebGpuBackend(device, facts);
  },
};

registerBackend(webgpuBackend);
export default webgpuBackend;
