import { InvalidArgumentError } from '@ix/core';

export type WasmIsa = 'wasm-simd128' | 'scalar';
export type Accuracy = 'exact' | 'fast';

export interface WasmOptions {
  /** kernel table: SIMD128 (default) or the portable scalar kernels, for comparisons */
  isa?: WasmIsa;
  /** 'exact' keeps f32 activations; 'fast' quantizes them to 8 bits as llama.cpp does */
  accuracy?: Accuracy;
  /** one thread for now (WebAssembly threads need a cross-origin isolated page and workers) */
  threads?: number;
}

export interface ResolvedWasmOptions {
  isa: WasmIsa;
  accuracy: Accuracy;
  threads: 1;
}

type Env = Record<string, string | undefined>;

/** Options win over the environment (IX_WASM_ISA, IX_WASM_ACCURACY), which wins over the defaults. */
export function resolveOptions(isas: readonly string[], options: WasmOptions = {}, env: Env = {}): ResolvedWasmOptions {
  const isa = (options.isa ?? (env.IX_WASM_ISA || undefined) ?? isas[0] ?? 'scalar') as string;
  if (isa !== 'wasm-simd128' && isa !== 'scalar') throw new InvalidArgumentError(`wasm: unknown ISA "${isa}" (expected wasm-simd128 or scalar)`);
  if (!isas.includes(isa)) throw new InvalidArgumentError(`wasm: ISA ${isa} is not in this build (${isas.join(', ')})`);
  const accuracy = (options.accuracy ?? (env.IX_WASM_ACCURACY || undefined) ?? 'exact') as string;
  if (accuracy !== 'exact' && accuracy !== 'fast') throw new InvalidArgumentError(`wasm: accuracy must be 'exact' or 'fast', got "${accuracy}"`);
  const threads = options.threads ?? 1;
  if (threads !== 1) throw new InvalidArgumentError(`wasm: only 1 thread is supported so far, got ${String(options.threads)}`);
  return { isa, accuracy, threads: 1 };
}
