import { describe, expect, it } from 'vitest';

import { ARENA_ALIGN, ArenaPlanner } from '../src/arena.js';

describe('ArenaPlanner', () => {
  it('never lets two live blocks overlap, over 5k random allocations and releases', () => {
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed % n;
    };
    const p = new ArenaPlanner();
    const live: { offset: number; bytes: number }[] = [];
    let peakLive = 0;
    for (let step = 0; step < 5000; step++) {
      if (live.length && rand(3) === 0) {
        const [b] = live.splice(rand(live.length), 1);
        p.release(b!.offset, b!.bytes);
        continue;
      }
      const bytes = 1 + rand(rand(2) ? 100 : 5000);
      const offset = p.alloc(bytes);
      expect(offset % ARENA_ALIGN).toBe(0);
      const clash = live.find((o) => !(offset + bytes <= o.offset || o.offset + o.bytes <= offset));
      if (clash) expect({ offset, bytes }).toEqual(clash);
      live.push({ offset, bytes });
      expect(offset + bytes).toBeLessThanOrEqual(p.size);
      peakLive = Math.max(peakLive, live.reduce((s, b) => s + Math.ceil(b.bytes / ARENA_ALIGN) * ARENA_ALIGN, 0));
    }
    // reuse works: the arena is far smaller than everything ever allocated, and no smaller than the peak
    expect(p.size).toBeGreaterThanOrEqual(peakLive);
    expect(p.size).toBeLessThan(3 * peakLive);
  });

  it('reuses a released block and merges neighbours', () => {
    const p = new ArenaPlanner();
    const a = p.alloc(100), b = p.alloc(100), c = p.alloc(100);
    expect([a, b, c]).toEqual([0, 128, 256]);
    p.release(a, 100);
    p.release(b, 100);
    // a and b merged into one 256-byte hole
    expect(p.alloc(200)).toBe(0);
    p.release(c, 100);
    // the free tail is extended, not skipped
    expect(p.alloc(300)).toBe(256);
    expect(p.size).toBe(256 + 320);
  });
});
