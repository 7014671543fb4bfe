import { Graph, ModelFormatError, ShapeError, type GraphNode, type OpParams, type RopeParams, type Tensor } from '@ix/core';
import type { EmbedGraph, ModelHParams, Refinement, StepGraph, StepOptions, StepSegment } from './architecture.js';
import { joinRows, rowsOf } from './graph-rows.js';
import { asRow, type ExpertHParams } from './moe.js';

/**
 * One forward step of a decoder (Llama 1/2/3, Mistral, TinyLlama, Qwen2, Qwen3, Gemma 2/3, Phi-3,
 * OLMo 2, Granite, StarCoder2, GPT-2, Command-R, Cohere2), as a graph. Like llama2.c's `forward`, in graph form:
 *   x = embed(tokens)
 *   per layer: x += Wo·attn(rope(Wq·n(x)), rope(Wk·n(x)), Wv·n(x));  x += W2·(silu(W1·n(x)) * W3·n(x))
 *   logits = Wout·n(x)
 * Qwen2 adds Q/K/V biases, Qwen3 an RMS norm on each Q and K head; Llama 3 may carry rope_freqs.
 * Gemma scales the embeddings, norms each block's output too (post norms), gates with GELU,
 * soft-caps scores and logits, and has sliding-window layers with a rope base of their own.
 * StarCoder2 and GPT-2 use LayerNorm and biases everywhere and an ungated GELU FFN; GPT-2 adds
 * learned positions instead of rope. Command-R runs attention and FFN side by side. Mixture-of-
 * experts models (Mixtral, Qwen2/3-MoE, OLMoE, gpt-oss) route each token to a few FFNs of many;
 * gpt-oss adds biases to its experts, clamps their SwiGLU and gives each attention head a sink. Each family
 * sets the options below in its own file (gemma.ts, phi3.ts, ...); their tensors switch the rest on.
 */
export interface DecoderHParams extends ModelHParams {
  ffnDim: number;
  nHeads: number;
  ropeDims: number;
  ropeBase: number;
  ropeMode: 'normal' | 'neox';
  ropeFreqScale: number;
  /** YaRN rope scaling (global layers; see the rope op) */
  ropeYarn?: NonNullable<RopeParams['yarn']>;
  /**
   * LongRoPE: a sequence whose context is longer than this rotates with the long factors, others
   * with the short ones (as llama.cpp chooses by its context per sequence)
   */
  ropeLongAfter?: number;
  normEps: number;
  /** the FFN: W2·(silu(W1·x) * W3·x) (swiglu, the default), the same with gelu (geglu), or W2·gelu(W3·x + b3) + b2 (gelu) */
  ffn?: 'swiglu' | 'geglu' | 'gelu';
  /** RMS norms (the default) or LayerNorm (StarCoder2, GPT-2), each with an optional bias */
  norm?: 'rms' | 'layer';
  /** rotation of Q and K (the default), or learned position embeddings added to the input (GPT-2) */
  positions?: 'rope' | 'learned';
  /** token embeddings are multiplied by this (Gemma: √embedDim) */
  embedScale?: number;
  /** scores are q·k times this (default 1/√headDim) */
  attnScale?: number;
  /** attention scores soft-capped at this (Gemma 2) */
  attnSoftcap?: number;
  /** logits soft-capped at this (Gemma 2) */
  finalSoftcap?: number;
  /**
   * Sliding-window layers (`layers[l]` true) attend to the last `size` positions only, rotating
   * with their own rope base and scale (unscaled by YaRN) when given, as the other layers otherwise
   */
  slidingWindow?: { size: number; layers: readonly boolean[]; ropeBase?: number; ropeFreqScale?: number };
  /** each block's output is multiplied by this before its residual add (Granite) */
  residualScale?: number;
  /** logits are multiplied by this (Granite: 1 / logits_scaling; Command-R: logit_scale) */
  logitScale?: number;
  /** attention and FFN read the same normed input and both add to the residual (Command-R) */
  parallel?: boolean;
  /** which layers rotate Q and K (default all; Cohere2: its sliding layers only) */
  ropeLayers?: readonly boolean[];
  /** every layer's FFN is a mixture of experts (moe.ts) */
  moe?: ExpertHParams;
  /**
   * embedding graphs: every token attends to its whole input, and sliding layers to a symmetric
   * window, `size / 2` positions either side (EmbeddingGemma)
   */
  bidirectional?: boolean;
}

