import type { ProbeResult } from '@ix/core';

import { deviceInfo, listDevices, peakBandwidth, pickDevice } from './devices.js';
import type { AddonLoad } from './native.js';
import { SUPPORTED_OPS } from './ops.js';
import { resolveOptions } from './options.js';

/** Probe without side effects beyond initialising the driver: no context, no allocation. */
export function probeWith(load: AddonLoad, env: Record<string, string | undefined> = process.env): ProbeResult {
  const unknown = { kind: 'gpu' as const, name: 'no CUDA device' };
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
    features: [`sm_${d.computeCapability.replace('.', '')}`, 'tensor-cores', ...(settings.graphs ? ['cuda-graphs'] : [])],
    ops: SUPPORTED_OPS,
    details: {
      accuracy: settings.accuracy,
      deviceIndex: d.index,
      // the source build of this checkout, or the prebuild shipped for this platform
      ...(load.file ? { addon: load.file } : {}),
      devices: list.devices.length,
      computeCapability: d.computeCapability,
      multiprocessors: d.multiprocessors,
      driverCudaVersion: `${Math.floor(d.driverVersion / 1000)}.${(d.driverVersion % 1000) / 10}`,
      peakBandwidthGBs: Math.round(peakBandwidth(d) / 1e9),
    },
  };
}
