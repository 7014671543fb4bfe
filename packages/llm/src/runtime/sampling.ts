import { InvalidArgumentError } from '@ix/core';
import { Rng } from './rng.js';
import { atLeast } from './grow.js';
import { nextAbove, TopK } from './top-k.js';

/**
 * Token sampling, applied in llama.cpp's order: logit bias, penalties, then (unless greedy) top-k,
 * top-p, min-p, temperature, and a seeded draw. `temperature <= 0` means greedy (argmax after bias
 * and penalties).
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
  /** added to the logits of these token ids before anything else (-Infinity bans a token) */
  logitBias?: ReadonlyMap<number, number>;
  seed?: number;
}

type Options = Required<Omit<SamplingOptions, 'seed' | 'logitBias'>>;

export const DEFAULT_SAMPLING: Options = {
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

/** top-k off: bins of the histogram that locates top-p's cut */
const HISTOGRAM_BINS = 1024;
/** top-k off: up to this many candidates are drawn best first (as with top-k), beyond in token order */
const SORTED_DRAW_LIMIT = 4096;

/**
 * A sampler for one sequence. Its cost does not grow with the vocabulary beyond one pass over the
 * logits: top-k is a bounded-heap selection, top-p and min-p run on the k survivors, bias and
 * penalties touch only the tokens they name, and every buffer is reused from token to token.
 */
export class Sampler {
  readonly options: Options;
  private readonly logitBias: ReadonlyMap<number, number>;
  private readonly rng: Rng;
  private readonly top = new TopK();
  private probs = new Float64Array(64);
  /** logits changed in place by bias and penalties, and their original values, to restore */
  private savedIds: number[] = [];
  private savedValues: number[] = [];
  private readonly counts = new Map<number, number>();
  private readonly pool: number[] = [];
  private readonly histMass = new Float64Array(HISTOGRAM_BINS);
  private readonly histCount = new Int32Array(HISTOGRAM_BINS);
  private sortBuf = new Float32Array(0);
  private maskBuf = new Float32Array(0);

  constructor(options: SamplingOptions = {}) {
    const { logitBias, seed, ...rest } = options;
    this.options = { ...DEFAULT_SAMPLING, ...stripUndefined(rest) };
    validate(this.options);
    this.logitBias = validateBias(logitBias);
    this.rng = new Rng(seed ?? (Math.random() * 2 ** 32) >>> 0);
  }

  /** true when the draw is an argmax: nothing random, no candidate list needed */
  get greedy(): boolean {
    return this.options.temperature <= 0 || this.options.topK === 1;
  }

  /**
   * Pick the next token from `logits` (left as it was given) given the tokens seen so far.
   * `candidates`, when given, are the ids of the largest raw logits, best first (ties: lower id
   * first), as a backend's top_k finds them: when they are enough for this sampler's top-k plus
   * the tokens bias and penalties change, the draw uses them instead of a pass over the vocabulary,
   * with the same result.
   */
  sample(logits: Float32Array, history: readonly number[], candidates?: Int32Array, allowed?: Int32Array): number {
    if (allowed) {
      // a grammar's mask: the others become -Infinity in a copy, and the backend's candidates may all be banned
      logits = this.masked(logits, allowed);
      candidates = undefined;
    }
    this.adjust(logits, history);
    try {
      if (candidates && this.fromCandidates(logits, candidates)) return this.greedy ? this.top.ids[0]! : this.drawFrom(this.top.size, undefined);
      return this.greedy ? argmax(logits) : this.draw(logits);
    } finally {
      this.restore(logits);
    }
  }

  /** `logits` with every token `allowed` (bit t % 32 of word t >> 5) lacks set to -Infinity, in a reused buffer. */
  private masked(logits: Float32Array, allowed: Int32Array): Float32Array {
    const n = logits.length;
    if (allowed.length * 32 < n) throw new InvalidArgumentError(`sample: a mask of ${allowed.length * 32} tokens for ${n} logits`);
    if (this.maskBuf.length !== n) this.maskBuf = new Float32Array(n);
    const out = this.maskBuf;
    out.set(logits);
    let any = false;
    // words are mostly all-allowed (inside a string) or all-banned (between values): both cost little
    for (let w = 0; w * 32 < n; w++) {
      const bits = allowed[w]!;
      if (bits === -1) {
        any = true;
        continue;
      }
      const base = w * 32, end = Math.min(n, base + 32);
      if (bits === 0) {
        for (let t = base; t < end; t++) out[t] = -Infinity;
        continue;
      }
      let banned = ~bits;
      while (banned !== 0) {
        const t = base + (31 - Math.clz32(banned & -banned));
        banned &= banned - 1;
        if (t < end) out[t] = -Infinity;
      }
      if ((end - base === 32 ? bits : bits & ((1 << (end - base)) - 1)) !== 0) any = true;
    }
    if (!any) throw new InvalidArgumentError('sample: the grammar allows no token of this vocabulary');
    return out;
  }

  /**
   * The top-k of the adjusted logits from the raw top-C: every token outside the C that bias and
   * penalties left alone is no better than the C-th, and at most `adjusted` of the C moved, so the
   * C plus the adjusted tokens hold the k best whenever k + adjusted <= C. Fills this.top.
   */
  private fromCandidates(l: Float32Array, candidates: Int32Array): boolean {
    const k = this.greedy ? 1 : this.options.topK;
    const adjusted = this.savedIds;
    if (k < 1 || k + adjusted.length > candidates.length) return false;
    const pool = this.pool;
    pool.length = 0;
    for (let i = 0; i < candidates.length; i++) pool.push(candidates[i]!);
    for (const t of adjusted) if (!pool.includes(t)) pool.push(t);
    const value = (t: number) => (l[t]! === l[t]! ? l[t]! : -Infinity);
    pool.sort((a, b) => value(b) - value(a) || a - b);
    const n = Math.min(k, pool.length);
    const top = this.top;
    top.reserve(n);
    for (let i = 0; i < n; i++) {
      top.ids[i] = pool[i]!;
      top.values[i] = value(pool[i]!);
    }
    top.size = n;
    return true;
  }

  /** bias and penalties, written into `logits` (the originals are saved for restore) */
  private adjust(l: Float32Array, history: readonly number[]): void {
    const o = this.options;
    for (const [t, b] of this.logitBias) if (t < l.length) this.set(l, t, l[t]! + b);
    if (o.repeatPenalty === 1 && o.frequencyPenalty === 0 && o.presencePenalty === 0) return;
    const counts = this.counts;
    counts.clear();
    const from = o.penaltyLastN < 0 ? 0 : Math.max(0, history.length - o.penaltyLastN);
    for (let i = from; i < history.length; i++) counts.set(history[i]!, (counts.get(history[i]!) ?? 0) + 1);
    for (const [t, n] of counts) {
      if (!(t >= 0 && t < l.length)) continue;
      let v = l[t]!;
      if (o.repeatPenalty !== 1) v = v > 0 ? v / o.repeatPenalty : v * o.repeatPenalty;
      v -= n * o.frequencyPenalty + o.presencePenalty;
      this.set(l, t, v);
    }
  }

  private set(l: Float32Array, t: number, v: number): void {
    this.savedIds.push(t);
    this.savedValues.push(l[t]!);
    l[t] = v;
  }

  private restore(l: Float32Array): void {
    // backwards, so a token adjusted twice gets its first-saved (original) value back
    for (let i = this.savedIds.length - 1; i >= 0; i--) l[this.savedIds[i]!] = this.savedValues[i]!;
    this.savedIds.length = 0;
    this.savedValues.length = 0;
  }

  private draw(l: Float32Array): number {
    const o = this.options;
    if (o.topK > 0 && o.topK < l.length) return this.drawFrom(this.top.select(l, o.topK), undefined);
    if (o.topP >= 1 && o.minP <= 0) return this.drawAll(l);
    return this.drawUnbounded(l);
  }

  /**
   * Top-k off, top-p and/or min-p on: the whole vocabulary is in play and top-p's mass is over all
   * of it. A histogram of the logits (by distance from the best, weighted by probability) tells how
   * many of the best tokens hold the cut, in one pass; when they are few they are selected and
   * drawn best first, like the top-k path, else the cut value is found by sorting those values
   * alone and the draw walks the vocabulary in token order (the same law, without sorting ids).
   */
  private drawUnbounded(l: Float32Array): number {
    const { topP, minP, temperature } = this.options;
    const vocab = l.length;
    const best = argmax(l);
    const max = l[best]!;
    if (!Number.isFinite(max)) return best;
    const e = (this.probs = atLeast(this.probs, vocab));
    let total = 0;
    let lowest = max;
    for (let i = 0; i < vocab; i++) {
      const v = l[i]!;
      const x = v === v ? Math.exp(v - max) : 0;
      e[i] = x;
      total += x;
      if (x > 0 && v < lowest) lowest = v;
    }
    // tokens of zero probability, and those min-p drops, are never candidates
    const floor = Math.max(minP, Number.MIN_VALUE);
    const span = minP > 0 ? Math.min(max - lowest, -Math.log(minP)) : max - lowest;
    const scale = span > 0 ? (HISTOGRAM_BINS - 1) / span : 0;
    const bin = (v: number) => Math.min(HISTOGRAM_BINS - 1, Math.floor((max - v) * scale));
    const mass = this.histMass.fill(0);
    const count = this.histCount.fill(0);
    for (let i = 0; i < vocab; i++) {
      const x = e[i]!;
      if (x < floor) continue;
      const b = bin(l[i]!);
      mass[b] += x;
      count[b]!++;
    }
    // bins up to the one where the mass reaches topP, and one more for rounding
    let candidates = 0;
    let cum = 0;
    let lastBin = HISTOGRAM_BINS - 1;
    for (let b = 0; b < HISTOGRAM_BINS; b++) {
      candidates += count[b]!;
      cum += mass[b]! / total;
      if (topP < 1 && cum >= topP) {
        lastBin = Math.min(b + 1, HISTOGRAM_BINS - 1);
        if (lastBin > b) candidates += count[lastBin]!;
        break;
      }
    }
    if (candidates <= SORTED_DRAW_LIMIT) return this.drawFrom(this.top.select(l, candidates), total);

    // many candidates: the cut value from their sorted values, then a draw in token order
    const buf = (this.sortBuf = atLeast(this.sortBuf, candidates));
    let n = 0;
    for (let i = 0; i < vocab; i++) if (e[i]! >= floor && bin(l[i]!) <= lastBin) buf[n++] = l[i]!;
    const sorted = buf.subarray(0, n).sort();
    let keep = n;
    let m = 0;
    for (let j = 0; j < n; j++) {
      const x = Math.exp(sorted[n - 1 - j]! - max);
      if (j > 0 && x < minP) {
        keep = j;
        break;
      }
      m += x / total;
      if (topP < 1 && m >= topP) {
        keep = j + 1;
        break;
      }
    }
    const cutValue = sorted[n - keep]!;
    let ties = 0;
    for (let j = n - keep; j < n && sorted[j] === cutValue; j++) ties++;
    let sum = 0;
    for (let i = 0; i < vocab; i++) {
      const v = l[i]!;
      let w = 0;
      if (v > cutValue || (v === cutValue && ties-- > 0)) w = Math.exp((v - max) / temperature);
      e[i] = w;
      sum += w;
    }
    const i = this.pick(e, vocab, sum);
    return i < 0 ? best : i;
  }

  /**
   * Survivors of top-p and min-p among the `n` best candidates (held in this.top): the smallest
   * prefix whose probability mass reaches topP (mass over `total`, or over the n themselves), cut
   * further where a probability falls below minP times the best one's. Returns n when neither cuts.
   */
  private cut(n: number, total: number | undefined): number {
    const { topP, minP } = this.options;
    const vals = this.top.values;
    const max = vals[0]!;
    if (!Number.isFinite(max)) return 1;
    const e = (this.probs = atLeast(this.probs, n));
    let s = 0;
    for (let i = 0; i < n; i++) s += e[i] = Math.exp(vals[i]! - max);
    const z = total ?? s;
    let keep = n;
    if (topP < 1) {
      let mass = 0;
      for (let i = 0; i < n; i++) {
        mass += e[i]! / z;
        if (mass >= topP) {
          keep = i + 1;
          break;
        }
      }
    }
    if (minP > 0) {
      // a ratio of probabilities: the normalisation cancels
      for (let i = 1; i < keep; i++) {
        if (e[i]! < minP) {
          keep = i;
          break;
        }
      }
    }
    return keep;
  }

  /** temperature and a seeded draw over the survivors of the n best candidates, best first */
  private drawFrom(n: number, total: number | undefined): number {
    const keep = this.cut(n, total);
    const vals = this.top.values;
    const ids = this.top.ids;
    const t = this.options.temperature;
    const max = vals[0]!;
    if (keep === 1 || !Number.isFinite(max)) return ids[0]!;
    const p = this.probs;
    let sum = 0;
    for (let i = 0; i < keep; i++) sum += p[i] = Math.exp((vals[i]! - max) / t);
    const i = this.pick(p, keep, sum);
    return ids[i < 0 ? keep - 1 : i]!;
  }

  /** plain temperature sampling over the whole vocabulary (no filter): one pass, in token order */
  private drawAll(l: Float32Array): number {
    const t = this.options.temperature;
    const best = argmax(l);
    const max = l[best]!;
    if (!Number.isFinite(max)) return best;
    const p = (this.probs = atLeast(this.probs, l.length));
    let sum = 0;
    for (let i = 0; i < l.length; i++) {
      const v = l[i]!;
      sum += p[i] = v === v ? Math.exp((v - max) / t) : 0;
    }
    const i = this.pick(p, l.length, sum);
    return i < 0 ? best : i;
  }

  /** the seeded draw: index i of weights[0, n) with probability weights[i] / sum; -1 if rounding runs past the end */
  private pick(weights: Float64Array, n: number, sum: number): number {
    let r = this.rng.next() * sum;
    for (let i = 0; i < n; i++) {
      r -= weights[i]!;
      if (r < 0) return i;
    }
    return -1;
  }
}

/** index of the largest value (the first one on ties); NaN never wins */
export function argmax(x: ArrayLike<number>): number {
  if (x instanceof Float32Array) {
    // only a new maximum leaves the tight search loop
    let best = 0;
    let max = -Infinity;
    const n = x.length;
    for (let i = nextAbove(x, 0, n, max); i < n; i = nextAbove(x, i + 1, n, max)) {
      max = x[i]!;
      best = i;
    }
    return best;
  }
  let best = 0;
  let max = -Infinity;
  for (let i = 0; i < x.length; i++) {
    if (x[i]! > max) {
      max = x[i]!;
      best = i;
    }
  }
  return best;
}

/** sum of exp(x - max(x)), in f64 */
function expSum(x: Float32Array): number {
  const max = x[argmax(x)]!;
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (v === v) s += Math.exp(v - max);
  }
  return s;
}

