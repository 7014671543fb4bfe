import type { DeviceInfo } from '@ix/core';

import type { AddonLoad, NativeDevice } from './native.js';

export type DeviceList = { devices: NativeDevice[]; error?: undefined } | { devices?: undefined; error: string };

/** Enumerate physical devices through the addon; any failure (no loader, no ICD) becomes a reason. */
export function listDevices(load: AddonLoad, library: string): DeviceList {
  if (!load.addon) return { error: load.error };
  try {
    return { devices: load.addon.probe(library) };
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}

const RANK: Record<NativeDevice['type'], number> = { discrete: 0, integrated: 1, virtual: 2, cpu: 3, other: 4 };

export type DevicePick = { device: NativeDevice; error?: undefined } | { device?: undefined; error: string };

/** The forced device, or the best usable one: discrete before integrated before virtual before CPU. */
export function pickDevice(devices: readonly NativeDevice[], forced?: number): DevicePick {
  if (forced !== undefined) {
    const d = devices[forced];
    if (!d) return { error: `Vulkan device ${forced} was requested but there are ${devices.length}` };
    return d.unusable ? { error: `Vulkan device ${forced} (${d.name}): ${d.unusable}` } : { device: d };
  }
  if (devices.length === 0) return { error: 'the Vulkan loader found no physical device' };
  const usable = devices.filter((d) => !d.unusable).sort((a, b) => RANK[a.type] - RANK[b.type] || a.index - b.index);
  if (!usable[0]) return { error: `no usable Vulkan device: ${devices.map((d) => `${d.name}: ${d.unusable}`).join('; ')}` };
  return { device: usable[0] };
}

export function deviceInfo(d: NativeDevice): DeviceInfo {
  return { kind: d.type === 'cpu' ? 'cpu' : 'gpu', name: d.name, memoryBytes: d.memoryBytes };
}

/** Below cpu-avx (100) on a CPU implementation such as lavapipe, above it on a real GPU. */
export function priorityOf(d: NativeDevice | undefined): number {
  return d && d.type !== 'cpu' ? 200 : 50;
}
