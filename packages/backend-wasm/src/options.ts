import { InvalidArgumentError } from '@ix/core';

export type WasmIsa = 'wasm-simd128' | 'scalar';
export type Accuracy = 'exact' | 'fast';

export interface WasmOptions {
  /** kernel table: SIMD128 (default) or the portable scalar kernels, for comparisons */
  isa?: WasmIsa;
  /**
   * 'exact': products as exact as f32 (activations as two 16-bit planes for the block types);
   * 'fast': activations quantized to 16 bits (llama.cpp's kernels: 8), Q2_K/Q3_K to 8
   */
  accuracy?: Accuracy;
  /**
   * threads including the calling one (default: physical cores, IX_THREADS). More than one runs the
   * threaded module on workers; where it cannot run (no SharedArrayBuffer: a page that is not
   * cross-origin isolated; no SIMD128) the backend runs one thread and says why in its device name.
   */
  threads?: number;
}

export interface ResolvedWasmOptions {
  isa: WasmIsa;
  accuracy: Accuracy;
  /** threads asked for; the backend may run fewer (see WasmBackend.device) */
  threads: number;
}

type Env = Record<string, string | undefined>;

/** Options win over the environment (IX_WASM_ISA, IX_WASM_ACCURACY, IX_THREADS), which wins over the defaults. */
export function resolveOptions(isas: readonly string[], options: WasmOptions = {}, env: Env = {}, defaultThreads = 1): ResolvedWasmOptions {
  const isa = (options.isa ?? (env.IX_WASM_ISA || undefined) ?? isas[0] ?? 'scalar') as string;
  if (isa !== 'wasm-simd128' && isa !== 'scalar') throw new InvalidArgumentError(`wasm: unknown ISA "${isa}" (expected wasm-simd128 or scalar)`);
  if (!isas.includes(isa)) throw new InvalidArgumentError(`wasm: ISA ${isa} is not in this build (${isas.join(', ')})`);
  const accuracy = (options.accuracy ?? (env.IX_WASM_ACCURACY || undefined) ?? 'exact') as string;
  if (accuracy !== 'exact' && accuracy !== 'fast') throw new InvalidArgumentError(`wasm: accuracy must be 'exact' or 'fast', got "${accuracy}"`);
  const threads = options.threads ?? (env.IX_THREADS ? Number(env.IX_THREADS) : defaultThreads);
  if (!Number.isInteger(threads) || threads < 1 || threads > 256) throw new InvalidArgumentError(`wasm: threads must be an integer in 1..256, got ${String(options.threads ?? env.IX_THREADS)}`);
  return { isa, accuracy, threads };
}
