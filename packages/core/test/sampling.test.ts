import { describe, expect, it } from 'vitest';
import { Sampler, logprobs } from '../src/runtime/sampling.js';
import { Rng } from '../src/runtime/rng.js';
import { InvalidArgumentError } from '../src/errors.js';

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
});
