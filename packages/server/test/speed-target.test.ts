/**
 * The tokens/s controller against a decode-speed model whose best level is known in closed form:
 * a step reads every weight once, so its time is a fixed part plus a part proportional to the bits
 * read, (fixed + perBit·bits) seconds, with seeded noise. The controller must settle at the best
 * level the target allows or half a bit under it, above it only in rare probes; follow a load that
 * doubles; and reach the ends for targets out of reach or trivially met.
 */
import { describe, expect, it } from 'vitest';
import { SPEED_LEVELS, SpeedTarget } from '../src/speed-target.js';

interface Machine {
  fixed: number;
  perBit: number;
  /** above this many bits every step costs this factor more (the residuals fall out of a cache): a model the prediction flatters */
  cliff?: { above: number; factor: number };
}

const stepTime = (m: Machine, bits: number) => (m.fixed + m.perBit * bits) * (m.cliff && bits > m.cliff.above ? m.cliff.factor : 1);

/** the highest level whose noiseless speed meets the target */
function bestLevel(m: Machine, target: number): number {
  const fits = SPEED_LEVELS.filter((bits) => 1 / stepTime(m, bits) >= target);
  return fits.length ? fits[fits.length - 1]! : SPEED_LEVELS[0]!;
}

/** run `steps` decode steps; returns the bits after each */
function drive(t: SpeedTarget, m: Machine, steps: number, random: () => number): number[] {
  const trace: number[] = [];
  for (let i = 0; i < steps; i++) {
    const noise = 1 + 0.1 * (random() - 0.5); // ±5%
    t.observeDecodeStep(stepTime(m, t.bits) * noise);
    trace.push(t.bits);
  }
  return trace;
}

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

const halfBitBelow = (bits: number) => SPEED_LEVELS[Math.max(0, SPEED_LEVELS.indexOf(bits) - 1)]!;

describe('SpeedTarget', () => {
  // decode of a 1.1B model on two cores: ~48 tokens/s at 4.5 bits, ~27 at 9 (docs/adaptive-precision.md);
  // the second machine is all bandwidth (no fixed cost)
  const machines: [string, Machine][] = [
    ['fixed costs', { fixed: 0.0026, perBit: 0.0035 }],
    ['bandwidth only', { fixed: 0, perBit: 0.004 }],
    // at 7 bits 35.7 tokens/s predicts 33.3 at 7.5, which meets 31 with the margin, but 7.5 gives
    // 26.7: without the hold after a failed raise it would spend every other window there
    ['a cliff above 7 bits', { fixed: 0, perBit: 0.004, cliff: { above: 7, factor: 1.25 } }],
  ];
  for (const [name, m] of machines) {
    it(`settles at the best level or half a bit under it, seldom probing above (${name})`, () => {
      for (const target of m.cliff ? [31] : [20, 26, 30, 35, 40, 45]) {
        const t = new SpeedTarget(target);
        const trace = drive(t, m, 1600, lcg(target));
        const best = bestLevel(m, target);
        const settled = trace.slice(-800);
        // never under the band; above it only in a probe now and then (one window of 8 steps per
        // hold, which has grown past 16 windows by now)
        expect(Math.min(...settled), `target ${target}`).toBeGreaterThanOrEqual(halfBitBelow(best));
        expect(settled.filter((b) => b > best).length, `target ${target}`).toBeLessThanOrEqual(0.1 * settled.length);
      }
    });
  }

  it('lowers the bits when the load doubles (two requests per step), and raises them when it goes back', () => {
    const one: Machine = { fixed: 0.0026, perBit: 0.0035 };
    const two: Machine = { fixed: 0.004, perBit: 0.0036 };
    const t = new SpeedTarget(35);
    const random = lcg(1);
    const alone = drive(t, one, 400, random).at(-1)!;
    const shared = drive(t, two, 400, random).at(-1)!;
    expect(shared).toBeLessThan(alone);
    expect(shared).toBeGreaterThanOrEqual(halfBitBelow(bestLevel(two, 35)));
    expect(drive(t, one, 400, random).at(-1)).toBe(alone);
  });

  it('goes to eco for a target out of reach and stays at max for one always met', () => {
    const m = machines[0]![1];
    const fast = new SpeedTarget(1e6);
    drive(fast, m, 200, lcg(2));
    expect(fast.precision).toBe('eco');
    const slow = new SpeedTarget(1);
    drive(slow, m, 200, lcg(3));
    expect(slow.precision).toBe('max');
    expect(slow.lastMeasured).toBeGreaterThan(20);
  });

  it('starts from the bits it is given (a target changed while one runs goes on from where it is)', () => {
    expect(new SpeedTarget(30).precision).toBe('max');
    expect(new SpeedTarget(30, 6.2).bits).toBe(6);
    expect(new SpeedTarget(30, 4.5).precision).toBe('eco');
    expect(new SpeedTarget(30, 1).precision).toBe('eco');
  });

  it('refuses a target that is not a positive number', () => {
    for (const bad of [0, -5, Number.NaN, Number.POSITIVE_INFINITY]) expect(() => new SpeedTarget(bad)).toThrow(RangeError);
  });
});
