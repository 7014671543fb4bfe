import { Graph, type GraphNode } from '../../graph.js';
import type { Tensor } from '../../tensor.js';
import type { DecoderHParams } from '../hparams.js';

/**
 * One forward step of a Llama-family decoder (Llama 1/2/3, Mistral, TinyLlama, Qwen2, Qwen3),
 * as a graph. Like llama2.c's `forward`, in graph form:
 *   x = embed(tokens)
 *   per layer: x += Wo·attn(rope(Wq·n(x)), rope(Wk·n(x)), Wv·n(x));  x += W2·(silu(W1·n(x)) * W3·n(x))
 *   logits = Wout·n(x)
 * Qwen2 adds Q/K/V biases, Qwen3 an RMS norm on each Q and K head; Llama 3 may carry rope_freqs.
 */
export interface DecoderWeights {
  tokenEmbd: Tensor;
  outputNorm: Tensor;
  output: Tensor;
  ropeFreqs?: Tensor;
  layers: LayerWeights[];
}

export interface LayerWeights {
  attnNorm: Tensor;
  wq: Tensor;
  wk: Tensor;
  wv: Tensor;
  wo: Tensor;
  bq?: Tensor;
  bk?: Tensor;
  bv?: Tensor;
  qNorm?: Tensor;
  kNorm?: Tensor;
  ffnNorm: Tensor;
  wGate: Tensor;
  wUp: Tensor;
  wDown: Tensor;
}

export interface KVCache {
  k: Tensor[];
  v: Tensor[];
}

export interface StepGraph {
  graph: Graph;
  logits: GraphNode;
}

/**
 * Graph for evaluating `nTokens` tokens at positions pos0.. (inputs "tokens" and "pos", I32).
 * `allLogits` returns logits for every position (perplexity), otherwise only for the last one.
 */
export function buildDecoderStep(hp: DecoderHParams, w: DecoderWeights, cache: KVCache, pos0: number, nTokens: number, allLogits = false): StepGraph {
  const g = new Graph();
  const T = nTokens;
  const { nHeads: H, nKVHeads: HKV, headDim: D } = hp;
  const tokens = g.input('tokens', [T], 'I32');
  const pos = g.input('pos', [T], 'I32');
  const c = (t: Tensor) => g.constant(t);
  const rope = { mode: hp.ropeMode, dims: hp.ropeDims, base: hp.ropeBase, freqScale: hp.ropeFreqScale };
  const ropeFreqs = w.ropeFreqs ? c(w.ropeFreqs) : undefined;
  const norm = (x: GraphNode, weight: Tensor) => g.mul(g.rmsNorm(x, hp.normEps), c(weight));
  const linear = (x: GraphNode, weight: Tensor, bias?: Tensor) => {
    const y = g.matmul(x, c(weight));
    return bias ? g.add(y, c(bias)) : y;
  };

  let x: GraphNode = g.getRows(c(w.tokenEmbd), tokens);
  w.layers.forEach((L, l) => {
    const h = norm(x, L.attnNorm);
    let q: GraphNode = g.view(linear(h, L.wq, L.bq), [T, H, D]);
    let k: GraphNode = g.view(linear(h, L.wk, L.bk), [T, HKV, D]);
    const v = g.view(linear(h, L.wv, L.bv), [T, HKV, D]);
    if (L.qNorm) q = norm(q, L.qNorm);
    if (L.kNorm) k = norm(k, L.kNorm);
    q = g.rope(q, pos, rope, ropeFreqs);
    k = g.rope(k, pos, rope, ropeFreqs);
    const kc = g.writeRows(c(cache.k[l]!), k, pos0);
    const vc = g.writeRows(c(cache.v[l]!), v, pos0);
    const a = g.attention(q, kc, vc, { pos0, kvLen: pos0 + T, scale: 1 / Math.sqrt(D), causal: true });
    x = g.add(x, g.matmul(g.view(a, [T, H * D]), c(L.wo)));
    const f = norm(x, L.ffnNorm);
    x = g.add(x, g.matmul(g.swiglu(g.matmul(f, c(L.wGate)), g.matmul(f, c(L.wUp))), c(L.wDown)));
  });
  const E = hp.embedDim;
  const last = allLogits || T === 1 ? x : g.view(x, [1, E], (T - 1) * E);
  const logits = g.matmul(norm(last, w.outputNorm), c(w.output));
  return { graph: g, logits };
}
