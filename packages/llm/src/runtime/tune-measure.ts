/**
 * The short measurements `ix tune` compares configurations by: prefill at a batch size, decode
 * after a prompt, decode of several sequences at once (a server's slots), and how far one
 * configuration's logits are from another's (KL divergence).
 */
import type { Model } from './model.js';
import { Session } from './session.js';

/** A trial ran past its deadline (checked between steps: one step is never cut short). */
export class TrialTimeout extends Error {
  constructor() {
    super('the trial ran past its time');
  }
}

/** throws TrialTimeout once performance.now() passes `deadline` (ms; Infinity: never) */
export function checkDeadline(deadline: number): void {
  if (performance.now() > deadline) throw new TrialTimeout();
}

/** Fixed pseudo-random token ids (speed does not depend on them). */
export function promptTokens(model: Model, n: number, seed = 0): number[] {
  const vocab = model.hparams.vocabSize;
  return Array.from({ length: n }, (_, i) => (i * 7919 + 13 + seed * 104729) % vocab);
}

/** median of `repeats` timings of `work` after one warm-up, in seconds */
async function medianSeconds(repeats: number, work: () => Promise<void>, deadline: number): Promise<number> {
  await work();
  const runs: number[] = [];
  for (let r = 0; r < repeats; r++) {
    checkDeadline(deadline);
    const t0 = performance.now();
    await work();
    runs.push((performance.now() - t0) / 1000);
  }
  return runs.sort((a, b) => a - b)[runs.length >> 1]!;
}

/** prompt tokens/s evaluating `n` tokens in batches of `batchSize` */
export async function prefillSpeed(model: Model, n: number, batchSize: number, repeats: number, deadline = Infinity): Promise<number> {
  const session = model.createSession({ contextLength: n + 1, batchSize });
  const prompt = promptTokens(model, n);
  try {
    return n / (await medianSeconds(repeats, async () => {
      session.reset();
      await session.evaluate(prompt);
    }, deadline));
  } finally {
    session.dispose();
  }
}

/** generated tokens/s over `steps` single-token steps after a prompt of `context` tokens */
export async function decodeSpeed(model: Model, context: number, steps: number, kvType: 'F16' | 'F32', repeats: number, deadline = Infinity): Promise<number> {
  const session = model.createSession({ contextLength: context + steps + 1, kvType });
  const prompt = promptTokens(model, context);
  const next = promptTokens(model, steps, 1);
  try {
    await session.evaluate(prompt);
    // each step passes the whole history: the session keeps the common prefix and evaluates the last token
    return steps / (await medianSeconds(repeats, async () => {
      const history = [...prompt];
      for (const t of next) {
        checkDeadline(deadline);
        history.push(t);
        await Session.evaluateBatch([{ session, tokens: history }], { reuseLogits: true });
      }
    }, deadline));
  } finally {
    session.dispose();
  }
}

/** decode tokens/s summed over `parallel` sequences stepped together (continuous batching) */
export async function aggregateDecodeSpeed(model: Model, parallel: number, steps: number, kvType: 'F16' | 'F32', repeats: number, deadline = Infinity): Promise<number> {
  const context = 8;
  const sessions = Array.from({ length: parallel }, () => model.createSession({ contextLength: context + steps + 1, kvType }));
  const next = promptTokens(model, steps, 2);
  try {
    const prompts = sessions.map((_, i) => promptTokens(model, context, 3 + i));
    for (const [i, s] of sessions.entries()) await s.evaluate(prompts[i]!);
    return (parallel * steps) / (await medianSeconds(repeats, async () => {
      const histories = prompts.map((p) => [...p]);
      for (const t of next) {
        checkDeadline(deadline);
        for (const h of histories) h.push(t);
        await Session.evaluateBatch(sessions.map((session, i) => ({ session, tokens: histories[i]! })), { reuseLogits: true });
      }
    }, deadline));
  } finally {
    for (const s of sessions) s.dispose();
  }
}

/** logits after every one of `n` fixed prompt tokens, rows back to back */
export async function promptLogits(model: Model, n: number): Promise<Float32Array> {
  const session = model.createSession({ contextLength: n + 1 });
  try {
    return Float32Array.from(await session.evaluate(promptTokens(model, n, 4), true));
  } finally {
    session.dispose();
  }
}

/** mean over rows of KL(softmax(p) || softmax(q)), in nats: what q loses against reference p */
export function meanKL(p: Float32Array, q: Float32Array, vocab: number): number {
  const rows = p.length / vocab;
  let total = 0;
  for (let r = 0; r < rows; r++) {
    const a = p.subarray(r * vocab, (r + 1) * vocab), b = q.subarray(r * vocab, (r + 1) * vocab);
    const lse = (x: Float32Array) => {
      let m = -Infinity;
      for (const v of x) m = Math.max(m, v);
      let s = 0;
      for (const v of x) s += Math.exp(v - m);
      return m + Math.log(s);
    };
    const la = lse(a), lb = lse(b);
    let kl = 0;
    for (let i = 0; i < vocab; i++) {
      const lp = a[i]! - la;
      kl += Math.exp(lp) * (lp - (b[i]! - lb));
    }
    total += kl;
  }
  return total / rows;
}
