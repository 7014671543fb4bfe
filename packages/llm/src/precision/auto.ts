/**
 * `precision: 'auto'`: bits per weight chosen as a request goes, from what it shows of itself.
 *   - the prompt is evaluated at a budget set by its diversity: the entropy of its tokens'
 *     frequencies over the most that many tokens could have (a prompt of repeated text reads less)
 *   - each generated token's step at a budget set by the model's own predictive entropy at the
 *     step before (entropy changes slowly from token to token): where the model is sure, 4-bit
 *     noise rarely changes what it says; where it hesitates between tokens, it may
 * Entropies are placed among those the model showed on the calibration text (their quantiles,
 * stored by `ix calibrate`), so "sure" and "hesitant" are the model's own; without a table, a
 * fixed scale of 0.5 to 3 nats stands in. The budget (in half bits) then picks parts like a number
 * precision.
 */
import type { Precision } from './plan.js';

/**
 * a budget from a share in [0, 1]: 4.5 bits (every part at its base) to 9 (everything), in steps
 * of half a bit, so that a request's steps use at most ten sets of parts (a step graph each)
 */
const bitsAt = (share: number) => 4.5 + Math.round(9 * Math.min(1, Math.max(0, share))) / 2;

/** where `x` falls among sorted quantiles (evenly spaced from 0 to 1), interpolated */
function rank(x: number, quantiles: readonly number[]): number {
  const n = quantiles.length - 1;
  if (n < 1) return 0.5;
  if (x <= quantiles[0]!) return 0;
  if (x >= quantiles[n]!) return 1;
  let i = 0;
  while (quantiles[i + 1]! < x) i++;
  const lo = quantiles[i]!, hi = quantiles[i + 1]!;
  return (i + (hi > lo ? (x - lo) / (hi - lo) : 0.5)) / n;
}

/** Entropy (nats) of the softmax of a logits row. */
export function logitsEntropy(logits: Float32Array): number {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i]! > max) max = logits[i]!;
  let z = 0;
  let s = 0;
  for (let i = 0; i < logits.length; i++) {
    const d = logits[i]! - max;
    const e = Math.exp(d);
    z += e;
    s += e * d;
  }
  return Math.log(z) - s / z;
}

/** One request's automatic precision: a number precision for each of its steps. */
export class AutoPrecision {
  /** sorted predictive entropies of the calibration run, or a fixed scale */
  private readonly scale: readonly number[];

  constructor(entropyQuantiles?: readonly number[]) {
    this.scale = entropyQuantiles && entropyQuantiles.length >= 2 ? entropyQuantiles : [0.5, 3];
  }

  /** the prompt's budget: the entropy of its token frequencies over the largest its length allows */
  forPrompt(tokens: readonly number[]): Precision {
    if (tokens.length < 2) return bitsAt(0.5);
    const counts = new Map<number, number>();
    for (const t of tokens) counts.set(t, (counts.get(t) ?? 0) + 1);
    let h = 0;
    for (const c of counts.values()) h -= (c / tokens.length) * Math.log(c / tokens.length);
    return bitsAt(h / Math.log(tokens.length));
  }

  /** the next step's budget, from the logits the last step gave */
  afterLogits(logits: Float32Array): Precision {
    return bitsAt(rank(logitsEntropy(logits), this.scale));
  }
}
