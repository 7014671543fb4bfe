import type { ProbeResult } from '@ix/core';

import { deviceInfo, listDevices, pickDevice } from './devices.js';
import type { AddonLoad } from './native.js';
import { SUPPORTED_OPS } from './ops.js';
import { resolveOptions } from './options.js';

/** Probe without side effects: a Vulkan instance is created to enumerate devices and destroyed again. */
export function probeWith(load: AddonLoad, env: Record<string, string | undefined> = process.env): ProbeResult {
  const unknown = { kind: 'gpu' as const, name: 'no Vulkan device' };
  let settings;
  try {
    settings = resolveOptions({}, env);
  } catch (err) {
    return { available: false, reason: err instanceof Error ? err.message : String(err), device: unknown, features: [], ops: {} };
  }
  const list = listDevices(load, settings.library);
  if (!list.devices) return { available: false, reason: list.error, device: unknown, features: [], ops: {} };
  const pick = pickDevice(list.devices, settings.device);
  if (!pick.device) return { available: false, reason: pick.error, device: unknown, features: [], ops: {}, details: { devices: list.devices.length } };
  const d = pick.device;
  return {
    available: true,
    device: deviceInfo(d),
    features: d.features,
    ops: SUPPORTED_OPS,
    details: {
      deviceIndex: d.index,
      deviceType: d.type,
      // the source build of this checkout, or the prebuild shipped for this platform
      ...(load.file ? { addon: load.file } : {}),
      devices: list.devices.length,
      apiVersion: d.apiVersion,
      driver: d.driver,
      subgroupSize: d.subgroupSize,
      maxStorageBufferRange: d.maxStorageBufferRange,
      maxMemoryAllocationSize: d.maxMemoryAllocationSize,
    },
  };
}
