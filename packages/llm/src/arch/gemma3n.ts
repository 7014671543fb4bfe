import { Graph, ModelFormatError, Tensor, type GraphNode, type RopeParams } from '@ix/core';
import type { ModelConfig } from '../model-config.js';
import type { Architecture, ModelHParams, StepGraph, StepOptions, StepSegment } from './architecture.js';
import { slidingLayers } from './decoder.js';
import { joinRows, rowsOf } from './graph-rows.js';

/**
 * Gemma 3n (text; E2B / E4B), as llama.cpp's gemma3n.cpp builds it. The hidden state is four
 * streams (AltUp): each layer predicts all four from the first (a 4x4 mix chosen per token by a
 * router), runs attention and FFN on the first only, then corrects the four by what they did.
 *   streams = [x, P1·x, P2·x, P3·x]     (x = embed·√D; the Pk·x rescaled to x's magnitude)
 *   per layer: p = predict(streams);  a = p0
 *              h = n(a);  laurel = h + n(R·(L·h))                     (LAuReL: a low-rank residual)
 *              y = (a + n(Wo·attn(h)) + laurel) / √2
 *              y += n(W2·(gelu(sparse(W1·n(y))) * W3·n(y)))          (sparse: Gaussian top-k, early layers)
 *              c = correct(p, y);  streams = [c0, c1..3 + n(Wp·(gelu(Wg·(c0∘s)) ∘ inputs_l))]
 *   logits = softcap(Wout·n(mean(c0, U1·c1, U2·c2, U3·c3)))         (the Uk·ck rescaled to c0's magnitude)
 * Each layer also gets an input of its own, a per-layer token embedding plus a projection of x.
 * The last layers keep no KV cache: they attend to the cache of the last earlier layer of their
 * kind (sliding or global). Q and K are RMS-normed per head, V without a weight; scores unscaled.
 */
export interface Gemma3nHParams extends ModelHParams {
  ffnDim: number;
  nHeads: number;
  normEps: number;
  ropeBase: number;
  ropeBaseSliding: number;
  slidingWindow: number;
  sliding: readonly boolean[];
  /** width of each layer's own input */
  perLayerDim: number;
  /** layers from this one on reuse an earlier layer's KV cache (kvCacheLayers: sessions allocate none for them) */
  kvLayers: number;
  /** per layer: the Gaussian top-k multiplier of the FFN gate, or undefined (no sparsity) */
  sparsity: readonly (number | undefined)[];
  finalSoftcap: number;
}

export interface Gemma3nWeights {
  tokenEmbd: Tensor;
  output: Tensor;
  outputNorm: Tensor;
  perLayerTokenEmbd: Tensor;
  perLayerModelProj: Tensor;
  perLayerProjNorm: Tensor;
  altupProj: Tensor;
  altupUnembdProj: Tensor;
  layers: Gemma3nLayerWeights[];
}

export interface Gemma3nLayerWeights {
  attnNorm: Tensor;
  wq: Tensor;
  wk: Tensor;
  wv: Tensor;
  wo: Tensor;
  qNorm: Tensor;
  kNorm: Tensor;
  attnPostNorm: Tensor;
  ffnNorm: Tensor;
  wGate: Tensor;
  wUp: Tensor;
  wDown: Tensor;
  ffnPostNorm: Tensor;
  inpGate: Tensor;
  proj: Tensor;
  postNorm: Tensor;
  altupCorrectCoef: Tensor;
  altupCorrectScale: Tensor;
  altupPredictCoef: Tensor;
  altupRouter: Tensor;
  altupRouterNorm: Tensor;
  laurelL: Tensor;
  laurelR: Tensor;
  laurelPostNorm: Tensor;
}

const STREAMS = 4;
const LM = 'model.language_model.';
const layer = (gguf: string, hf: string) => ({ gguf: `blk.{n}.${gguf}.weight`, hf: `${LM}layers.{n}.${hf}.weight` });

