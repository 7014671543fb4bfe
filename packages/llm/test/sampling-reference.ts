import { Rng } from '../src/runtime/rng.js';

/**
 * The sampler as a reader would write it from llama.cpp's description, for comparison: an object per
 * vocabulary entry, a full sort, each filter on the sorted list. Slow and plain; the production
 * Sampler must draw the same token from the same seed.
 */
export interface RefOptions {
  temperature: number;
  topK: number;
  topP: number;
  minP: number;
  repeatPenalty: number;
  frequencyPenalty: number;
  presencePenalty: number;
  penaltyLastN: number;
  logitBias?: ReadonlyMap<number, number>;
}

export interface Candidate {
  token: number;
  logit: number;
}

export class ReferenceSampler {
  private readonly rng: Rng;
  constructor(
    private readonly o: RefOptions,
    seed: number,
  ) {
    this.rng = new Rng(seed);
  }

  sample(logits: Float32Array, history: readonly number[]): number {
    const o = this.o;
    const cand = this.survivors(logits, history);
    if (o.temperature <= 0 || cand.length === 1) return cand[0]!.token;
    const max = cand[0]!.logit;
    const w = cand.map((c) => Math.exp((c.logit - max) / o.temperature));
    let r = this.rng.next() * w.reduce((a, b) => a + b, 0);
    for (let i = 0; i < cand.length; i++) {
      r -= w[i]!;
      if (r < 0) return cand[i]!.token;
    }
    return cand[cand.length - 1]!.token;
  }

  /** the candidates left after every filter, best first, with their adjusted logits */
  survivors(logits: Float32Array, history: readonly number[]): Candidate[] {
    const o = this.o;
    const l = logits.slice();
    for (const [t, b] of o.logitBias ?? []) l[t] = l[t]! + b;
    const window = o.penaltyLastN < 0 ? history : history.slice(Math.max(0, history.length - o.penaltyLastN));
    const counts = new Map<number, number>();
    for (const t of window) counts.set(t, (counts.get(t) ?? 0) + 1);
    for (const [t, n] of counts) {
      let v = l[t]!;
      if (o.repeatPenalty !== 1) v = v > 0 ? v / o.repeatPenalty : v * o.repeatPenalty;
      l[t] = v - (n * o.frequencyPenalty + o.presencePenalty);
    }
    let cand: Candidate[] = Array.from(l, (logit, token) => ({ token, logit: logit === logit ? logit : -Infinity }));
    cand.sort((a, b) => b.logit - a.logit || a.token - b.token);
    if (o.temperature <= 0) return cand.slice(0, 1);
    if (o.topK > 0) cand = cand.slice(0, o.topK);
    if (o.topP < 1) {
      const p = softmax(cand);
      let mass = 0;
      let keep = cand.length;
      for (let i = 0; i < cand.length; i++) {
        mass += p[i]!;
        if (mass >= o.topP) {
          keep = i + 1;
          break;
        }
      }
      cand = cand.slice(0, keep);
    }
    if (o.minP > 0) {
      const p = softmax(cand);
      const kept = cand.filter((_, i) => p[i]! >= p[0]! * o.minP);
      cand = kept.length ? kept : cand.slice(0, 1);
    }
    return cand;
  }
}

function softmax(cand: Candidate[]): number[] {
  const max = cand[0]!.logit;
  const e = cand.map((c) => Math.exp(c.logit - max));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}
