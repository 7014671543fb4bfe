import type { Model } from './model.js';
import { Sampler } from './sampling.js';
import { Session } from './session.js';

export interface SpeedResult {
  test: string;
  tokens: number;
  seconds: number;
  tokensPerSecond: number;
  /** tg only: the sampler's share of each token, in ms (absent with sampling 'none') */
  samplingMsPerToken?: number;
}

/**
 * How generation picks each next token in the tg test: `default` samples with llama.cpp's default
 * chain (what users run: top-k 40, top-p 0.95, min-p 0.05, temperature 0.8), `greedy` takes the
 * argmax, `none` feeds fixed token ids without looking at the logits (llama-bench's tg).
 */
export type SpeedSampling = 'default' | 'greedy' | 'none';

/**
 * Prompt processing (one batch of `pp` tokens) and generation (`tg` single-token steps) speed, as
 * llama-bench measures them, plus the sampler's time in generation. Prompt token ids are fixed
 * pseudo-random values: speed does not depend on them.
 */
export async function measureSpeed(model: Model, pp: number, tg: number, options: { sampling?: SpeedSampling } = {}): Promise<SpeedResult[]> {
  const sampling = options.sampling ?? 'default';
  const vocab = model.hparams.vocabSize;
  const session = model.createSession({ contextLength: pp + tg + 1, batchSize: Math.max(1, pp) });
  const results: SpeedResult[] = [];
  // warm-up (as llama-bench): one token touches every weight once, so page faults on a freshly
  // mapped file and first-use setup are not counted in either test
  await session.evaluate([(5 * 31) % vocab]);
  session.reset();
  const result = (test: string, tokens: number, seconds: number) => results.push({ test, tokens, seconds, tokensPerSecond: tokens / seconds });
  if (pp > 0) {
    const prompt = Array.from({ length: pp }, (_, i) => (i * 7919 + 13) % vocab);
    const t0 = performance.now();
    await session.evaluate(prompt);
    result(`pp${pp}`, pp, (performance.now() - t0) / 1000);
  }
  if (tg > 0) {
    session.reset();
    const sampler = sampling === 'none' ? undefined : new Sampler(sampling === 'greedy' ? { temperature: 0 } : { seed: 1 });
    const history = [(17 * 31) % vocab];
    let [logits] = await Session.evaluateBatch([{ session, tokens: history }], { reuseLogits: true });
    let samplingMs = 0;
    const t0 = performance.now();
    for (let i = 0; i < tg; i++) {
      const s0 = performance.now();
      history.push(sampler ? sampler.sample(logits!, history) : (i * 104729 + 7) % vocab);
      samplingMs += performance.now() - s0;
      [logits] = await Session.evaluateBatch([{ session, tokens: history }], { reuseLogits: true });
    }
    const seconds = (performance.now() - t0) / 1000;
    result(`tg${tg}`, tg, seconds);
    if (sampler) results[results.length - 1]!.samplingMsPerToken = samplingMs / tg;
  }
  return results;
}