export function gemma3nHParams(c: ModelConfig, file: string): Gemma3nHParams {
  const key = (k: string) => c.extra[`gemma3n.${k}`];
  const streams = Number(key('altup.num_inputs') ?? STREAMS);
  const active = Number(key('altup.active_idx') ?? 0);
  if (streams !== STREAMS || active !== 0) throw new ModelFormatError(file, `gemma3n with ${streams} AltUp streams (active ${active}) is not supported (4, active 0, as llama.cpp)`);
  if (c.normType !== 'rms' || c.activation !== 'gelu') throw new ModelFormatError(file, `${c.normType} norm with ${c.activation} is not Gemma 3n`);
  const shared = Number(key('attention.shared_kv_layers') ?? 0);
  const kvLayers = c.nLayers - shared;
  // the last layers reuse the cache of layer kvLayers - 2 (sliding) or - 1 (global): both must exist
  if (!Number.isInteger(shared) || shared < 0 || (shared > 0 && kvLayers < 2)) throw new ModelFormatError(file, `gemma3n: ${shared} shared KV layers of ${c.nLayers}`);
  const scales = key('activation_sparsity_scale');
  const sparsity = Array.from({ length: c.nLayers }, (_, l) => {
    const s = ArrayBuffer.isView(scales) || Array.isArray(scales) ? Number((scales as ArrayLike<number>)[l]) : NaN;
    return Number.isFinite(s) ? s : undefined;
  });
  const window = c.slidingWindow ?? 0;
  const sliding = window > 0 ? slidingLayers(c.nLayers, c.slidingWindowPattern ?? 5) : new Array<boolean>(c.nLayers).fill(false);
  if (shared > 0 && (!sliding[kvLayers - 2] || sliding[kvLayers - 1])) {
    throw new ModelFormatError(file, `gemma3n: layers ${kvLayers - 2} and ${kvLayers - 1}, whose caches the last ${shared} layers reuse, must be a sliding and a global layer`);
  }
  return {
    arch: 'gemma3n',
    vocabSize: c.vocabSize,
    embedDim: c.hiddenSize,
    ffnDim: c.intermediateSize,
    nLayers: c.nLayers,
    nHeads: c.nHeads,
    nKVHeads: c.nKVHeads,
    headDim: c.headDim,
    contextLength: c.contextLength,
    normEps: c.normEps,
    ropeBase: c.ropeTheta,
    ropeBaseSliding: c.ropeThetaSwa ?? 10000,
    slidingWindow: window,
    sliding,
    perLayerDim: Number(key('embedding_length_per_layer_input') ?? 256),
    kvLayers,
    kvCacheLayers: kvLayers,
    sparsity,
    finalSoftcap: c.finalSoftcap ?? 30,
  };
}

/** rows [row, row + n) of a weight (a view of the same memory; rows are whole blocks) */
function weightRows(t: Tensor, row: number, n: number): Tensor {
  const rows = t.shape[0]!;
  const rowBytes = t.byteLength / rows;
  return new Tensor([n, ...t.shape.slice(1)], t.dtype, t.buffer, t.offset + row * rowBytes, t.name ? `${t.name}[${row}..${row + n - 1}]` : undefined);
}

/** slab k of a 3-D weight [n, rows, cols] as a [rows, cols] matrix (a view of the same memory) */
function slab(t: Tensor, k: number): Tensor {
  const n = t.shape[0]!;
  const bytes = t.byteLength / n;
  return new Tensor(t.shape.slice(1), t.dtype, t.buffer, t.offset + k * bytes, t.name ? `${t.name}[${k}]` : undefined);
}

/** The layer whose KV cache layer l reads: its own, or (shared layers) the last earlier one of its kind. */
export function kvSourceLayer(hp: Gemma3nHParams, l: number): number {
  return l < hp.kvLayers ? l : hp.kvLayers - (hp.sliding[l] ? 2 : 1);
}

