import { fileURLToPath } from 'node:url';

import { loadNativeAddon, type NativeLoad } from '@ix/native-common';

/** A physical device as native/probe.cpp reports it. */
export interface NativeDevice {
  index: number;
  name: string;
  type: 'discrete' | 'integrated' | 'virtual' | 'cpu' | 'other';
  apiVersion: string;
  driver: string;
  vendorId: number;
  deviceId: number;
  memoryBytes: number;
  subgroupSize: number;
  maxStorageBufferRange: number;
  minStorageBufferOffsetAlignment: number;
  maxMemoryAllocationSize: number;
  maxComputeWorkGroupCount: [number, number, number];
  maxComputeSharedMemorySize: number;
  features: string[];
  /** why ix cannot use this device, when it cannot */
  unusable?: string;
}

/** The Context class of native/addon.cpp: one logical device. */
export interface NativeContext {
  allocate(byteLength: number): number;
  free(id: number): void;
  upload(id: number, byteOffset: number, data: Uint8Array): void;
  download(id: number, byteOffset: number, byteLength: number): Uint8Array;
  /** record a program (src/program.ts) into one command buffer, submit it once and wait */
  run(program: Uint32Array): void;
  device(): NativeDevice;
  liveBuffers(): number;
  /** queue submissions so far */
  submits(): number;
  dispose(): void;
}

export interface NativeAddon {
  /** every physical device; throws with the reason when there is no loader or driver */
  probe(library: string): NativeDevice[];
  shaderNames(): string[];
  Context: new (library: string, deviceIndex: number, stagingBytes: number) => NativeContext;
}

export type AddonLoad = { addon: NativeAddon; file: string; error?: undefined } | { addon?: undefined; file?: undefined; error: string };

/** The package folder (src/ and dist/ sit one below it): its source build or its prebuild for this platform. */
export const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
export const ADDON_NAME = 'ix_vulkan';

/** A loaded module is the addon, unless it is the stub built without Vulkan headers or glslc, which says what was missing. */
export function checkStub(load: NativeLoad<Partial<NativeAddon> & { stubReason?: string }>): AddonLoad {
  if (!load.addon) return { error: load.error };
  if (load.addon.stubReason !== undefined) return { error: `the native addon was ${load.addon.stubReason}` };
  return { addon: load.addon as NativeAddon, file: load.file };
}

let cached: AddonLoad | undefined;

export function loadAddon(): AddonLoad {
  return (cached ??= checkStub(loadNativeAddon(PACKAGE_DIR, ADDON_NAME)));
}
