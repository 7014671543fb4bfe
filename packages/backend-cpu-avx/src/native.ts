import { fileURLToPath } from 'node:url';

import { loadNativeAddon, type NativeLoad } from '@ix/native-common';

/** The shape of the Node-API addon (native/addon.cpp). */
export interface NativeCpuInfo {
  model: string;
  features: string[];
  physicalCores: number;
  logicalCores: number;
  bestIsa: Isa;
  /** ISAs this CPU can run, best first ('scalar' always) */
  isas: Isa[];
}

/** Kernel tables: x86-64 (AVX-512, AVX2), ARM64 (NEON with i8mm, with dotprod, baseline), portable. */
export type Isa = 'avx512' | 'avx2' | 'neon-i8mm' | 'neon-dotprod' | 'neon' | 'scalar';
export const ISAS: readonly Isa[] = ['avx512', 'avx2', 'neon-i8mm', 'neon-dotprod', 'neon', 'scalar'];

export interface NativeContext {
  allocate(byteLength: number): number;
  free(id: number): void;
  upload(id: number, byteOffset: number, data: Uint8Array): void;
  download(id: number, byteOffset: number, byteLength: number): Uint8Array;
  downloadInto(id: number, byteOffset: number, target: Uint8Array): void;
  mapFile(path: string, byteOffset: number, byteLength: number): number;
  madvise(id: number, byteOffset: number, byteLength: number, advice: 'willneed' | 'dontneed'): void;
  release(id: number): void;
  compute(program: Float64Array): void;
  setExpertBudget(bytes: number): void;
  /** tensors: [buffer id, hits, misses, bytes read] per tracked expert tensor */
  expertStats(): { resident: number; budget: number; tensors: [number, number, number, number][] };
  dispose(): void;
}

export interface NativeAddon {
  cpuInfo(): NativeCpuInfo;
  /** bytes per second of `threads` threads reading a `bytes` buffer at once, the best of `runs` (read_bandwidth.h) */
  readBandwidth(bytes: number, threads: number, runs: number): number;
  Context: new (isa: Isa, threads: number, fast: boolean, repack?: boolean) => NativeContext;
}

export type AddonLoad = NativeLoad<NativeAddon>;

/** The package folder (src/ and dist/ sit one below it): its source build or its prebuild for this platform. */
export const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
export const ADDON_NAME = 'ix_cpu_avx';

let cached: AddonLoad | undefined;

export function loadAddon(): AddonLoad {
  return (cached ??= loadNativeAddon<NativeAddon>(PACKAGE_DIR, ADDON_NAME));
}
