import { BackendUnavailableError, InvalidArgumentError, registerBackend, type BackendFactory, type BackendOptions, type ProbeResult } from '@ix/core';

import { BACKEND_NAME, NpuBackend } from './backend.js';
import { SUPPORTED_OPS } from './ops.js';
import { physicalCores } from './cores.js';
import { epTweak } from './ep-tweaks.js';
import { defaultCacheDir } from './model-cache.js';
import { epFacts, isNpuEp, loadOrt, type OrtModule } from './ort.js';

export { NpuBackend, NpuBuffer } from './backend.js';
export { epTweak, registerEpTweak, type EpTweak } from './ep-tweaks.js';
export { lowerSplit, type Feed, type Fetch, type Lowered, type LowerOptions } from './lower.js';
export { decodeModel, encodeModel } from './onnx-proto.js';
export { SUPPORTED_OPS, supportsNode } from './ops.js';
export { EP_PREFERENCE, NPU_EPS, epFacts, loadOrt, type OrtModule } from './ort.js';
export { matmulWeight } from './weights.js';

/** With an NPU EP: above the GPU backends (an NPU is what a user of this package wants used). */
const NPU_PRIORITY = 250;
/** ONNX Runtime's CPU EP alone: below cpu-avx (100) and wasm (10), above software WebGPU (5). */
const CPU_EP_PRIORITY = 8;

export interface NpuOptions extends BackendOptions {
  /** EPs to use, in order, as onnxruntime-node names them (default: the first bundled NPU EP, then cpu; or IX_NPU_EPS=qnn,cpu) */
  executionProviders?: string[];
  /** 'exact' (default) keeps activations f32; 'fast' lets MatMulNBits quantize them to 8 bits (or IX_NPU_ACCURACY) */
  accuracy?: 'exact' | 'fast';
  /** fixed shapes everywhere (attention masks the whole cache): default on for NPU EPs, off for the CPU EP (or IX_NPU_STATIC_SHAPES=1) */
  staticShapes?: boolean;
  /**
   * folder for lowered models (converted once per model and shape, reused by later runs): default
   * $IX_CACHE_DIR/onnx or ~/.cache/ix/onnx; false (or IX_NPU_CACHE=0) keeps nothing on disk
   */
  cacheDir?: string | false;
  /** sessions kept (each compiled graph shape holds one; default 8) */
  maxSessions?: number;
  /** Q4_0 / Q8_0 / Q4_K weights through MatMulNBits (default: the first EP's tweak says; true for the CPU EP) */
  contribOps?: boolean;
}

export async function probeNpu(): Promise<ProbeResult> {
  const loaded = await loadOrt();
  if ('error' in loaded) return { available: false, reason: loaded.error, device: { kind: 'npu', name: 'ONNX Runtime (not loaded)' }, features: [], ops: {} };
  const { listed, chosen } = epFacts(loaded.ort, envList(process.env.IX_NPU_EPS));
  const npu = chosen.find(isNpuEp);
  return {
    available: true,
    device: { kind: npu ? 'npu' : 'cpu', name: `ONNX Runtime ${loaded.ort.env.versions.node ?? ''} ${npu ? `${npu} EP` : 'CPU EP'}`.replace(/\s+/g, ' ') },
    features: chosen.map((ep) => `ep:${ep}`),
    ops: SUPPORTED_OPS,
    priority: npu ? NPU_PRIORITY : CPU_EP_PRIORITY,
    details: {
      executionProviders: chosen.join(', '),
      listed: listed.map((b) => `${b.name}${b.bundled ? '' : ' (not bundled)'}`).join(', '),
    },
  };
}

export const npuBackend: BackendFactory = {
  name: BACKEND_NAME,
  priority: CPU_EP_PRIORITY,
  probe: probeNpu,
  async create(options: NpuOptions = {}) {
    const loaded = await loadOrt();
    if ('error' in loaded) throw new BackendUnavailableError(BACKEND_NAME, loaded.error);
    return makeNpuBackend(loaded.ort, options);
  },
};

/** The backend on an already loaded ONNX Runtime (create() loads it first). Options win over the environment. */
export function makeNpuBackend(ort: OrtModule, options: NpuOptions = {}, env: Record<string, string | undefined> = process.env): NpuBackend {
  const { chosen } = epFacts(ort, options.executionProviders ?? envList(env.IX_NPU_EPS));
  const accuracy = options.accuracy ?? (env.IX_NPU_ACCURACY || 'exact');
  if (accuracy !== 'exact' && accuracy !== 'fast') throw new InvalidArgumentError(`npu: accuracy must be 'exact' or 'fast', got "${accuracy}"`);
  const threads = options.threads ?? (env.IX_THREADS ? Number(env.IX_THREADS) : physicalCores());
  if (!Number.isInteger(threads) || threads < 1 || threads > 1024) throw new InvalidArgumentError(`npu: threads must be an integer in 1..1024, got ${String(options.threads ?? env.IX_THREADS)}`);
  const maxSessions = options.maxSessions ?? 8;
  if (!Number.isInteger(maxSessions) || maxSessions < 1) throw new InvalidArgumentError(`npu: maxSessions must be a positive integer, got ${maxSessions}`);
  const npu = chosen.find(isNpuEp);
  const tweak = epTweak(chosen[0]!);
  const staticShapes = options.staticShapes ?? (env.IX_NPU_STATIC_SHAPES ? env.IX_NPU_STATIC_SHAPES === '1' : (tweak.staticShapes ?? false));
  return new NpuBackend({
    ort,
    executionProviders: chosen.map((ep) => epTweak(ep).provider ?? ep),
    contribOps: options.contribOps ?? tweak.contribOps ?? true,
    accuracy,
    staticShapes,
    threads,
    maxSessions,
    profilePrefix: env.IX_NPU_PROFILE || undefined,
    cacheDir: options.cacheDir === false || (options.cacheDir === undefined && env.IX_NPU_CACHE === '0') ? undefined : (options.cacheDir ?? defaultCacheDir(env)),
    device: { kind: npu ? 'npu' : 'cpu', name: `ONNX Runtime ${npu ? `${npu} EP` : 'CPU EP'}` },
  });
}

function envList(value: string | undefined): string[] | undefined {
  const list = value?.split(',').map((s) => s.trim()).filter(Boolean);
  return list?.length ? list : undefined;
}

registerBackend(npuBackend);
export default npuBackend;
