import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Graph, Tensor, type HostArray } from '@ix/core';
import { afterAll, describe, expect, it } from 'vitest';

import { bestIsa, bytesOf, makeBackend, randomF32, rng, run } from './helpers.js';
import { cpuAvxBackend, type CpuAvxBackend } from '../src/index.js';

/**
 * Expert residency under a budget (@ix/cpu-engine native/expert_cache.h), on experts mapped from a file:
 *  - results are those of the unbounded backend (the same bytes, read from the mapping, not repacked);
 *  - hits, misses and bytes read are what 2 MiB-chunk LRFU gives on the same sequence of experts
 *    (simulated here from the policy's definition: each op's read adds 1 to a chunk's score, which
 *    halves every 256 tokens; the lowest score not read by the running op goes first);
 *  - the kernel's own count of the mapping's resident pages (/proc/self/smaps) stays within the
 *    budget plus the chunks of one op, and holds at least what the last op read.
 */
const MiB = 2 ** 20;
const CHUNK = 2 * MiB;
const [E, N, K] = [12, 512, 512]; // F32 experts of 1 MiB: two per file chunk
const EXPERT = N * K * 4;
// where the tensor starts in the file: not chunk-aligned, so experts straddle chunks
const OFFSET = 3 * 4096 + 64;
const dir = mkdtempSync(join(tmpdir(), 'ix-experts-'));
const file = join(dir, 'experts.bin');
const weights = randomF32(E * N * K, rng(7), 0.05);
writeFileSync(file, Buffer.concat([Buffer.alloc(OFFSET), Buffer.from(bytesOf(weights))]));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// the experts each step routes to (a token of 3 experts per step), with repeats so some stay resident
const STEPS = [[0, 1, 2], [3, 4, 5], [0, 1, 2], [6, 7, 8], [9, 10, 11], [0, 4, 8], [1, 2, 3], [11, 10, 9], [5, 6, 7], [0, 1, 2]];

async function runSteps(be: CpuAvxBackend): Promise<{ outputs: HostArray[]; experts: Tensor }> {
  const experts = new Tensor([E, N, K], 'F32', be.mapFile!(file, OFFSET, E * EXPERT), 0, 'experts');
  const x = randomF32(K, rng(8));
  const outputs: HostArray[] = [];
  for (const ids of STEPS) {
    const [y] = await run(be, (g: Graph) => [g.mulMatId(g.input('x', [1, K]), g.constant(experts), g.input('ids', [1, 3], 'I32'))], { x, ids: Int32Array.from(ids) });
    outputs.push(y!);
  }
  return { outputs, experts };
}

/**
 * The policy on its own: chunks of the file an expert overlaps, each with a rank log2(score) + t/H
 * (t: tokens so far, one op of this single tensor each; H = 256), the lowest rank (then the lowest
 * chunk) that the running op does not read out beyond the budget.
 */
function simulate(budget: number): { hits: number; misses: number; bytesRead: number; resident: number } {
  const chunks = new Map<number, { bytes: number; op: number; rank: number }>();
  let resident = 0, hits = 0, misses = 0, bytesRead = 0, op = 0;
  for (const ids of STEPS) {
    op++;
    const t = op / 256;
    for (const e of [...new Set(ids)].sort((a, b) => a - b)) {
      const f0 = OFFSET + e * EXPERT, f1 = f0 + EXPERT;
      let all = true;
      for (let c = Math.floor(f0 / CHUNK); c * CHUNK < f1; c++) {
        const bytes = Math.min((c + 1) * CHUNK, OFFSET + E * EXPERT) - Math.max(c * CHUNK, OFFSET);
        const held = chunks.get(c);
        if (held) {
          if (held.op !== op) Object.assign(held, { op, rank: Math.log2(2 ** (held.rank - t) + 1) + t });
          continue;
        }
        all = false;
        bytesRead += bytes;
        chunks.set(c, { bytes, op, rank: t });
        resident += bytes;
      }
      if (all) hits++;
      else misses++;
      while (budget && resident > budget) {
        let victim: number | undefined;
        for (const [c, v] of chunks) {
          const best = victim === undefined ? undefined : chunks.get(victim)!;
          if (v.op !== op && (!best || v.rank < best.rank || (v.rank === best.rank && c < victim!))) victim = c;
        }
        if (victim === undefined) break;
        resident -= chunks.get(victim)!.bytes;
        chunks.delete(victim);
      }
    }
  }
  return { hits, misses, bytesRead, resident };
}

