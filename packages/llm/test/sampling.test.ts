import { describe, expect, it } from 'vitest';
import { Sampler, logprobs } from '../src/runtime/sampling.js';
import { Rng } from '../src/runtime/rng.js';
import { InvalidArgumentError } from '@ix/core';
import { TopK } from '../src/runtime/top-k.js';
import { ReferenceSampler, type RefOptions } from './sampling-reference.js';

const logits = new Float32Array([1.0, 3.0, 2.0, 0.5, 3.0]);

function freq(s: Sampler, l: Float32Array, n: number): number[] {
  const c = new Array(l.length).fill(0);
  for (let i = 0; i < n; i++) c[s.sample(l, [])]++;
  return c.map((x) => x / n);
}

describe('sampling', () => {
  it('greedy picks the first maximum', () => {
    expect(new Sampler({ temperature: 0 }).sample(logits, [])).toBe(1);
  });

  it('top-k 1 equals greedy whatever the temperature', () => {
    const s = new Sampler({ temperature: 5, topK: 1, seed: 1 });
    for (let i = 0; i < 50; i++) expect(s.sample(logits, [])).toBe(1);
  });

  it('the same seed gives the same tokens, another seed other tokens', () => {
    const run = (seed: number) => {
      const s = new Sampler({ temperature: 1, topK: 0, topP: 1, minP: 0, seed });
      return Array.from({ length: 64 }, () => s.sample(logits, []));
    };
    expect(run(42)).toEqual(run(42));
    expect(run(42)).not.toEqual(run(43));
  });

  it('draws follow softmax(logits / T) with no filters', () => {
    const T = 0.7;
    const s = new Sampler({ temperature: T, topK: 0, topP: 1, minP: 0, seed: 7 });
    const f = freq(s, logits, 40000);
    const e = Array.from(logits, (v) => Math.exp(v / T));
    const z = e.reduce((a, b) => a + b, 0);
    e.forEach((v, i) => expect(Math.abs(f[i]! - v / z)).toBeLessThan(0.01));
  });

  it('top-p keeps the smallest set reaching p', () => {
    // probs of [0,1,2,3,4] = softmax: tokens 1 and 4 (ties) hold ~0.70 together, +token 2 ~0.95
    const s = new Sampler({ temperature: 1, topK: 0, topP: 0.6, minP: 0, seed: 3 });
    const f = freq(s, logits, 4000);
    expect(f[0]).toBe(0);
    expect(f[2]).toBe(0);
    expect(f[3]).toBe(0);
    expect(f[1]! + f[4]!).toBe(1);
  });

  it('min-p drops tokens below p times the best probability', () => {
    // p(token0)/p(best) = e^(1-3) = 0.135, p(token3)/p(best) = e^-2.5 = 0.082
    const s = new Sampler({ temperature: 1, topK: 0, topP: 1, minP: 0.1, seed: 5 });
    const f = freq(s, logits, 4000);
    expect(f[3]).toBe(0);
    expect(f[0]).toBeGreaterThan(0);
  });

  it('repeat penalty divides positive and multiplies negative logits (llama.cpp)', () => {
    const l = new Float32Array([2.0, -1.0, 1.9]);
    // token 0 seen: 2.0/1.1 = 1.818 < 1.9 -> greedy moves to token 2
    expect(new Sampler({ temperature: 0, repeatPenalty: 1.1 }).sample(l, [0])).toBe(2);
    const l2 = new Float32Array([-1.0, -1.05]);
    // token 0 seen: -1.0*1.1 = -1.1 < -1.05
    expect(new Sampler({ temperature: 0, repeatPenalty: 1.1 }).sample(l2, [0])).toBe(1);
  });

  it('frequency and presence penalties follow the OpenAI formula', () => {
    const l = new Float32Array([3.0, 2.5]);
    // token 0 seen twice: 3 - 2*0.2 - 0.05 = 2.55 > 2.5 ; with 3 times: 3 - 0.6 - 0.05 = 2.35 < 2.5
    const s = new Sampler({ temperature: 0, frequencyPenalty: 0.2, presencePenalty: 0.05 });
    expect(s.sample(l, [0, 0])).toBe(0);
    expect(s.sample(l, [0, 0, 0])).toBe(1);
  });

  it('logprobs are a log-softmax', () => {
    const r = logprobs(logits, 2, 2);
    const z = Array.from(logits).reduce((a, v) => a + Math.exp(v), 0);
    expect(r.chosen!.logprob).toBeCloseTo(2 - Math.log(z), 6);
    expect(r.top.map((t) => t.token)).toEqual([1, 4]);
  });

  it('rejects invalid options with a typed error', () => {
    expect(() => new Sampler({ temperature: -1 })).toThrow(InvalidArgumentError);
    expect(() => new Sampler({ topP: 0 })).toThrow(InvalidArgumentError);
    expect(() => new Sampler({ topK: 1.5 })).toThrow(InvalidArgumentError);
  });

  it('rng is uniform enough', () => {
    const r = new Rng(123);
    const bins = new Array(10).fill(0);
    for (let i = 0; i < 100000; i++) bins[Math.floor(r.next() * 10)]++;
    for (const b of bins) expect(Math.abs(b - 10000)).toBeLessThan(500);
  });

  it('logit bias shifts and -Infinity bans tokens', () => {
    expect(new Sampler({ temperature: 0, logitBias: new Map([[1, -Infinity], [4, -1.5]]) }).sample(logits, [])).toBe(2);
    expect(new Sampler({ temperature: 0, logitBias: new Map([[3, 3]]) }).sample(logits, [])).toBe(3);
    expect(() => new Sampler({ logitBias: new Map([[-1, 1]]) })).toThrow(InvalidArgumentError);
    expect(() => new Sampler({ logitBias: new Map([[1, NaN]]) })).toThrow(InvalidArgumentError);
  });

  it('takes its top-k from candidates only when they are enough, and then draws as without them', () => {
    // logits where the best raw token (0) is penalised below the 41st: it must leave the top-k
    const l = Float32Array.from({ length: 200 }, (_, i) => 100 - i * 0.1);
    l[0] = 200;
    const sel = new TopK();
    sel.select(l, 41);
    const c41 = sel.ids.slice(0, 41);
    const o = { temperature: 0.5, topK: 40, topP: 1, minP: 0, frequencyPenalty: 200, seed: 3 };
    const plain = new Sampler(o);
    const cand = new Sampler(o);
    for (let i = 0; i < 200; i++) {
      const t = plain.sample(l, [0]);
      expect(t).not.toBe(0);
      expect(cand.sample(l, [0], c41)).toBe(t);
    }
    // too few candidates for top-k 40 plus one adjusted token: the full pass, the same tokens
    const few = new Sampler(o);
    const again = new Sampler(o);
    for (let i = 0; i < 50; i++) expect(few.sample(l, [0], c41.subarray(0, 40))).toBe(again.sample(l, [0]));
  });

  it('leaves the logits as they were, penalties and bias included', () => {
    const l = randomLogits(1000, 9);
    const copy = l.slice();
    const s = new Sampler({ temperature: 0.8, repeatPenalty: 1.3, frequencyPenalty: 0.5, presencePenalty: 0.2, logitBias: new Map([[5, 2], [7, -Infinity]]), seed: 1 });
    for (let i = 0; i < 5; i++) s.sample(l, [5, 5, 7, 9, 999, 7]);
    expect(l).toEqual(copy);
  });

  it('draws the same tokens as the full-sort reference sampler, for every filter combination', () => {
    // vocabularies with ties (rounded logits), NaN, -Infinity; histories with repeats
    let cases = 0;
    for (const vocab of [7, 300, 5000]) {
      for (const topK of [0, 1, 5, 40, vocab + 3]) {
        for (const topP of [1, 0.9, 0.5]) {
          for (const minP of [0, 0.05, 0.3]) {
            for (const temperature of [0, 0.7, 1.5]) {
              // with no filter at all the production sampler walks in token order (same law, other draws)
              if (temperature > 0 && (topK === 0 || topK >= vocab) && topP === 1 && minP === 0) continue;
              const o: RefOptions = { temperature, topK, topP, minP, repeatPenalty: 1.1, frequencyPenalty: 0.1, presencePenalty: 0.05, penaltyLastN: 8, logitBias: new Map([[2, 1.5]]) };
              const seed = cases * 7 + 1;
              const ref = new ReferenceSampler(o, seed);
              const fast = new Sampler({ ...o, seed });
              // the same with a backend's top-C candidates (C = 48: enough for top-k 40 plus the
              // adjusted tokens; the others fall back to the full pass)
              const withCandidates = new Sampler({ ...o, seed });
              const sel = new TopK();
              const history = [1, 2, 2, 3];
              for (let step = 0; step < 8; step++) {
                const l = randomLogits(vocab, seed * 31 + step, step % 3 === 0);
                const want = ref.sample(l, history);
                const what = JSON.stringify({ vocab, topK, topP, minP, temperature, step });
                expect(fast.sample(l, history), what).toBe(want);
                const c = sel.select(l, 48);
                expect(withCandidates.sample(l, history, sel.ids.slice(0, c)), what).toBe(want);
                history.push(want);
              }
              cases++;
            }
          }
        }
      }
    }
    expect(cases).toBeGreaterThan(300);
  });
  it('with top-k off and many survivors, draws only survivors, by their temperature law', () => {
    // 30k near-flat logits: each filter keeps over 4096 tokens, too many to sort, so the draw walks token order
    const r = new Rng(11);
    const l = Float32Array.from({ length: 30000 }, () => Math.round((r.next() - 0.5) * 400) / 100);
    for (const o of [
      { topP: 0.5, minP: 0 },
      { topP: 1, minP: 0.3 },
      { topP: 0.7, minP: 0.2 },
    ]) {
      const opts: RefOptions = { temperature: 0.9, topK: 0, repeatPenalty: 1, frequencyPenalty: 0, presencePenalty: 0, penaltyLastN: 0, ...o };
      const survivors = new ReferenceSampler(opts, 1).survivors(l, []);
      expect(survivors.length).toBeGreaterThan(4096);
      const allowed = new Set(survivors.map((c) => c.token));
      // expected logit of a draw, and its spread, under softmax(logit / T) over the survivors
      const w = survivors.map((c) => Math.exp((c.logit - survivors[0]!.logit) / opts.temperature));
      const z = w.reduce((a, b) => a + b, 0);
      const mean = survivors.reduce((a, c, i) => a + (c.logit * w[i]!) / z, 0);
      const sd = Math.sqrt(survivors.reduce((a, c, i) => a + ((c.logit - mean) ** 2 * w[i]!) / z, 0));
      const s = new Sampler({ ...opts, seed: 5 });
      const n = 800;
      let sum = 0;
      for (let i = 0; i < n; i++) {
        const t = s.sample(l, []);
        expect(allowed.has(t), JSON.stringify(o)).toBe(true);
        sum += l[t]!;
      }
      expect(Math.abs(sum / n - mean)).toBeLessThan((5 * sd) / Math.sqrt(n));
    }
  });
});

