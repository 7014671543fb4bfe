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
  /**
   * Q4_K/Q5_K/Q6_K's exact SIMD128 kernels as a loop over sub-blocks instead of one unrolled body:
   * 1.4-1.8x faster on V8 before 12 (Node 20), whose optimizing compiler handles the long body
   * poorly, and 1.2-1.3x slower on V8 15 (Chromium, Deno). Default: on where the runtime reports V8 < 12
   * (IX_WASM_COMPACT_LOOPS=1|0 overrides); off in browsers and elsewhere.
   */
  compactLoops?: boolean;
}

export interface ResolvedWasmOptions {
  isa: WasmIsa;
  accuracy: Accuracy;
  /** threads asked for; the backend may run fewer (see WasmBackend.device) */
  threads: number;
  compactLoops: boolean;
}

type Env = Record<string, string | undefined>;

/** Options win over the environment (IX_WASM_ISA, IX_WASM_ACCURACY, IX_THREADS, IX_WASM_COMPACT_LOOPS), which wins over the defaults. */
export function resolveOptions(isas: readonly string[], options: WasmOptions = {}, env: Env = {}, defaultThreads = 1): ResolvedWasmOptions {
  const isa = (options.isa ?? (env.IX_WASM_ISA || undefined) ?? isas[0] ?? 'scalar') as string;
  if (isa !== 'wasm-simd128' && isa !== 'scalar') throw new InvalidArgumentError(`wasm: unknown ISA "${isa}" (expected wasm-simd128 or scalar)`);
  if (!isas.includes(isa)) throw new InvalidArgumentError(`wasm: ISA ${isa} is not in this build (${isas.join(', ')})`);
  const accuracy = (options.accuracy ?? (env.IX_WASM_ACCURACY || undefined) ?? 'exact') as string;
  if (accuracy !== 'exact' && accuracy !== 'fast') throw new InvalidArgumentError(`wasm: accuracy must be 'exact' or 'fast', got "${accuracy}"`);
  const threads = options.threads ?? (env.IX_THREADS ? Number(env.IX_THREADS) : defaultThreads);
  if (!Number.isInteger(threads) || threads < 1 || threads > 256) throw new InvalidArgumentError(`wasm: threads must be an integer in 1..256, got ${String(options.threads ?? env.IX_THREADS)}`);
  const loops = env.IX_WASM_COMPACT_LOOPS || undefined;
  if (loops !== undefined && loops !== '0' && loops !== '1') throw new InvalidArgumentError(`wasm: IX_WASM_COMPACT_LOOPS must be 0 or 1, got "${loops}"`);
  const compactLoops = options.compactLoops ?? (loops === undefined ? v8Before12() : loops === '1');
  return { isa, accuracy, threads, compactLoops };
}

/** does this runtime report a V8 older than 12 (Node 20 and before)? Browsers report none: false. */
function v8Before12(): boolean {
  const v8 = (globalThis as { process?: { versions?: { v8?: string } } }).process?.versions?.v8;
  return v8 !== undefined && Number(v8.split('.')[0]) < 12;
}
