import type { DeviceInfo } from '@ix/core';

import type { AddonLoad, NativeDevice } from './native.js';

export type DeviceList = { devices: NativeDevice[]; error?: undefined } | { devices?: undefined; error: string };

/** Enumerate devices through the addon; any failure (no driver, no device) becomes a reason. */
export function listDevices(load: AddonLoad, library: string): DeviceList {
  if (!load.addon) return { error: load.error };
  try {
    return { devices: load.addon.probe(library) };
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}

export type DevicePick = { device: NativeDevice; error?: undefined } | { device?: undefined; error: string };

/** The forced device, or the first usable one. */
export function pickDevice(devices: readonly NativeDevice[], forced?: number): DevicePick {
  if (forced !== undefined) {
    const d = devices[forced];
    if (!d) return { error: `CUDA device ${forced} was requested but there are ${devices.length}` };
    return d.unusable ? { error: `CUDA device ${forced} (${d.name}): ${d.unusable}` } : { device: d };
  }
  if (devices.length === 0) return { error: 'the NVIDIA driver found no CUDA device' };
  const usable = devices.find((d) => !d.unusable);
  if (!usable) return { error: `no usable CUDA device: ${devices.map((d) => `${d.name}: ${d.unusable}`).join('; ')}` };
  return { device: usable };
}

export function deviceInfo(d: NativeDevice): DeviceInfo {
  return { kind: 'gpu', name: d.name, memoryBytes: d.memoryBytes };
}

/** Peak memory bandwidth from the bus width and clock (double data rate), bytes per second. */
export function peakBandwidth(d: NativeDevice): number {
  return 2 * d.memoryClockKHz * 1000 * (d.memoryBusBits / 8);
}
