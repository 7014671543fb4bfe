import { Executor, f32ToF16Bytes, quantize, type Backend, type DTypeName, type HostArray, type Tensor } from '@ix/core';
import { buildDecoderStep, type DecoderHParams } from '@ix/llm';

import { maxAbsErr, randomF32, reference, rng, tensorOn } from './helpers.js';

// The decoder suite's problem without vitest, so a browser page runs it as the Node suite does.

export const hp: DecoderHParams = {
  arch: 'llama', vocabSize: 301, embedDim: 256, ffnDim: 512, nLayers: 2, nHeads: 8, nKVHeads: 2, headDim: 32,
  ropeDims: 32, ropeBase: 500000, ropeMode: 'normal', ropeFreqScale: 1, normEps: 1e-5, contextLength: 16,
};

interface Spec {
  shape: number[];
  dtype: DTypeName;
  bytes: Uint8Array;
}

function weight(shape: number[], dtype: DTypeName, seed: number, scale: number): Spec {
  const v = randomF32(shape[0]! * (shape[1] ?? 1), rng(seed), scale);
  return { shape, dtype, bytes: dtype === 'F32' ? new Uint8Array(v.buffer) : quantize(dtype, v) };
}

/** the model's tensors as specs; `upType` lets one layer use a type the backend may not decode */
function modelSpecs(upType: DTypeName) {
  const { embedDim: E, ffnDim: F, vocabSize: V, nKVHeads: HKV, headDim: D } = hp;
  const s = E ** -0.5;
  const norm = (seed: number) => ({ shape: [E], dtype: 'F32' as const, bytes: new Uint8Array(Float32Array.from({ length: E }, (_, i) => 1 + 0.1 * Math.sin(seed + i)).buffer) });
  return {
    tokenEmbd: weight([V, E], 'Q6_K', 1, 1),
    outputNorm: norm(2),
    output: weight([V, E], 'Q6_K', 3, s),
    ropeFreqs: { shape: [D / 2], dtype: 'F32' as const, bytes: new Uint8Array(Float32Array.from({ length: D / 2 }, (_, i) => 1 + i / 4).buffer) },
    layers: [0, 1].map((l) => ({
      attnNorm: norm(10 * l + 4),
      wq: weight([E, E], 'Q4_K', 10 * l + 5, s),
      wk: weight([HKV * D, E], 'Q4_K', 10 * l + 6, s),
      wv: weight([HKV * D, E], 'Q6_K', 10 * l + 7, s),
      wo: weight([E, E], 'Q8_0', 10 * l + 8, s),
      ffnNorm: norm(10 * l + 9),
      wGate: weight([F, E], 'Q4_0', 10 * l + 10, s),
      wUp: weight([F, E], l === 1 ? upType : 'Q4_0', 10 * l + 11, s),
      wDown: weight([E, F], 'Q4_K', 10 * l + 12, F ** -0.5),
    })),
  };
}

type Specs = ReturnType<typeof modelSpecs>;

/** upload every weight and an F16 cache pair per layer to `home`, run prefill + decode on `executor` */
async function generate(home: Backend, executor: Executor, specs: Specs, prefill: number): Promise<{ logits: HostArray[]; placement: string[][] }> {
  const owned: Tensor[] = [];
  const up = (s: Spec) => {
    const t = tensorOn(home, s.shape, s.dtype, s.bytes);
    owned.push(t);
    return t;
  };
  const cacheRows = hp.contextLength;
  const cacheBytes = f32ToF16Bytes(new Float32Array(cacheRows * hp.nKVHeads * hp.headDim));
  const cacheShape = [cacheRows, hp.nKVHeads, hp.headDim];
  try {
    const w = {
      tokenEmbd: up(specs.tokenEmbd), outputNorm: up(specs.outputNorm), output: up(specs.output), ropeFreqs: up(specs.ropeFreqs),
      layers: specs.layers.map((L) => Object.fromEntries(Object.entries(L).map(([k, s]) => [k, up(s)]))) as never,
    };
    const cache = {
      k: [0, 1].map(() => up({ shape: cacheShape, dtype: 'F16', bytes: cacheBytes })),
      v: [0, 1].map(() => up({ shape: cacheShape, dtype: 'F16', bytes: cacheBytes })),
    };
    const logits: HostArray[] = [];
    const placement: string[][] = [];
    const prompt = [5, 300, 17, 42, 9, 77, 200, 1, 3, 150, 61, 250].slice(0, prefill);
    const steps = [{ pos0: 0, tokens: prompt }, { pos0: prefill, tokens: [128] }];
    for (const { pos0, tokens } of steps) {
      const step = buildDecoderStep(hp, w, [{ cache, pos0, nTokens: tokens.length }]);
      placement.push(executor.assign(step.graph).map((b, i) => `${step.graph.nodes[i]!.op}@${b.name}`));
      const pos = Int32Array.from(tokens, (_, i) => pos0 + i);
      const [out] = await executor.run(step.graph, { tokens: Int32Array.from(tokens), pos }, [step.logits]);
      logits.push(out!);
    }
    return { logits, placement };
  } finally {
    for (const t of owned) home.free(t.buffer);
  }
}

export interface DecoderCase {
  /** the weight type of layer 1's up projection (the others are fixed) */
  upType: DTypeName;
  /** ops per step expected on the reference (types the backend does not decode) */
  fallbacks: number;
  /** prompt tokens (at most 12) before the one decoded token */
  prefill: number;
  /** which of the suite's backends runs it (make(variant)) */
  variant: string;
  /** of the logits, relative to max |logit| */
  tol: number;
}


export interface DecoderComparison {
  /** ops the executor placed on the reference (types the backend does not decode) */
  fallbacks: number;
  /** per step (the prefill, then one decoded token): max |ours - ref|, max |ref|, the logits' spread */
  steps: { length: number; err: number; scale: number; spread: number }[];
  /** the decoded step's argmax, ours and the reference's */
  nextToken: { ours: number; ref: number };
}

/** the two-layer decoder (`upType` in layer 1's up projection) through new Executor(be, [reference]) and on the reference alone */
export async function compareDecoder(be: Backend, c: { upType: DTypeName; prefill: number }): Promise<DecoderComparison> {
  const specs = modelSpecs(c.upType);
  const ours = await generate(be, new Executor(be, [reference]), specs, c.prefill);
  const ref = await generate(reference, new Executor(reference), specs, c.prefill);
  const argmax = (a: HostArray) => a.indexOf(Math.max(...a));
  return {
    fallbacks: ours.placement.flat().filter((p) => p.endsWith('@reference') && !p.startsWith('input') && !p.startsWith('constant')).length,
    steps: ours.logits.map((l, i) => {
      const r = ref.logits[i]!;
      return { length: l.length, ...maxAbsErr(l, r), spread: Math.max(...r) - Math.min(...r) };
    }),
    nextToken: { ours: argmax(ours.logits[1]!), ref: argmax(ref.logits[1]!) },
  };
}
