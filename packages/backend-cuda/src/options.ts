import { InvalidArgumentError, type BackendOptions } from '@ix/core';

/**
 * Accuracy of prefill matmuls: 'exact' keeps activations and decoded weights in float32 (float32
 * tiles); 'fast' rounds both to f16 for tensor-core tiles. Decode (8 rows or fewer) is float32 in both.
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
  /** plan runs of nodes as one launch (norm·weight, matmul + residual, gate/up/swiglu); default true (IX_CUDA_FUSE=0 turns it off) */
  fuse?: boolean;
}

export interface ResolvedOptions {
  accuracy: Accuracy;
  device: number | undefined;
  library: string;
  stagingBytes: number;
  graphs: boolean;
  fuse: boolean;
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
  const graphs = switchOption('graphs', options.graphs, 'IX_CUDA_GRAPHS', env);
  const fuse = switchOption('fuse', options.fuse, 'IX_CUDA_FUSE', env);
  const accuracy = (options.accuracy ?? (env.IX_CUDA_ACCURACY || undefined) ?? 'exact') as string;
  if (accuracy !== 'exact' && accuracy !== 'fast') throw new InvalidArgumentError(`cuda: accuracy must be 'exact' or 'fast', got "${accuracy}"`);
  return { accuracy, device: deviceRaw, library, stagingBytes, graphs, fuse };
}

/** An on/off setting, on by default: the option, else the variable (0 or 1). */
function switchOption(name: string, option: boolean | undefined, variable: string, env: Env): boolean {
  const raw = env[variable];
  if (raw !== undefined && raw !== '0' && raw !== '1') throw new InvalidArgumentError(`cuda: ${variable} must be 0 or 1, got "${raw}"`);
  const on = option ?? raw !== '0';
  if (typeof on !== 'boolean') throw new InvalidArgumentError(`cuda: ${name} must be a boolean`);
  return on;
}