/** resident bytes of this process's mappings of `path`, as the kernel counts them */
function mappedRss(path: string): number {
  const blocks = readFileSync('/proc/self/smaps', 'utf8').split(/\n(?=[0-9a-f]+-[0-9a-f]+ )/);
  return blocks.filter((b) => b.split('\n')[0]!.endsWith(path)).reduce((s, b) => s + Number(/^Rss:\s+(\d+) kB/m.exec(b)![1]) * 1024, 0);
}

describe('expert residency under a budget (cpu-avx)', () => {
  it('gives the unbounded results, counts uses as the chunk LRFU does, and the kernel sees the mapping stay within the budget', async () => {
    const budget = 5 * MiB;
    const free = makeBackend(bestIsa());
    const bounded = cpuAvxBackend.create({ isa: bestIsa(), threads: 2, expertMemory: budget }) as CpuAvxBackend;
    try {
      const want = (await runSteps(free)).outputs;
      free.dispose();
      const { outputs: got, experts } = await runSteps(bounded);
      // the same bytes through the file-layout kernels instead of repacked copies: f32 sums in another order
      got.forEach((y, i) => y.forEach((v, j) => expect(Math.abs(v - want[i]![j]!), `step ${i}`).toBeLessThan(1e-5)));

      const r = bounded.expertResidency();
      const use = r.use(experts);
      const sim = simulate(budget);
      expect(r.budget).toBe(budget);
      expect(use).toEqual({ hits: sim.hits, misses: sim.misses, bytesRead: sim.bytesRead });
      expect(sim.hits).toBeGreaterThan(0);
      expect(sim.misses).toBeGreaterThan(0);
      expect(r.resident).toBe(sim.resident);
      expect(r.resident).toBeLessThanOrEqual(budget);
      // what the kernel maps: at least the last op's three experts, at most the budget and the
      // chunks of one op beyond it
      const rss = process.platform === 'linux' ? mappedRss(file) : NaN;
      if (process.platform === 'linux') {
        expect(rss).toBeGreaterThanOrEqual(3 * EXPERT);
        expect(rss).toBeLessThanOrEqual(budget + 4 * CHUNK);
      }
      console.log(`[backend-cpu-avx] residency: ${sim.hits} hits, ${sim.misses} misses, ${(sim.bytesRead / MiB).toFixed(1)} MiB read of ${(E * EXPERT) / MiB} MiB; mapping resident ${(rss / MiB).toFixed(1)} MiB (budget ${budget / MiB} MiB)`);
    } finally {
      bounded.dispose();
    }
  });

  it('an unbounded backend counts uses too: every chunk is read once, then hits', async () => {
    const be = makeBackend(bestIsa());
    try {
      const { experts } = await runSteps(be);
      const r = be.expertResidency();
      const sim = simulate(0);
      expect(r.budget).toBe(0);
      expect(r.use(experts)).toEqual({ hits: sim.hits, misses: sim.misses, bytesRead: sim.bytesRead });
      expect(sim.bytesRead).toBe(E * EXPERT);
      expect(sim.hits + sim.misses).toBe(STEPS.length * 3);
    } finally {
      be.dispose();
    }
  });

  it('refuses a budget that is not a byte count', () => {
    expect(() => cpuAvxBackend.create({ expertMemory: -1 })).toThrow(/expertMemory must be a byte count/);
    expect(() => cpuAvxBackend.create({ expertMemory: 1.5 })).toThrow(/expertMemory/);
  });
});
