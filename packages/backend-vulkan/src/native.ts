import { createRequire } from 'node:module';

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

export type AddonLoad = { addon: NativeAddon; error?: undefined } | { addon?: undefined; error: string };

/** Where cmake-js puts the addon: build/Release, beside src/ and dist/. */
export const ADDON_PATH = '../build/Release/ix_vulkan.node';

/** Load an addon file, reporting (never throwing) why it cannot be used. */
export function loadAddonFrom(file: string): AddonLoad {
  let mod: Partial<NativeAddon> & { stubReason?: string };
  try {
    mod = createRequire(import.meta.url)(file);
  } catch (err) {
    return { error: `native addon not built or failed to load (run the package's build): ${err instanceof Error ? err.message : String(err)}` };
  }
  if (mod.stubReason !== undefined) return { error: `the native addon was ${mod.stubReason}` };
  return { addon: mod as NativeAddon };
}

let cached: AddonLoad | undefined;

export function loadAddon(): AddonLoad {
  return (cached ??= loadAddonFrom(ADDON_PATH));
}