describe('TopK', () => {
  it('selects the k largest, best first, lower index first on ties, NaN never', () => {
    const sel = new TopK();
    for (const [n, k, seed] of [
      [1, 1, 1],
      [10, 3, 2],
      [10, 10, 3],
      [10, 25, 4],
      [5000, 40, 5],
      [5000, 700, 6],
    ] as const) {
      const x = randomLogits(n, seed, true);
      const want = Array.from(x, (v, i) => ({ v: v === v ? v : -Infinity, i }))
        .sort((a, b) => b.v - a.v || a.i - b.i)
        .slice(0, k);
      const got = sel.select(x, k);
      expect(got).toBe(Math.min(n, k));
      expect(Array.from(sel.ids.subarray(0, got))).toEqual(want.map((w) => w.i));
      expect(Array.from(sel.values.subarray(0, got))).toEqual(want.map((w) => w.v));
    }
    // ascending input: every entry enters the heap (the worst case)
    const asc = Float32Array.from({ length: 1000 }, (_, i) => i);
    sel.select(asc, 4);
    expect(Array.from(sel.ids.subarray(0, 4))).toEqual([999, 998, 997, 996]);
    expect(sel.select(asc, 0)).toBe(0);
  });
});

/** logits rounded to 1/8 (many ties); `odd` adds a NaN and a -Infinity */
function randomLogits(n: number, seed: number, odd = false): Float32Array {
  const r = new Rng(seed);
  const l = Float32Array.from({ length: n }, () => Math.round((r.next() + r.next() + r.next() - 1.5) * 40) / 8);
  if (odd && n > 3) {
    l[Math.floor(r.next() * n)] = NaN;
    l[Math.floor(r.next() * n)] = -Infinity;
  }
  return l;
}

