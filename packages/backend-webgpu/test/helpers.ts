import { errorLog as sharedErrorLog } from '@ix/kernel-testing';

import { webgpuBackend, type WebGpuBackend } from '../src/index.js';

/**
 * Whether this machine has a WebGPU adapter. CI has no GPU: vitest.config.ts points Dawn at
 * SwiftShader's Vulkan driver (Debian's chromium package). Without an adapter the device tests skip,
 * printing why; IX_WEBGPU_REQUIRED=1 turns a skip into a failure.
 */
export const probe = await webgpuBackend.probe();
export const skipReason = probe.available ? undefined : `no usable WebGPU adapter: ${probe.reason}`;
if (skipReason) {
  if (process.env.IX_WEBGPU_REQUIRED === '1') throw new Error(`IX_WEBGPU_REQUIRED=1 but ${skipReason}`);
  console.warn(`[backend-webgpu] skipping device tests: ${skipReason}`);
}
export const hasDevice = !skipReason;

/** A device for this test file (creation is asynchronous; the shared suites want it made already). */
export const device: WebGpuBackend = hasDevice ? ((await webgpuBackend.create()) as WebGpuBackend) : undefined!;

/**
 * The kernels' two reduction paths where the adapter has subgroups (SwiftShader does): through
 * subgroup operations (the default) and without them (what an adapter without subgroups runs).
 */
export const variants: [string, WebGpuBackend][] = !hasDevice
  ? []
  : device.subgroups
    ? [['subgroups', device], ['no subgroups', (await webgpuBackend.create({ subgroups: false })) as WebGpuBackend]]
    : [['no subgroups', device]];

export { expectClose, randomF32, rng, runBoth, runOn } from '@ix/kernel-testing';

/** Errors recorded by tests, printed once at the end of a file for the report. */
export const errorLog = (title: string) => sharedErrorLog('backend-webgpu', title);
