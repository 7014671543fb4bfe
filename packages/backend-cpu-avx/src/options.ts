import { InvalidArgumentError, type BackendOptions } from '@ix/core';

import { ISAS, type Isa, type NativeCpuInfo } from './native.js';

/** Accuracy of matmul: 'exact' keeps activations f32; 'fast' quantizes them to 8 bits (Q8_0/Q8_K) like llama.cpp. */
export type Accuracy = 'exact' | 'fast';

export interface CpuAvxOptions extends BackendOptions {
  /** worker threads including the caller; default: physical cores (or IX_THREADS) */
  threads?: number;
  /** force a kernel path; default: the best the CPU has (or IX_CPU_ISA) */
  isa?: Isa;
  /** default 'exact' (or IX_CPU_ACCURACY) */
  accuracy?: Accuracy;
  /** repack file-mapped weights for the fast kernels (default true; IX_CPU_REPACK=0 turns it off) */
  repack?: boolean;
}

export interface ResolvedOptions {
  isa: Isa;
  threads: number;
  accuracy: Accuracy;
  repack: boolean;
  /** bytes of file-mapped experts kept resident (0: no bound) */
  expertMemory: number;
}

type Env = Record<string, string | undefined>;

/** Options win over the environment, which wins over the defaults. Throws on values the CPU cannot honour. */
export function resolveOptions(cpu: NativeCpuInfo, options: CpuAvxOptions = {}, env: Env = process.env): ResolvedOptions {
  const isa = (options.isa ?? (env.IX_CPU_ISA || undefined) ?? cpu.bestIsa) as string;
  if (!ISAS.includes(isa as Isa)) throw new InvalidArgumentError(`cpu-avx: unknown ISA "${isa}" (expected ${ISAS.join(', ')})`);
  if (!cpu.isas.includes(isa as Isa)) {
    throw new InvalidArgumentError(`cpu-avx: ISA ${isa} was requested but this CPU (${cpu.model}) supports only ${cpu.isas.join(', ')}`);
  }
  const threadsRaw = options.threads ?? (env.IX_THREADS ? Number(env.IX_THREADS) : cpu.physicalCores);
  if (!Number.isInteger(threadsRaw) || threadsRaw < 1 || threadsRaw > 1024) {
    throw new InvalidArgumentError(`cpu-avx: threads must be an integer in 1..1024, got ${String(options.threads ?? env.IX_THREADS)}`);
  }
  const accuracy = (options.accuracy ?? (env.IX_CPU_ACCURACY || undefined) ?? 'exact') as string;
  if (accuracy !== 'exact' && accuracy !== 'fast') throw new InvalidArgumentError(`cpu-avx: accuracy must be 'exact' or 'fast', got "${accuracy}"`);
  const expertMemory = options.expertMemory ?? 0;
  if (!Number.isSafeInteger(expertMemory) || expertMemory < 0) throw new InvalidArgumentError(`cpu-avx: expertMemory must be a byte count, got ${String(options.expertMemory)}`);
  const repack = options.repack ?? env.IX_CPU_REPACK !== '0';
  if (typeof repack !== 'boolean') throw new InvalidArgumentError(`cpu-avx: repack must be true or false, got ${JSON.stringify(options.repack)}`);
  return { isa: isa as Isa, threads: threadsRaw, accuracy, repack, expertMemory };
}