export interface DecoderWeights {
  tokenEmbd: Tensor;
  /** GPT-2: a row per position, added to the token embeddings */
  posEmbd?: Tensor;
  outputNorm: Tensor;
  outputNormB?: Tensor;
  output: Tensor;
  ropeFreqs?: Tensor;
  ropeFactorsLong?: Tensor;
  ropeFactorsShort?: Tensor;
  /**
   * sentence-transformers' Dense modules after the output norm (EmbeddingGemma: 2_Dense widens,
   * 3_Dense narrows back), applied to every token's state: they are linear, so they commute with
   * mean pooling (llama.cpp applies them to the pooled vector)
   */
  dense2?: Tensor;
  dense2B?: Tensor;
  dense3?: Tensor;
  dense3B?: Tensor;
  layers: LayerWeights[];
}

export interface LayerWeights {
  /** absent in OLMo 2, which norms block outputs only */
  attnNorm?: Tensor;
  attnNormB?: Tensor;
  wq: Tensor;
  wk: Tensor;
  wv: Tensor;
  wo: Tensor;
  bq?: Tensor;
  bk?: Tensor;
  bv?: Tensor;
  bo?: Tensor;
  /** gpt-oss: a sink logit per query head, in each head's softmax (attention op) */
  attnSinks?: Tensor;
  /**
   * norm on each Q and K head (Qwen3, Gemma 3; Command-R+: a weight row per head, [H, D]), or on
   * all heads at once (OLMo 2: one vector of H·D)
   */
  qNorm?: Tensor;
  kNorm?: Tensor;
  ffnNorm?: Tensor;
  ffnNormB?: Tensor;
  /** absent in an ungated FFN */
  wGate?: Tensor;
  /** absent in a mixture-of-experts layer */
  wUp?: Tensor;
  wDown?: Tensor;
  bUp?: Tensor;
  bDown?: Tensor;
  /** Gemma, OLMo 2: norms on the attention's and the FFN's outputs, before the residual adds */
  attnPostNorm?: Tensor;
  ffnPostNorm?: Tensor;
  /** mixture of experts, instead of wGate/wUp/wDown: the router [E, H] and all experts' matrices [E, F, H], [E, H, F] */
  ffnGateInp?: Tensor;
  ffnGateExps?: Tensor;
  ffnUpExps?: Tensor;
  ffnDownExps?: Tensor;
  /** gpt-oss: the router's bias [E] and each expert's biases [E, F], [E, H] */
  ffnGateInpB?: Tensor;
  ffnGateExpsB?: Tensor;
  ffnUpExpsB?: Tensor;
  ffnDownExpsB?: Tensor;
  /** Qwen2-MoE: a shared expert beside the routed ones, its output gated by sigmoid(x · ffnGateInpShexp) */
  ffnGateShexp?: Tensor;
  ffnUpShexp?: Tensor;
  ffnDownShexp?: Tensor;
  ffnGateInpShexp?: Tensor;
}

/**
 * Which of nLayers layers slide, from a file's pattern: a period n (layer l slides when
 * l % n < n - 1, llama.cpp's set_swa_pattern; 0: all) or a flag per layer
 */
export function slidingLayers(nLayers: number, pattern: number | readonly boolean[]): boolean[] {
  return Array.from({ length: nLayers }, (_, l) => (typeof pattern === 'number' ? pattern === 0 || l % pattern < pattern - 1 : pattern[l] === true));
}

/** What a layer's attention needs besides q, k and v (and its sinks' node, gpt-oss). */
export type AttentionShape = Pick<OpParams['attention'], 'scale' | 'softcap' | 'window'> & { sinks?: GraphNode };

/** x normed as the model norms (RMS or LayerNorm), times weight, plus bias */
function normed(g: Graph, hp: DecoderHParams, x: GraphNode, weight: Tensor, bias?: Tensor): GraphNode {
  const y = g.mul(hp.norm === 'layer' ? g.layerNorm(x, hp.normEps) : g.rmsNorm(x, hp.normEps), g.constant(weight));
  return bias ? g.add(y, g.constant(bias)) : y;
}

