import { fileURLToPath } from 'node:url';

import { loadNativeAddon, type NativeLoad } from '@ix/native-common';

/** A CUDA device as native/device.cpp reports it. */
export interface NativeDevice {
  index: number;
  name: string;
  /** "9.0" */
  computeCapability: string;
  multiprocessors: number;
  memoryBytes: number;
  memoryBusBits: number;
  memoryClockKHz: number;
  /** the driver's CUDA version, e.g. 13000 */
  driverVersion: number;
  /** why ix cannot use this device, when it cannot */
  unusable?: string;
}

/** A compiled split (native/program.h): run() enqueues it, from the second run on as a CUDA graph. */
export interface NativeProgram {
  run(positions: Uint32Array): void;
  launches(): number;
  graphed(): boolean;
  dispose(): void;
}

/** The Context class of native/addon.cpp: one device, its stream, buffers and programs. */
export interface NativeContext {
  allocate(byteLength: number): number;
  free(id: number): void;
  upload(id: number, byteOffset: number, data: Uint8Array): void;
  download(id: number, byteOffset: number, byteLength: number): Uint8Array;
  downloadInto(id: number, byteOffset: number, target: Uint8Array): void;
  compile(program: Uint32Array, positionCount: number, graphs: boolean): NativeProgram;
  synchronize(): void;
  device(): NativeDevice;
  liveBuffers(): number;
  dispose(): void;
}

export interface NativeAddon {
  /** every device the driver shows; throws with the reason when there is no driver */
  probe(library: string): NativeDevice[];
  kernelNames(): string[];
  /** the kernels' weight decoding run on the host (for tests without a GPU) */
  hostDequantize(type: number, data: Uint8Array, count: number): Float32Array;
  Context: new (library: string, deviceIndex: number, stagingBytes: number) => NativeContext;
}

export type AddonLoad = { addon: NativeAddon; file: string; error?: undefined } | { addon?: undefined; file?: undefined; error: string };

/** The package folder (src/ and dist/ sit one below it): its source build or its prebuild for this platform. */
export const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
export const ADDON_NAME = 'ix_cuda';

/** A loaded module is the addon, unless it is the stub built without nvcc, which says what was missing. */
export function checkStub(load: NativeLoad<Partial<NativeAddon> & { stubReason?: string }>): AddonLoad {
  if (!load.addon) return { error: load.error };
  if (load.addon.stubReason !== undefined) return { error: `the native addon was ${load.addon.stubReason}` };
  return { addon: load.addon as NativeAddon, file: load.file };
}

let cached: AddonLoad | undefined;

export function loadAddon(): AddonLoad {
  return (cached ??= checkStub(loadNativeAddon(PACKAGE_DIR, ADDON_NAME)));
}
