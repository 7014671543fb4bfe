import { InvalidArgumentError, type BackendOptions } from '@ix/core';

export interface VulkanOptions extends BackendOptions {
  /** physical device index (see probe().details.devices); default: the best usable one (or IX_VULKAN_DEVICE) */
  device?: number;
  /** the Vulkan loader library; default libvulkan.so.1 (or IX_VULKAN_LIBRARY) */
  library?: string;
  /** host-visible staging buffer through which uploads and downloads pass, in chunks; default 16 MiB */
  stagingBytes?: number;
  /** cap on one buffer binding, below the device's maxStorageBufferRange (tests use it to force row chunking) */
  maxBindingBytes?: number;
}

export interface ResolvedOptions {
  device: number | undefined;
  library: string;
  stagingBytes: number;
  maxBindingBytes: number | undefined;
}

type Env = Record<string, string | undefined>;

const DEFAULT_STAGING = 16 << 20;

/** Options win over the environment, which wins over the defaults. */
export function resolveOptions(options: VulkanOptions = {}, env: Env = process.env): ResolvedOptions {
  const deviceRaw = options.device ?? (env.IX_VULKAN_DEVICE ? Number(env.IX_VULKAN_DEVICE) : undefined);
  if (deviceRaw !== undefined && (!Number.isInteger(deviceRaw) || deviceRaw < 0)) {
    throw new InvalidArgumentError(`vulkan: device must be a non-negative integer index, got ${String(options.device ?? env.IX_VULKAN_DEVICE)}`);
  }
  const library = options.library ?? env.IX_VULKAN_LIBRARY ?? '';
  if (typeof library !== 'string') throw new InvalidArgumentError('vulkan: library must be a path string');
  const stagingBytes = options.stagingBytes ?? DEFAULT_STAGING;
  if (!Number.isSafeInteger(stagingBytes) || stagingBytes < 4096 || stagingBytes % 4 !== 0) {
    throw new InvalidArgumentError(`vulkan: stagingBytes must be a multiple of 4, at least 4096, got ${stagingBytes}`);
  }
  const maxBindingBytes = options.maxBindingBytes;
  if (maxBindingBytes !== undefined && (!Number.isSafeInteger(maxBindingBytes) || maxBindingBytes < 1024)) {
    throw new InvalidArgumentError(`vulkan: maxBindingBytes must be an integer of at least 1024, got ${maxBindingBytes}`);
  }
  return { device: deviceRaw, library, stagingBytes, maxBindingBytes };
}
