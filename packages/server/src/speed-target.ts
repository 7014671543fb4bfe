/**
 * A tokens/s target for a nested model's server: the bit budget of requests that name no precision
 * moves, half a bit at a time, until each request's decode speed meets the target.
 *
 * Decode reads every weight once per step, so its speed goes nearly as 1 / bytes read, i.e. as
 * 1 / bits per weight, and less steeply where fixed costs (the output matrix, attention, overheads)
 * weigh in. The controller measures the median time of pure decode steps over a window, lowers the
 * budget when the speed it gives is below the target, and raises it when the speed predicted at the
 * next level (this one's × bits / next bits, the proportional model, which fixed costs make
 * pessimistic) still meets the target with a margin. A level that proves too slow right after a
 * raise (noise, or a model the prediction flatters) is not tried again for a hold that doubles with
 * each such failure (4 windows up to 64), so the budget settles instead of oscillating and still
 * probes now and then for a load that has eased.
 */
import type { Precision } from '@ix/llm';

/** the budgets it moves between (bits per weight read, nested levels 4.5 and 9 at the ends) */
export const SPEED_LEVELS: readonly number[] = [4.5, 5, 5.5, 6, 6.5, 7, 7.5, 8, 8.5, 9];
/** decode steps measured before each decision */
const WINDOW = 8;
/** a raise must leave this much headroom above the target */
const RAISE_MARGIN = 1.05;
/** windows a level that failed after a raise is not tried again: doubling from the first to the last */
const HOLD_FIRST = 4;
const HOLD_LAST = 64;

/** the bits per weight a precision reads where it is one budget (max 9, eco 4.5, a number); undefined for auto and plans */
export function budgetBits(p: Precision): number | undefined {
  return p === 'max' ? 9 : p === 'eco' ? 4.5 : typeof p === 'number' ? p : undefined;
}

export class SpeedTarget {
  private level = SPEED_LEVELS.length - 1;
  private window: number[] = [];
  /** windows measured so far */
  private windows = 0;
  /** the window of the last raise */
  private raisedAt = -Infinity;
  /** per level: the hold after its last failure, and the window it ends */
  private readonly hold = SPEED_LEVELS.map(() => ({ windows: 0, until: -Infinity }));
  /** median per-request decode speed of the last full window (tokens/s), for GET /ix/precision */
  lastMeasured: number | undefined;

  /** `startBits`: the budget it starts from (the highest level not above it; default 9, max) */
  constructor(
    readonly tokensPerSecond: number,
    startBits = 9,
  ) {
    if (!(Number.isFinite(tokensPerSecond) && tokensPerSecond > 0)) throw new RangeError(`a tokens/s target must be a positive number, got ${tokensPerSecond}`);
    while (this.level > 0 && SPEED_LEVELS[this.level]! > startBits) this.level--;
  }

  /** the budget requests that name no precision read now */
  get bits(): number {
    return SPEED_LEVELS[this.level]!;
  }

  get precision(): Precision {
    return this.level === SPEED_LEVELS.length - 1 ? 'max' : this.level === 0 ? 'eco' : this.bits;
  }

  /**
   * One decode step took `seconds` (every sequence in it gained one token, so each request's speed
   * is 1 / seconds). Returns true when the budget moved.
   */
  observeDecodeStep(seconds: number): boolean {
    if (!(seconds > 0)) return false;
    this.window.push(seconds);
    if (this.window.length < WINDOW) return false;
    const sorted = this.window.sort((a, b) => a - b);
    const speed = 1 / sorted[sorted.length >> 1]!;
    this.window = [];
    this.lastMeasured = speed;
    const now = ++this.windows;
    if (speed < this.tokensPerSecond && this.level > 0) {
      if (now - this.raisedAt <= 1) {
        const h = this.hold[this.level]!;
        h.windows = Math.min(HOLD_LAST, h.windows ? 2 * h.windows : HOLD_FIRST);
        h.until = now + h.windows;
      }
      this.level--;
      return true;
    }
    const next = SPEED_LEVELS[this.level + 1];
    if (next !== undefined && now >= this.hold[this.level + 1]!.until && speed * (this.bits / next) >= this.tokensPerSecond * RAISE_MARGIN) {
      this.level++;
      this.raisedAt = now;
      return true;
    }
    return false;
  }
}
