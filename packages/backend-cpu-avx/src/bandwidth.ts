import { BackendUnavailableError } from '@ix/core';

import { BACKEND_NAME } from './backend.js';
import { loadAddon } from './native.js';

export interface ReadBandwidthOptions {
  /** buffer size, far larger than the caches (default 512 MiB) */
  bytes?: number;
  /** passes; the best is reported (default 5) */
  runs?: number;
}

/**
 * The memory's read bandwidth in bytes per second: `threads` threads reading one buffer at once
 * with the CPU's widest loads. Decode reads every weight once per token, so this over a model's
 * bytes per token is its decode ceiling at that thread count.
 */
export function memoryReadBandwidth(threads: number, options: ReadBandwidthOptions = {}): number {
  const { bytes = 512 * 2 ** 20, runs = 5 } = options;
  if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`threads must be a positive integer, got ${threads}`);
  if (!Number.isInteger(runs) || runs < 1) throw new RangeError(`runs must be a positive integer, got ${runs}`);
  if (!Number.isSafeInteger(bytes) || bytes < 16 * 2 ** 20) throw new RangeError(`bytes must be an integer of at least 16 MiB, got ${bytes}`);
  const load = loadAddon();
  if (!load.addon) throw new BackendUnavailableError(BACKEND_NAME, load.error);
  return load.addon.readBandwidth(bytes, threads, runs);
}
