import type { Model } from './model.js';
import { Sampler } from './sampling.js';
import { Session } from './session.js';
import type { Precision } from '../precision/index.js';

export interface SpeedResult {
  test: string;
  tokens: number;
  /** the median repeat's */
  seconds: number;
  tokensPerSecond: number;
  /** tokens/s of every repeat, in order */
  repeats: number[];
  /**
   * host overhead: wall time outside the backends' compute (graph, executor and step code in
   * JavaScript, copies, the sampler), per token, in ms (the median repeat's)
   */
  hostMsPerToken: number;
  /** host overhead as a share of the wall time */
  hostShare: number;
  /** tg only: the sampler's share of each token, in ms (absent with sampling 'none') */
  samplingMsPerToken?: number;
}

/**
 * How generation picks each next token in the tg test: `default` samples with llama.cpp's default
 * chain (what users run: top-k 40, top-p 0.95, min-p 0.05, temperature 0.8), `greedy` takes the
 * argmax, `none` feeds fixed token ids without looking at the logits (llama-bench's tg).
 */
export type SpeedSampling = 'default' | 'greedy' | 'none';

export interface SpeedOptions {
  sampling?: SpeedSampling;
  /** runs of each test; the median is reported (default 5, as llama-bench) */
  repeats?: number;
  /** nested models: the precision the steps read */
  precision?: Precision;
}

interface Run {
  seconds: number;
  computeMs: number;
  samplingMs: number;
}

/**
 * Prompt processing (one batch of `pp` tokens) and generation (`tg` single-token steps) speed, as
 * llama-bench measures them: after a warm-up, each test is repeated and the median run reported,
 * with the host overhead and the sampler's time per token. Prompt token ids are fixed
 * pseudo-random values: speed does not depend on them.
 */
export async function measureSpeed(model: Model, pp: number, tg: number, options: SpeedOptions = {}): Promise<SpeedResult[]> {
  const sampling = options.sampling ?? 'default';
  const repeats = options.repeats ?? 5;
  const vocab = model.hparams.vocabSize;
  const session = model.createSession({ contextLength: pp + tg + 1, batchSize: Math.max(1, pp), precision: options.precision });
  const results: SpeedResult[] = [];
  const timed = async (work: () => Promise<number>): Promise<Run> => {
    session.reset();
    const c0 = model.executor.computeMs;
    const t0 = performance.now();
    const samplingMs = await work();
    return { seconds: (performance.now() - t0) / 1000, computeMs: model.executor.computeMs - c0, samplingMs };
  };
  const result = (test: string, tokens: number, runs: Run[]) => {
    const median = [...runs].sort((a, b) => a.seconds - b.seconds)[runs.length >> 1]!;
    const hostMs = median.seconds * 1000 - median.computeMs;
    const r: SpeedResult = {
      test,
      tokens,
      seconds: median.seconds,
      tokensPerSecond: tokens / median.seconds,
      repeats: runs.map((x) => tokens / x.seconds),
      hostMsPerToken: hostMs / tokens,
      hostShare: hostMs / (median.seconds * 1000),
    };
    if (test.startsWith('tg') && sampling !== 'none') r.samplingMsPerToken = median.samplingMs / Math.max(1, tokens - 1);
    results.push(r);
  };

  const prompt = Array.from({ length: pp }, (_, i) => (i * 7919 + 13) % vocab);
  const promptTest = async () => {
    await session.evaluate(prompt);
    return 0;
  };
  const generationTest = async () => {
    const sampler = sampling === 'none' ? undefined : new Sampler(sampling === 'greedy' ? { temperature: 0 } : { seed: 1 });
    // tg decode steps: a first token, then tg - 1 picked from the logits before them
    const history = [(17 * 31) % vocab];
    let [logits] = await Session.evaluateBatch([{ session, tokens: history }], { reuseLogits: true });
    let samplingMs = 0;
    for (let i = 1; i < tg; i++) {
      const s0 = performance.now();
      history.push(sampler ? sampler.sample(logits!, history) : (i * 104729 + 7) % vocab);
      samplingMs += performance.now() - s0;
      [logits] = await Session.evaluateBatch([{ session, tokens: history }], { reuseLogits: true });
    }
    return samplingMs;
  };

  // warm-up (as llama-bench): one run of each test, so page faults on a freshly mapped file,
  // first-use setup and the JIT are not counted
  if (pp > 0) await timed(promptTest);
  if (tg > 0) await timed(generationTest);
  if (pp > 0) {
    const runs = [];
    for (let r = 0; r < repeats; r++) runs.push(await timed(promptTest));
    result(`pp${pp}`, pp, runs);
  }
  if (tg > 0) {
    const runs = [];
    for (let r = 0; r < repeats; r++) runs.push(await timed(generationTest));
    result(`tg${tg}`, tg, runs);
  }
  session.dispose();
  return results;
}