/** Layer l's attention scale, soft-cap, window and sinks. */
function attentionShape(g: Graph, hp: DecoderHParams, L: LayerWeights, l: number): AttentionShape {
  const window = hp.slidingWindow?.layers[l] ? hp.slidingWindow.size : undefined;
  return {
    scale: hp.attnScale ?? 1 / Math.sqrt(hp.headDim),
    ...(hp.attnSoftcap && { softcap: hp.attnSoftcap }),
    ...(window && { window }),
    ...(L.attnSinks && { sinks: g.constant(L.attnSinks) }),
  };
}

/**
 * Graph for one forward step over several sequences at once. Every matmul runs once over all rows
 * — the batched forward that continuous batching needs; only attention and the cache writes are
 * per segment.
 */
export function buildDecoderStep(hp: DecoderHParams, w: DecoderWeights, segments: readonly StepSegment[], options: StepOptions = {}): StepGraph {
  const g = new Graph();
  const T = segments.reduce((n, s) => n + s.nTokens, 0);
  const c = (t: Tensor) => g.constant(t);
  const rows = (x: GraphNode, row: number, n: number) => rowsOf(g, x, row, n);
  const positional: StepGraph['positional'] = segments.map(() => []);

  // each segment writes its new keys/values into its cache and attends to all it holds
  // LongRoPE picks its factors by the longest context of the step's sequences (their cache rows)
  const context = Math.max(...segments.map((s) => s.cache.k[0]?.shape[0] ?? 0));
  const x = decoderLayers(g, hp, w, T, ropeFactors(hp, w, context), options.refine?.residuals, (l, q, k, v, shape) => {
    let row = 0;
    const attended = segments.map((s, i) => {
      const kc = g.writeRows(c(s.cache.k[l]!), rows(k, row, s.nTokens), s.pos0);
      const vc = g.writeRows(c(s.cache.v[l]!), rows(v, row, s.nTokens), s.pos0);
      const { sinks, ...p } = shape;
      const a = g.attention(rows(q, row, s.nTokens), kc, vc, { pos0: s.pos0, kvLen: s.pos0 + s.nTokens, causal: true, ...p }, sinks);
      positional[i]!.push(kc, vc, a);
      row += s.nTokens;
      return a;
    });
    return joinRows(g, attended);
  });
  let row = 0;
  const wanted = segments.map((s) => {
    const part = s.allLogits ? rows(x, row, s.nTokens) : rows(x, row + s.nTokens - 1, 1);
    row += s.nTokens;
    return part;
  });
  let logits: GraphNode = g.matmul(normed(g, hp, joinRows(g, wanted), w.outputNorm, w.outputNormB), c(w.output));
  if (hp.logitScale) logits = g.scale(logits, hp.logitScale);
  if (hp.finalSoftcap) logits = g.softcap(logits, hp.finalSoftcap);
  // the sampler's top-k runs on the backend, over every row at once
  const candidates = options.candidates ? g.topK(logits, Math.min(options.candidates, hp.vocabSize)) : undefined;
  return { graph: g, logits, candidates, positional };
}

/**
 * A decoder as an embedding model (Qwen3-Embedding, EmbeddingGemma, or any decoder asked for
 * embeddings): whole inputs packed back to back, each attending to itself (causally, unless the
 * model is bidirectional), no cache; the hidden states after the output norm (what the output
 * projection would read; then the Dense modules where the model has them) are pooled by the runtime.
 */
export function buildDecoderEmbed(hp: DecoderHParams, w: DecoderWeights, lengths: readonly number[], refine?: Refinement): EmbedGraph {
  const g = new Graph();
  const T = lengths.reduce((a, b) => a + b, 0);
  // LongRoPE: as at the model's full context (llama.cpp's default context)
  const x = decoderLayers(g, hp, w, T, ropeFactors(hp, w, hp.contextLength), refine?.residuals, (_, q, k, v, shape) => {
    let row = 0;
    const attended = lengths.map((n) => {
      const [qs, ks, vs] = [q, k, v].map((t) => rowsOf(g, t, row, n));
      row += n;
      const { sinks, ...p } = shape;
      return g.attention(qs!, ks!, vs!, { pos0: 0, kvLen: n, causal: !hp.bidirectional, ...p }, sinks);
    });
    return joinRows(g, attended);
  });
  let hidden: GraphNode = normed(g, hp, x, w.outputNorm, w.outputNormB);
  for (const [weight, bias] of [[w.dense2, w.dense2B], [w.dense3, w.dense3B]] as const) {
    if (!weight) continue;
    hidden = g.matmul(hidden, g.constant(weight));
    if (bias) hidden = g.add(hidden, g.constant(bias));
  }
  if (hidden.shape[1] !== hp.embedDim) throw new ShapeError(`${hp.arch}: the Dense modules give ${hidden.shape[1]} values per token, the model's width is ${hp.embedDim}`);
  return { graph: g, hidden };
}

