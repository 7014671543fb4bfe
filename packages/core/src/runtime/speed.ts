import type { Model } from './model.js';

export interface SpeedResult {
  test: string;
  tokens: number;
  seconds: number;
  tokensPerSecond: number;
}

/**
 * Prompt processing (one batch of `pp` tokens) and generation (`tg` single-token steps) speed, as
 * llama-bench measures them. Token ids are fixed pseudo-random values: speed does not depend on them.
 */
export async function measureSpeed(model: Model, pp: number, tg: number): Promise<SpeedResult[]> {
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
    const history = [(17 * 31) % vocab];
    await session.evaluate(history);
    const t0 = performance.now();
    for (let i = 0; i < tg; i++) {
      history.push((i * 104729 + 7) % vocab);
      await session.evaluate(history);
    }
    result(`tg${tg}`, tg, (performance.now() - t0) / 1000);
  }
  return results;
}
