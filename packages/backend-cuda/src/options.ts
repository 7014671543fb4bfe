import { InvalidArgumentError, type BackendOptions } from '@ix/core';

/**
 * Accuracy of prefill matmuls: 'exact' keeps activations and decoded weights in float32 (the matvec
 * kernel over 8 activation rows at a time); 'fast' rounds both to f16 for tensor-core tiles. Decode
 * (8 rows or fewer) is float32 in both.
 */
export type Accuracy = 'exact' | 'fast';

export interface CudaOptions extends BackendOptions {
  /** default 'exact' (or IX_CUDA_ACCURACY) */
  accuracy?: Accuracy;
  /** device index (see probe().details.devices); default: the first usable one (or IX_CUDA_DEVICE) */
  device?: number;
  /** the driver library; default libcuda.so.1 (or IX_CUDA_LIBRARY) */
  library?: string;
  /** pinned host buffer through which uploads and downloads pass, in chunks; default 16 MiB */
  stagingBytes?: number;
  /** replay a split that runs again as a CUDA graph; default true (IX_CUDA_GRAPHS=0 turns it off) */
  graphs?: boolean;
}

export interface ResolvedOptions {
  accuracy: Accuracy;
  device: number | undefined;
  library: string;
  stagingBytes: number;
  graphs: boolean;
}

type Env = Record<string, string | undefined>;

const DEFAULT_STAGING = 16 << 20;

/** Options win over the environment, which wins over the defaults. */
export function resolveOptions(options: CudaOptions = {}, env: Env = process.env): ResolvedOptions {
  const deviceRaw = options.device ?? (env.IX_CUDA_DEVICE ? Number(env.IX_CUDA_DEVICE) : undefined);
  if (deviceRaw !== undefined && (!Number.isInteger(deviceRaw) || deviceRaw < 0)) {
    throw new InvalidArgumentError(`cuda: device must be a non-negative integer index, got ${String(options.device ?? env.IX_CUDA_DEVICE)}`);
  }
  const library = options.library ?? env.IX_CUDA_LIBRARY ?? '';
  if (typeof library !== 'string') throw new InvalidArgumentError('cuda: library must be a path string');
  const stagingBytes = options.stagingBytes ?? DEFAULT_STAGING;
  if (!Number.isSafeInteger(stagingBytes) || stagingBytes < 4096) {
    throw new InvalidArgumentError(`cuda: stagingBytes must be an integer of at least 4096, got ${stagingBytes}`);
  }
  const graphsEnv = env.IX_CUDA_GRAPHS;
  if (graphsEnv !== undefined && graphsEnv !== '0' && graphsEnv !== '1') throw new InvalidArgumentError(`cuda: IX_CUDA_GRAPHS must be 0 or 1, got "${graphsEnv}"`);
  const graphs = options.graphs ?? graphsEnv !== '0';
  if (typeof graphs !== 'boolean') throw new InvalidArgumentError('cuda: graphs must be a boolean');
  const accuracy = (options.accuracy ?? (env.IX_CUDA_ACCURACY || undefined) ?? 'exact') as string;
  if (accuracy !== 'exact' && accuracy !== 'fast') throw new InvalidArgumentError(`cuda: accuracy must be 'exact' or 'fast', got "${accuracy}"`);
  return { accuracy, device: deviceRaw, library, stagingBytes, graphs };
}