export function buildGemma3nStep(hp: Gemma3nHParams, w: Gemma3nWeights, segments: readonly StepSegment[], options: StepOptions = {}): StepGraph {
  const g = new Graph();
  const T = segments.reduce((n, s) => n + s.nTokens, 0);
  const { embedDim: D, nHeads: H, nKVHeads: HKV, headDim: HD, perLayerDim: A, nLayers: NL, normEps: eps } = hp;
  const c = (t: Tensor) => g.constant(t);
  const tokens = g.input('tokens', [T], 'I32');
  const pos = g.input('pos', [T], 'I32');
  const positional: StepGraph['positional'] = segments.map(() => []);
  const mm = (x: GraphNode, t: Tensor) => g.matmul(x, c(t));
  const norm = (x: GraphNode, weight?: Tensor) => (weight ? g.mul(g.rmsNorm(x, eps), c(weight)) : g.rmsNorm(x, eps));
  const sub = (a: GraphNode, b: GraphNode) => g.add(a, g.scale(b, -1));
  // x times a value per row ([T, 1])
  const perRow = (x: GraphNode, s: GraphNode) => g.weightedSum(g.view(x, [T, 1, x.shape[1]!]), s);
  // each row's root mean square, [T, 1]
  const rms = (x: GraphNode) => g.sqrt(g.scale(g.sumRows(g.mul(x, x)), 1 / x.shape[1]!));
  // y rescaled to the magnitude of `like` row by row (y·|like|/|y|)
  const magnitudeOf = (y: GraphNode, like: GraphNode) => perRow(g.rmsNorm(y, 0), rms(like));
  const thirds = (t: Tensor) => {
    if (t.shape.length !== 3 || t.shape[0] !== STREAMS - 1 || t.shape[1] !== D || t.shape[2] !== D) throw new ModelFormatError(hp.arch, `${t.name ?? 'an AltUp projection'} must be [${STREAMS - 1}, ${D}, ${D}], got [${t.shape.join(', ')}]`);
    return [0, 1, 2].map((k) => slab(t, k));
  };

  // each layer's own input: its slice of the per-layer token embedding plus a projection of x
  let x: GraphNode = g.scale(g.getRows(c(w.tokenEmbd), tokens), Math.sqrt(D));
  const perLayerTokens = g.scale(g.getRows(c(w.perLayerTokenEmbd), tokens), Math.sqrt(A));
  const projected = g.view(g.mul(g.rmsNorm(g.view(g.scale(mm(x, w.perLayerModelProj), 1 / Math.sqrt(D)), [T, NL, A]), eps), c(w.perLayerProjNorm)), [T, NL * A]);
  const perLayer = g.scale(g.add(projected, perLayerTokens), Math.SQRT1_2);

  let streams: GraphNode[] = [x, ...thirds(w.altupProj).map((p) => magnitudeOf(mm(x, p), x))];
  const router = (y: GraphNode, L: Gemma3nLayerWeights) => g.softcap(mm(g.scale(norm(y, L.altupRouterNorm), 1 / D), L.altupRouter), 1);

  const ropeGlobal: RopeParams = { mode: 'neox', dims: HD, base: hp.ropeBase, freqScale: 1 };
  const ropeSliding: RopeParams = { ...ropeGlobal, base: hp.ropeBaseSliding };
  // per segment: the cache nodes each layer wrote this step (shared layers read their source's)
  const written: { k: GraphNode<'write_rows'>; v: GraphNode<'write_rows'> }[][] = segments.map(() => []);

  w.layers.forEach((L, l) => {
    // predict: stream i = stream i + Σj coef(i, j)·stream j, coefficients from the router
    const modalities = router(streams[0]!, L);
    const stacked = streams.slice(1).reduce((acc, s) => g.concat(acc, g.view(s, [T, 1, D]), 1), g.view(streams[0]!, [T, 1, D]));
    const predicted = streams.map((s, i) => g.add(g.weightedSum(stacked, mm(modalities, weightRows(L.altupPredictCoef, i * STREAMS, STREAMS))), s));
    const active = predicted[0]!;

    const h = norm(active, L.attnNorm);
    const laurel = g.add(norm(mm(mm(h, L.laurelL), L.laurelR), L.laurelPostNorm), h);

    const rope = hp.sliding[l] ? ropeSliding : ropeGlobal;
    const q = g.rope(norm(g.view(mm(h, L.wq), [T, H, HD]), L.qNorm), pos, rope);
    const ownKV = l < hp.kvLayers;
    const k = ownKV ? g.rope(norm(g.view(mm(h, L.wk), [T, HKV, HD]), L.kNorm), pos, rope) : undefined;
    const v = ownKV ? norm(g.view(mm(h, L.wv), [T, HKV, HD])) : undefined;
    const window = hp.sliding[l] && hp.slidingWindow > 0 ? { window: hp.slidingWindow } : {};
    let row = 0;
    const attended = segments.map((s, i) => {
      let kv = written[i]![kvSourceLayer(hp, l)]!;
      if (ownKV) {
        kv = { k: g.writeRows(c(s.cache.k[l]!), rowsOf(g, k!, row, s.nTokens), s.pos0), v: g.writeRows(c(s.cache.v[l]!), rowsOf(g, v!, row, s.nTokens), s.pos0) };
        written[i]![l] = kv;
        positional[i]!.push(kv.k, kv.v);
      }
      const a = g.attention(rowsOf(g, q, row, s.nTokens), kv.k, kv.v, { pos0: s.pos0, kvLen: s.pos0 + s.nTokens, scale: 1, causal: true, ...window });
      positional[i]!.push(a);
      row += s.nTokens;
      return a;
    });
    const attn = g.add(norm(mm(g.view(joinRows(g, attended), [T, H * HD]), L.wo), L.attnPostNorm), active);
    const attnLaurel = g.scale(g.add(attn, laurel), Math.SQRT1_2);

    const f = norm(attnLaurel, L.ffnNorm);
    let gate: GraphNode = mm(f, L.wGate);
    const sparsity = hp.sparsity[l];
    if (sparsity !== undefined) gate = g.gaussianTopK(gate, sparsity);
    const y = g.add(norm(mm(g.mul(mm(f, L.wUp), g.gelu(gate)), L.wDown), L.ffnPostNorm), attnLaurel);

    // correct: stream i += innovation·(1 + coef(i)), coefficients from the router on y
    const corrections = router(y, L);
    const innovation = sub(y, active);
    const corrected = predicted.map((p, i) => g.add(p, g.add(innovation, perRow(innovation, mm(corrections, weightRows(L.altupCorrectCoef, i, 1))))));
    // the first stream, gated by this layer's own input, feeds the other three
    const gated = g.mul(g.gelu(mm(g.mul(corrected[0]!, c(L.altupCorrectScale)), L.inpGate)), g.slice(perLayer, l * A, A));
    const fed = norm(mm(gated, L.proj), L.postNorm);
    streams = corrected.map((s, i) => (i === 0 ? s : g.add(s, fed)));
  });

  // the streams merged: the other three mapped back and rescaled to the first one's magnitude
  x = streams[0]!;
  thirds(w.altupUnembdProj).forEach((u, k) => (x = g.add(x, magnitudeOf(mm(streams[k + 1]!, u), streams[0]!))));
  x = g.scale(x, 1 / STREAMS);

  let row = 0;
  const wanted = segments.map((s) => {
    const part = s.allLogits ? rowsOf(g, x, row, s.nTokens) : rowsOf(g, x, row + s.nTokens - 1, 1);
    row += s.nTokens;
    return part;
  });
  const logits = g.softcap(mm(norm(joinRows(g, wanted), w.outputNorm), w.output), hp.finalSoftcap);
  const candidates = options.candidates ? g.topK(logits, Math.min(options.candidates, hp.vocabSize)) : undefined;
  return { graph: g, logits, candidates, positional };
}

