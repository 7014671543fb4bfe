import { attentionSpan } from '../../graph.js';
import type { HostTensor } from '../host-tensor.js';
import { dot, type Kernel } from './kernel.js';
import { softmaxInto } from './softmax.js';

/**
 * Scaled dot-product attention over a KV cache: q[T, Hq, D], k, v[S, Hkv, D] (F32 or F16).
 * Query t sits at absolute position pos0 + t and sees cache rows j < kvLen (and j <= pos0 + t when
 * causal, and j > pos0 + t - window with a window; without causality a window is symmetric:
 * |j - (pos0 + t)| <= floor(window / 2)); query head h reads kv head floor(h·Hkv/Hq).
 * Scores (soft-capped when asked), softmax (with head h's sink logit in its denominator when
 * sinks are given) and the weighted sum are float64.
 */
export const attention: Kernel<'attention'> = ({ pos0, kvLen, scale, causal, softcap, window }, [q, k, v, sinks], out) => {
  const [tokens, qHeads, d] = q!.shape as [number, number, number];
  const kvHeads = k!.shape[1]!;
  const qs = q!.f32();
  const keys = visibleRows(k!, kvLen);
  const values = visibleRows(v!, kvLen);
  const ys = out.f32();
  const scores = new Float64Array(kvLen);
  const probs = new Float64Array(kvLen);
  const sink = sinks?.f32();
  for (let t = 0; t < tokens; t++) {
    const [first, seen] = attentionSpan({ pos0, kvLen, causal, window }, t);
    const n = Math.max(0, seen - first);
    for (let h = 0; h < qHeads; h++) {
      const g = Math.floor((h * kvHeads) / qHeads);
      const qo = (t * qHeads + h) * d;
      for (let j = first; j < seen; j++) {
        const s = dot(qs, qo, keys, (j * kvHeads + g) * d, d) * scale;
        scores[j - first] = softcap ? softcap * Math.tanh(s / softcap) : s;
      }
      softmaxInto(scores, 0, n, 1, probs, 0, sink ? sink[h]! : -Infinity);
      for (let i = 0; i < d; i++) {
        let acc = 0;
        for (let j = 0; j < n; j++) acc += probs[j]! * values[((first + j) * kvHeads + g) * d + i]!;
        ys[qo + i] = acc;
      }
    }
  }
};

/** the first kvLen cache rows, decoded to float32 */
function visibleRows(cache: HostTensor, kvLen: number): Float32Array {
  return cache.decode((cache.size / cache.shape[0]!) * kvLen);
}
