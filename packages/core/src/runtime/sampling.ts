import { InvalidArgumentError } from '../errors.js';
import { Rng } from './rng.js';

/**
 * Token sampling, applied in llama.cpp's order: penalties, then (unless greedy) top-k, top-p,
 * min-p, temperature, and a seeded draw. `temperature <= 0` means greedy (argmax after penalties).
 */
export interface SamplingOptions {
  temperature?: number;
  topK?: number;
  topP?: number;
  minP?: number;
  /** multiplicative penalty on logits of recently seen tokens (1 = off), as llama.cpp's repeat_penalty */
  repeatPenalty?: number;
  /** subtract frequencyPenalty * count(token) (OpenAI semantics; 0 = off) */
  frequencyPenalty?: number;
  /** subtract presencePenalty once for every token seen (0 = off) */
  presencePenalty?: number;
  /** how many recent tokens the penalties look at (default 64; -1 = all) */
  penaltyLastN?: number;
  seed?: number;
}

export const DEFAULT_SAMPLING: Required<Omit<SamplingOptions, 'seed'>> = {
  temperature: 0.8,
  topK: 40,
  topP: 0.95,
  minP: 0.05,
  repeatPenalty: 1.0,
  frequencyPenalty: 0,
  presencePenalty: 0,
  penaltyLastN: 64,
};

export interface TokenLogprob {
  token: number;
  logprob: number;
}

export class Sampler {
  readonly options: Required<Omit<SamplingOptions, 'seed'>>;
  private readonly rng: Rng;

  constructor(options: SamplingOptions = {}) {
    this.options = { ...DEFAULT_SAMPLING, ...stripUndefined(options) };
    validate(this.options);
    this.rng = new Rng(options.seed ?? (Math.random() * 2 ** 32) >>> 0);
  }

  /** Pick the next token from `logits` (not modified) given the tokens seen so far. */
  sample(logits: Float32Array, history: readonly number[]): number {
    const o = this.options;
    const l = applyPenalties(logits, history, o);
    if (o.temperature <= 0) return argmax(l);

    let cand = candidates(l, o.topK);
    cand = topP(cand, o.topP);
    cand = minP(cand, o.minP);
    // temperature and softmax over the survivors
    const max = cand[0]!.logit;
    let sum = 0;
    const probs = cand.map((c) => {
      const p = Math.exp((c.logit - max) / o.temperature);
      sum += p;
      return p;
    });
    let r = this.rng.next() * sum;
    for (let i = 0; i < cand.length; i++) {
      r -= probs[i]!;
      if (r < 0) return cand[i]!.token;
    }
    return cand[cand.length - 1]!.token;
  }
}

interface Candidate {
  token: number;
  logit: number;
}

export function argmax(x: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < x.length; i++) if (x[i]! > x[best]!) best = i;
  return best;
}

function applyPenalties(logits: Float32Array, history: readonly number[], o: Required<Omit<SamplingOptions, 'seed'>>): Float32Array {
  if (o.repeatPenalty === 1 && o.frequencyPenalty === 0 && o.presencePenalty === 0) return logits;
  const window = o.penaltyLastN < 0 ? history : history.slice(Math.max(0, history.length - o.penaltyLastN));
  const counts = new Map<number, number>();
  for (const t of window) counts.set(t, (counts.get(t) ?? 0) + 1);
  const out = logits.slice();
  for (const [t, n] of counts) {
    if (t < 0 || t >= out.length) continue;
    let v = out[t]!;
    if (o.repeatPenalty !== 1) v = v > 0 ? v / o.repeatPenalty : v * o.repeatPenalty;
    v -= n * o.frequencyPenalty + o.presencePenalty;
    out[t] = v;
  }
  return out;
}

/** candidates sorted by logit, descending (ties: lower token id first), cut to k when k > 0 */
function candidates(logits: Float32Array, k: number): Candidate[] {
  const all: Candidate[] = Array.from(logits, (logit, token) => ({ token, logit }));
  all.sort((a, b) => b.logit - a.logit || a.token - b.token);
  return k > 0 && k < all.length ? all.slice(0, k) : all;
}

function softmaxOf(cand: Candidate[]): number[] {
  const max = cand[0]!.logit;
  const e = cand.map((c) => Math.exp(c.logit - max));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

/** smallest prefix whose probability mass reaches p (always at least one token) */
function topP(cand: Candidate[], p: number): Candidate[] {
  if (p >= 1) return cand;
  const probs = softmaxOf(cand);
  let mass = 0;
  for (let i = 0; i < cand.length; i++) {
    mass += probs[i]!;
    if (mass >= p) return cand.slice(0, i + 1);
  }
  return cand;
}

/** drop tokens whose probability is below minP times the most likely one's */
function minP(cand: Candidate[], p: number): Candidate[] {
  if (p <= 0) return cand;
  const probs = softmaxOf(cand);
  const cut = probs[0]! * p;
  const kept = cand.filter((_, i) => probs[i]! >= cut);
  return kept.length ? kept : cand.slice(0, 1);
}

/** log-softmax of the raw logits: the model's own distribution, for `logprobs` */
export function logprobs(logits: Float32Array, top: number, chosen?: number): { chosen?: TokenLogprob; top: TokenLogprob[] } {
  let max = -Infinity;
  for (const v of logits) if (v > max) max = v;
  let sum = 0;
  for (const v of logits) sum += Math.exp(v - max);
  const lse = max + Math.log(sum);
  const topList = top > 0 ? candidates(logits, top).map((c) => ({ token: c.token, logprob: c.logit - lse })) : [];
  return {
    chosen: chosen === undefined ? undefined : { token: chosen, logprob: logits[chosen]! - lse },
    top: topList,
  };
}

function validate(o: Required<Omit<SamplingOptions, 'seed'>>): void {
  const bad = (what: string) => {
    throw new InvalidArgumentError(`sampling: ${what}`);
  };
  if (!Number.isFinite(o.temperature) || o.temperature < 0) bad(`temperature must be >= 0, got ${o.temperature}`);
  if (!Number.isInteger(o.topK) || o.topK < 0) bad(`topK must be an integer >= 0, got ${o.topK}`);
  if (!(o.topP > 0 && o.topP <= 1)) bad(`topP must be in (0, 1], got ${o.topP}`);
  if (!(o.minP >= 0 && o.minP <= 1)) bad(`minP must be in [0, 1], got ${o.minP}`);
  if (!(o.repeatPenalty > 0)) bad(`repeatPenalty must be > 0, got ${o.repeatPenalty}`);
  if (!Number.isFinite(o.frequencyPenalty) || !Number.isFinite(o.presencePenalty)) bad('penalties must be finite numbers');
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
