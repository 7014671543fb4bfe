import { describe, expect, it, vi } from 'vitest';
import { Graph, type GraphNode } from '@ix/core';
import { loadModel, StepGraphs, type KVCache, type StepGraph, type StepSegment } from '../src/index.js';
import { BUNDLED_STORIES } from './helpers/shared-models.js';

/** a step graph with one cache write and one attention per segment (enough to see what moves) */
function build(segments: readonly StepSegment[]): StepGraph {
  const g = new Graph();
  const positional = segments.map((s) => {
    const cache = g.input('cache', [16, 1, 2]);
    const w = g.writeRows(cache, g.input('k', [s.nTokens, 1, 2]), s.pos0);
    const a = g.attention(g.input('q', [s.nTokens, 1, 2]), w, w, { pos0: s.pos0, kvLen: s.pos0 + s.nTokens, scale: 1, causal: true });
    return [w, a] as GraphNode<'attention' | 'write_rows'>[];
  });
  return { graph: g, logits: positional[0]![1]!, positional };
}

const cacheA = { k: [], v: [] } as KVCache;
const cacheB = { k: [], v: [] } as KVCache;

describe('StepGraphs', () => {
  it('builds a graph once per shape and moves it to the positions of each later step', () => {
    const builder = vi.fn(build);
    const graphs = new StepGraphs(builder);
    const first = graphs.get([{ cache: cacheA, pos0: 0, nTokens: 3 }]);
    const again = graphs.get([{ cache: cacheA, pos0: 9, nTokens: 3 }]);
    expect(again).toBe(first);
    expect(builder).toHaveBeenCalledTimes(1);
    const [w, a] = again.positional[0]!;
    expect(w!.params).toEqual({ row: 9 });
    expect(a!.params).toMatchObject({ pos0: 9, kvLen: 12 });
    // a new shape: other token counts, other caches, other segments, all logits, candidates
    graphs.get([{ cache: cacheA, pos0: 3, nTokens: 1 }]);
    graphs.get([{ cache: cacheB, pos0: 3, nTokens: 1 }]);
    graphs.get([{ cache: cacheA, pos0: 3, nTokens: 1 }, { cache: cacheB, pos0: 5, nTokens: 1 }]);
    graphs.get([{ cache: cacheA, pos0: 3, nTokens: 1, allLogits: true }]);
    graphs.get([{ cache: cacheA, pos0: 3, nTokens: 1 }], { candidates: 40 });
    expect(builder).toHaveBeenCalledTimes(6);
    const two = graphs.get([{ cache: cacheA, pos0: 4, nTokens: 1 }, { cache: cacheB, pos0: 7, nTokens: 1 }]);
    expect(builder).toHaveBeenCalledTimes(6);
    expect(two.positional.map(([w]) => w!.params)).toEqual([{ row: 4 }, { row: 7 }]);
  });

  it('keeps the most recently used shapes up to its limit, and forgets the graphs of a cache', () => {
    const builder = vi.fn(build);
    const graphs = new StepGraphs(builder, 2);
    const seg = (nTokens: number, cache = cacheA) => [{ cache, pos0: 0, nTokens }];
    graphs.get(seg(1));
    graphs.get(seg(2));
    graphs.get(seg(1)); // 1 is now the most recent
    graphs.get(seg(3)); // evicts 2
    graphs.get(seg(1));
    expect(builder).toHaveBeenCalledTimes(3);
    graphs.get(seg(2));
    expect(builder).toHaveBeenCalledTimes(4);
    graphs.get(seg(1, cacheB));
    graphs.forget(cacheB);
    graphs.get(seg(1, cacheB));
    expect(builder).toHaveBeenCalledTimes(6);
  });

  it('a model decoding builds two graphs (prompt and decode step), however many tokens it generates', async () => {
    const model = await loadModel(BUNDLED_STORIES, { backend: 'reference' });
    const spy = vi.spyOn(model.arch, 'buildStep');
    try {
      const session = model.createSession({ contextLength: 128 });
      let n = 0;
      for await (const _ of session.generate('Once upon a time', { temperature: 0, maxTokens: 40, stopAtEos: false })) n++;
      expect(n).toBeGreaterThanOrEqual(40);
      expect(spy).toHaveBeenCalledTimes(2);
    } finally {
      spy.mockRestore();
      await model.dispose();
    }
  });

  it("a backend's stepSizes split a prompt into chunks of those sizes (largest first), with the same logits", async () => {
    const model = await loadModel(BUNDLED_STORIES, { backend: 'reference' });
    const spy = vi.spyOn(model.arch, 'buildStep');
    try {
      const prompt = model.promptTokens('Once upon a time, there was a little dog who liked to run');
      expect(prompt.length).toBe(20);
      const plain = await model.createSession({ contextLength: 64 }).evaluate(prompt, true);
      (model.backend as { stepSizes?: number[] }).stepSizes = [1, 8];
      spy.mockClear();
      const chunked = await model.createSession({ contextLength: 64 }).evaluate(prompt, true);
      // 20 = 8 + 8 + 1 + 1 + 1 + 1: two shapes built
      expect(spy.mock.calls.map(([, , segments]) => (segments as StepSegment[])[0]!.nTokens)).toEqual([8, 1]);
      expect(chunked.length).toBe(plain.length);
      let worst = 0;
      for (let i = 0; i < plain.length; i++) worst = Math.max(worst, Math.abs(chunked[i]! - plain[i]!));
      expect(worst).toBeLessThan(1e-5);
    } finally {
      spy.mockRestore();
      await model.dispose();
    }
  });
});
