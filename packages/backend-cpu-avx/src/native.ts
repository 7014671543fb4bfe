import { createRequire } from 'node:module';

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

export type Isa = 'avx512' | 'avx2' | 'scalar';
export const ISAS: readonly Isa[] = ['avx512', 'avx2', 'scalar'];

export interface NativeContext {
  allocate(byteLength: number): number;
  free(id: number): void;
  upload(id: number, byteOffset: number, data: Uint8Array): void;
  download(id: number, byteOffset: number, byteLength: number): Uint8Array;
  downloadInto(id: number, byteOffset: number, target: Uint8Array): void;
  mapFile(path: string, byteOffset: number, byteLength: number): number;
  madvise(id: number, byteOffset: number, byteLength: number, advice: 'willneed' | 'dontneed'): void;
  compute(program: Float64Array): void;
  setExpertBudget(bytes: number): void;
  /** tensors: [buffer id, hits, misses, bytes read] per tracked expert tensor */
  expertStats(): { resident: number; budget: number; tensors: [number, number, number, number][] };
  dispose(): void;
}

export interface NativeAddon {
  cpuInfo(): NativeCpuInfo;
  Context: new (isa: Isa, threads: number, fast: boolean, repack?: boolean) => NativeContext;
}

export type AddonLoad = { addon: NativeAddon; error?: undefined } | { addon?: undefined; error: string };

/** Where cmake-js puts the addon: build/Release, beside src/ and dist/. */
export const ADDON_PATH = '../build/Release/ix_cpu_avx.node';

/** Load an addon file, reporting (never throwing) why it cannot be used. */
export function loadAddonFrom(file: string): AddonLoad {
  try {
    return { addon: createRequire(import.meta.url)(file) as NativeAddon };
  } catch (err) {
    return { error: `native addon not built or failed to load (run the package's build): ${err instanceof Error ? err.message : String(err)}` };
  }
}

let cached: AddonLoad | undefined;

export function loadAddon(): AddonLoad {
  return (cached ??= loadAddonFrom(ADDON_PATH));
}