/** log-softmax of the raw logits: the model's own distribution, for `logprobs` */
export function logprobs(logits: Float32Array, top: number, chosen?: number): { chosen?: TokenLogprob; top: TokenLogprob[] } {
  const lse = logits[argmax(logits)]! + Math.log(expSum(logits));
  const topList: TokenLogprob[] = [];
  if (top > 0) {
    const sel = new TopK();
    const n = sel.select(logits, top);
    for (let i = 0; i < n; i++) topList.push({ token: sel.ids[i]!, logprob: sel.values[i]! - lse });
  }
  return {
    chosen: chosen === undefined ? undefined : { token: chosen, logprob: logits[chosen]! - lse },
    top: topList,
  };
}

function validate(o: Options): void {
  const bad = (what: string) => {
    throw new InvalidArgumentError(`sampling: ${what}`);
  };
  if (!Number.isFinite(o.temperature) || o.temperature < 0) bad(`temperature must be >= 0, got ${o.temperature}`);
  if (!Number.isInteger(o.topK) || o.topK < 0) bad(`topK must be an integer >= 0, got ${o.topK}`);
  if (!(o.topP > 0 && o.topP <= 1)) bad(`topP must be in (0, 1], got ${o.topP}`);
  if (!(o.minP >= 0 && o.minP <= 1)) bad(`minP must be in [0, 1], got ${o.minP}`);
  if (!(o.repeatPenalty > 0)) bad(`repeatPenalty must be > 0, got ${o.repeatPenalty}`);
  if (!Number.isFinite(o.frequencyPenalty) || !Number.isFinite(o.presencePenalty)) bad('penalties must be finite numbers');
  if (!Number.isInteger(o.penaltyLastN) || o.penaltyLastN < -1) bad(`penaltyLastN must be an integer >= -1, got ${o.penaltyLastN}`);
}

function validateBias(bias: ReadonlyMap<number, number> | undefined): ReadonlyMap<number, number> {
  if (!bias) return new Map();
  for (const [t, b] of bias) {
    if (!Number.isInteger(t) || t < 0) throw new InvalidArgumentError(`sampling: logit bias token ids must be integers >= 0, got ${t}`);
    if (Number.isNaN(b) || b === Infinity) throw new InvalidArgumentError(`sampling: logit bias for token ${t} must be a number or -Infinity, got ${b}`);
  }
  return bias;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
