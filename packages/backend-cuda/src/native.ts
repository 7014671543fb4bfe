import { createRequire } from 'node:module';

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

export type AddonLoad = { addon: NativeAddon; error?: undefined } | { addon?: undefined; error: string };

/** Where cmake-js puts the addon: build/Release, beside src/ and dist/. */
export const ADDON_PATH = '../build/Release/ix_cuda.node';

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
