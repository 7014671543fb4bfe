import { errorLog as sharedErrorLog } from '@ix/kernel-testing';

import { vulkanBackend, type VulkanBackend, type VulkanOptions } from '../src/index.js';

/**
 * Whether this machine has a usable Vulkan device. Without one the device tests skip, printing why;
 * where lavapipe is installed (this machine, CI) they run. IX_VULKAN_REQUIRED=1 turns a skip into a failure.
 */
export const probe = await vulkanBackend.probe();
export const skipReason = probe.available ? undefined : `no usable Vulkan device: ${probe.reason}`;
if (skipReason) {
  if (process.env.IX_VULKAN_REQUIRED === '1') throw new Error(`IX_VULKAN_REQUIRED=1 but ${skipReason}`);
  console.warn(`[backend-vulkan] skipping device tests: ${skipReason}`);
}
export const hasDevice = !skipReason;

export function makeVulkan(options: VulkanOptions = {}): VulkanBackend {
  return vulkanBackend.create(options) as VulkanBackend;
}

export { bytesOf, expectClose, maxAbsErr, randomF32, reference, rng, runBoth, runOn, tensorOn, type Constant, type GraphBuilder } from '@ix/kernel-testing';

/** Errors recorded by tests, printed once at the end of a file for the report. */
export const errorLog = (title: string) => sharedErrorLog('backend-vulkan', title);