describe('a grammar mask (bit t % 32 of word t >> 5)', () => {
  const maskOf = (vocab: number, allowed: number[]) => {
    const m = new Int32Array(Math.ceil(vocab / 32));
    for (const t of allowed) m[t >> 5]! |= 1 << (t & 31);
    return m;
  };

  it('greedy and random draws only ever pick allowed tokens; the logits are left as given', () => {
    const vocab = 1000; // not a multiple of 32: the last word is partial
    const logits = Float32Array.from({ length: vocab }, (_, i) => Math.sin(i) * 5);
    const copy = logits.slice();
    const allowedSets = [[3], [999], [31, 32, 33], Array.from({ length: 900 }, (_, i) => i + 50), Array.from({ length: 40 }, (_, i) => i * 25)];
    for (const allowed of allowedSets) {
      const mask = maskOf(vocab, allowed);
      const set = new Set(allowed);
      const best = allowed.reduce((a, b) => (logits[b]! > logits[a]! ? b : a));
      expect(new Sampler({ temperature: 0 }).sample(logits, [], undefined, mask)).toBe(best);
      const s = new Sampler({ temperature: 1.5, topK: 0, topP: 1, minP: 0, seed: 3 });
      for (let i = 0; i < 200; i++) expect(set.has(s.sample(logits, [], undefined, mask))).toBe(true);
    }
    expect(logits).toEqual(copy);
  });

  it('a mask that allows nothing, or is too short, is an error', () => {
    const logits = new Float32Array(64);
    expect(() => new Sampler({}).sample(logits, [], undefined, new Int32Array(2))).toThrow(/allows no token/);
    expect(() => new Sampler({}).sample(logits, [], undefined, new Int32Array(1))).toThrow(/mask of 32 tokens for 64 logits/);
  });
});
