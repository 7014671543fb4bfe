import { InvalidArgumentError, ModelFormatError, type BackendBuffer, type DeviceInfo, type ExpertResidency, type Tensor } from '@ix/core';
import { EngineBackend, EngineBuffer } from '@ix/cpu-engine';

import type { NativeAddon, NativeContext, NativeCpuInfo } from './native.js';
import { resolveOptions, type CpuAvxOptions, type ResolvedOptions } from './options.js';

export const BACKEND_NAME = 'cpu-avx';

/** A native allocation or read-only file mapping owned by one CpuAvxBackend. */
export { EngineBuffer as CpuAvxBuffer };

export type Advice = 'willneed' | 'dontneed';

/**
 * The native CPU backend: the CPU engine (@ix/cpu-engine) as a Node-API addon, with what only a
 * native process has: weights mapped from files, page advice, and mixture-of-experts residency.
 */
export class CpuAvxBackend extends EngineBackend<NativeContext> {
  readonly settings: ResolvedOptions;

  constructor(addon: NativeAddon, cpu: NativeCpuInfo, device: DeviceInfo, options: CpuAvxOptions = {}) {
    const settings = resolveOptions(cpu, options);
    super(BACKEND_NAME, device, () => new addon.Context(settings.isa, settings.threads, settings.accuracy === 'fast', settings.repack));
    this.settings = settings;
    if (settings.expertMemory) this.native(() => this.context().setExpertBudget(settings.expertMemory));
  }

  /** Memory-map `byteLength` bytes of a file at `byteOffset`, read-only and shared (no copy). */
  mapFile(path: string, byteOffset: number, byteLength: number): BackendBuffer {
    if (typeof path !== 'string' || !path) throw new InvalidArgumentError('mapFile: path must be a non-empty string');
    this.checkCount('mapFile: byteOffset', byteOffset);
    this.checkCount('mapFile: byteLength', byteLength);
    let id: number;
    try {
      id = this.context().mapFile(path, byteOffset, byteLength);
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      throw new ModelFormatError(path, msg.startsWith(`${path}: `) ? msg.slice(path.length + 2) : msg, { cause: err });
    }
    return this.track(new EngineBuffer(this, id, byteLength, true));
  }

  expertResidency(): ExpertResidency {
    const { resident, budget, tensors } = this.native(() => this.context().expertStats());
    const byBuffer = new Map(tensors.map(([id, hits, misses, bytesRead]) => [id, { hits, misses, bytesRead }]));
    return {
      budget,
      resident,
      // a mapped tensor is a buffer of its own (mapFile), so its buffer names it
      use: (t: Tensor) => {
        const b = this.mine(t);
        return b ? byBuffer.get(b.id) : undefined;
      },
      bounds: (t: Tensor) => this.mine(t)?.readonly === true,
    };
  }

  /** Give back what this backend holds for a weight beyond its buffer: its repacked copy and, for a file mapping, its resident pages. */
  release(tensor: Tensor): void {
    const b = this.mine(tensor);
    if (b) this.native(() => this.context().release(b.id));
  }

  /** Hint the kernel about a region: prefetch ('willneed') or drop cached file pages ('dontneed', mappings only). */
  madvise(buffer: BackendBuffer, byteOffset: number, byteLength: number, advice: Advice): void {
    const b = this.own(buffer);
    this.native(() => this.context().madvise(b.id, byteOffset, byteLength, advice));
  }
}