/** The rope divisors of a sequence context: Llama 3's rope_freqs, or LongRoPE's long or short factors */
function ropeFactors(hp: DecoderHParams, w: DecoderWeights, context: number): Tensor | undefined {
  if (hp.ropeLongAfter === undefined) return w.ropeFreqs;
  const factors = context > hp.ropeLongAfter ? w.ropeFactorsLong : w.ropeFactorsShort;
  if (!factors) throw new ModelFormatError(hp.arch, `LongRoPE needs rope_factors_${context > hp.ropeLongAfter ? 'long' : 'short'}.weight`);
  return factors;
}

/**
 * The decoder's layers over T rows (inputs "tokens" and "pos"): the state after the last layer.
 * `attend(layer, q, k, v, shape)` is each layer's attention, [T, H, D] rows in order; where keys and
 * values come from (a KV cache, or the rows themselves) is the caller's.
 */
function decoderLayers(
  g: Graph,
  hp: DecoderHParams,
  w: DecoderWeights,
  T: number,
  ropeDivisors: Tensor | undefined,
  residuals: ReadonlyMap<Tensor, Tensor> | undefined,
  attend: (layer: number, q: GraphNode, k: GraphNode, v: GraphNode, shape: AttentionShape) => GraphNode,
): GraphNode {
  const { nHeads: H, nKVHeads: HKV, headDim: D } = hp;
  const tokens = g.input('tokens', [T], 'I32');
  const pos = g.input('pos', [T], 'I32');
  const c = (t: Tensor) => g.constant(t);
  const rope: RopeParams = { mode: hp.ropeMode, dims: hp.ropeDims, base: hp.ropeBase, freqScale: hp.ropeFreqScale, ...(hp.ropeYarn && { yarn: hp.ropeYarn }) };
  const swa = hp.slidingWindow;
  // sliding layers with a base of their own rotate unscaled by it (YaRN would leave them as they are)
  const ropeSliding: RopeParams = swa?.ropeBase !== undefined ? { mode: rope.mode, dims: rope.dims, base: swa.ropeBase, freqScale: swa.ropeFreqScale ?? 1 } : rope;
  const ropeFreqs = ropeDivisors ? c(ropeDivisors) : undefined;
  const norm = (x: GraphNode, weight: Tensor, bias?: Tensor) => normed(g, hp, x, weight, bias);
  // adaptive precision: a nested matrix read at its higher level adds its residual's product
  const matmul = (x: GraphNode, weight: Tensor) => {
    const residual = residuals?.get(weight);
    return residual ? g.add(g.matmul(x, c(weight)), g.matmul(x, c(residual))) : g.matmul(x, c(weight));
  };
  const linear = (x: GraphNode, weight: Tensor, bias?: Tensor) => {
    const y = matmul(x, weight);
    return bias ? g.add(y, c(bias)) : y;
  };

  const ffn = (x: GraphNode, L: LayerWeights): GraphNode => {
    if (L.ffnGateInp) return experts(x, L);
    const up = linear(x, L.wUp!, L.bUp);
    if (hp.ffn === 'gelu' || !L.wGate) return linear(g.gelu(up), L.wDown!, L.bDown);
    const gate = matmul(x, L.wGate);
    return linear(hp.ffn === 'geglu' ? g.mul(g.gelu(gate), up) : g.swiglu(gate, up), L.wDown!, L.bDown);
  };
  // the router's top experts for each token, their SwiGLU FFNs, mixed by the router's weights (as llama.cpp's build_moe_ffn)
  const experts = (x: GraphNode, L: LayerWeights): GraphNode => {
    const m = hp.moe;
    if (!m || !L.ffnGateExps || !L.ffnUpExps || !L.ffnDownExps) throw new ShapeError(`${hp.arch}: a mixture-of-experts layer needs the expert count and every expert tensor`);
    if (L.ffnGateInp!.shape[0] !== L.ffnGateExps.shape[0]) throw new ShapeError(`${hp.arch}: the router has ${L.ffnGateInp!.shape[0]} rows for ${L.ffnGateExps.shape[0]} experts`);
    const logits = linear(x, L.ffnGateInp!, L.ffnGateInpB);
    const ids = g.topK(logits, m.nUsed);
    // renormalized: the softmax of the chosen logits is each chosen probability over their sum
    let weights: GraphNode = m.normWeights ? g.softmax(g.gather(logits, ids)) : g.gather(g.softmax(logits), ids);
    if (m.weightsScale) weights = g.scale(weights, m.weightsScale);
    // each slot's expert matrix, plus that expert's row of the bias (gpt-oss; ggml's add_id)
    const flatIds = g.view(ids, [T * m.nUsed]);
    const routed = (input: GraphNode, w: Tensor, bias?: Tensor) => {
      const y = g.mulMatId(input, c(w), ids);
      return bias ? g.add(y, g.view(g.getRows(c(bias), flatIds), y.shape)) : y;
    };
    const gates = routed(x, L.ffnGateExps, L.ffnGateExpsB);
    const ups = routed(x, L.ffnUpExps, L.ffnUpExpsB);
    const act = m.clampedGlu ? g.swigluOai(gates, ups, m.clampedGlu.alpha, m.clampedGlu.limit) : g.swiglu(gates, ups);
    const mixed = g.weightedSum(routed(act, L.ffnDownExps, L.ffnDownExpsB), weights);
    if (!L.ffnUpShexp || !L.ffnGateShexp || !L.ffnDownShexp || !L.ffnGateInpShexp) return mixed;
    const shared = g.matmul(g.swiglu(g.matmul(x, c(L.ffnGateShexp)), g.matmul(x, c(L.ffnUpShexp))), c(L.ffnDownShexp));
    const gate = g.sigmoid(g.matmul(x, c(asRow(L.ffnGateInpShexp))));
    return g.add(mixed, g.weightedSum(g.view(shared, [T, 1, hp.embedDim]), gate));
  };
  const optionalNorm = (x: GraphNode, weight?: Tensor, bias?: Tensor) => (weight ? norm(x, weight, bias) : x);
  const learned = hp.positions === 'learned';
  const residual = (x: GraphNode) => (hp.residualScale ? g.scale(x, hp.residualScale) : x);
  // a Q or K norm as long as all heads together norms them before they are split into heads
  const headNorms = (x: GraphNode, heads: number, weight?: Tensor): GraphNode => {
    const whole = weight !== undefined && weight.shape.length === 1 && weight.shape[0] !== D;
    const split = g.view(whole ? norm(x, weight) : x, [T, heads, D]);
    return weight && !whole ? norm(split, weight) : split;
  };

  let x: GraphNode = g.getRows(c(w.tokenEmbd), tokens);
  if (hp.embedScale) x = g.scale(x, hp.embedScale);
  if (learned && w.posEmbd) x = g.add(x, g.getRows(c(w.posEmbd), pos));
  w.layers.forEach((L, l) => {
    const h = optionalNorm(x, L.attnNorm, L.attnNormB);
    let q = headNorms(linear(h, L.wq, L.bq), H, L.qNorm);
    let k = headNorms(linear(h, L.wk, L.bk), HKV, L.kNorm);
    const v = g.view(linear(h, L.wv, L.bv), [T, HKV, D]);
    const layerRope = swa?.layers[l] ? ropeSliding : rope;
    if (!learned && (hp.ropeLayers?.[l] ?? true)) {
      q = g.rope(q, pos, layerRope, ropeFreqs);
      k = g.rope(k, pos, layerRope, ropeFreqs);
    }
    const attended = residual(optionalNorm(linear(g.view(attend(l, q, k, v, attentionShape(g, hp, L, l)), [T, H * D]), L.wo, L.bo), L.attnPostNorm));
    if (hp.parallel) {
      x = g.add(g.add(x, ffn(h, L)), attended);
      return;
    }
    x = g.add(x, attended);
    const f = optionalNorm(x, L.ffnNorm, L.ffnNormB);
    x = g.add(x, residual(optionalNorm(ffn(f, L), L.ffnPostNorm)));
  });
  return x;
}