export const gemma3n: Architecture<Gemma3nHParams, Gemma3nWeights> = {
  name: 'gemma3n',
  ggufNames: ['gemma3n'],
  hfClasses: ['Gemma3nForConditionalGeneration', 'Gemma3nForCausalLM'],
  hfModelTypes: ['gemma3n', 'gemma3n_text'],
  // hf: the checkpoint's names under model.language_model. (Gemma3nForConditionalGeneration)
  tensors: {
    global: {
      tokenEmbd: { gguf: 'token_embd.weight', hf: `${LM}embed_tokens.weight` },
      output: { gguf: 'output.weight', hf: 'lm_head.weight', tiedTo: 'tokenEmbd' },
      outputNorm: { gguf: 'output_norm.weight', hf: `${LM}norm.weight` },
      perLayerTokenEmbd: { gguf: 'per_layer_token_embd.weight', hf: `${LM}embed_tokens_per_layer.weight` },
      perLayerModelProj: { gguf: 'per_layer_model_proj.weight', hf: `${LM}per_layer_model_projection.weight` },
      perLayerProjNorm: { gguf: 'per_layer_proj_norm.weight', hf: `${LM}per_layer_projection_norm.weight` },
      // the converter stacks altup_projections.{k}, k = 0, 1, 2 (and the unembed ones) into one [3, D, D]
      altupProj: { gguf: 'altup_proj.weight', hf: `${LM}altup_projections.{k}.weight` },
      altupUnembdProj: { gguf: 'altup_unembd_proj.weight', hf: `${LM}altup_unembed_projections.{k}.weight` },
    },
    layer: {
      attnNorm: layer('attn_norm', 'input_layernorm'),
      wq: layer('attn_q', 'self_attn.q_proj'),
      wk: layer('attn_k', 'self_attn.k_proj'),
      wv: layer('attn_v', 'self_attn.v_proj'),
      wo: layer('attn_output', 'self_attn.o_proj'),
      qNorm: layer('attn_q_norm', 'self_attn.q_norm'),
      kNorm: layer('attn_k_norm', 'self_attn.k_norm'),
      attnPostNorm: layer('post_attention_norm', 'post_attention_layernorm'),
      ffnNorm: layer('ffn_norm', 'pre_feedforward_layernorm'),
      wGate: layer('ffn_gate', 'mlp.gate_proj'),
      wUp: layer('ffn_up', 'mlp.up_proj'),
      wDown: layer('ffn_down', 'mlp.down_proj'),
      ffnPostNorm: layer('post_ffw_norm', 'post_feedforward_layernorm'),
      inpGate: layer('inp_gate', 'per_layer_input_gate'),
      proj: layer('proj', 'per_layer_projection'),
      postNorm: layer('post_norm', 'post_per_layer_input_norm'),
      altupCorrectCoef: layer('altup_correct_coef', 'altup.correction_coefs'),
      altupCorrectScale: { gguf: 'blk.{n}.altup_correct_scale.weight', hf: `${LM}layers.{n}.altup.correct_output_scale` },
      altupPredictCoef: layer('altup_predict_coef', 'altup.prediction_coefs'),
      altupRouter: layer('altup_router', 'altup.modality_router'),
      altupRouterNorm: layer('altup_router_norm', 'altup.router_norm'),
      laurelL: layer('laurel_l', 'laurel.linear_left'),
      laurelR: layer('laurel_r', 'laurel.linear_right'),
      laurelPostNorm: layer('laurel_post_norm', 'laurel.post_laurel_norm'),
    },
  },
  hparams: gemma3nHParams,
  buildStep: buildGemma3nStep,
};
