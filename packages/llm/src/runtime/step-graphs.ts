import type { GraphNode } from '@ix/core';
import type { KVCache, StepGraph, StepOptions, StepSegment } from '../arch/index.js';

/**
 * A model's step graphs, kept by shape and replayed. A shape is which caches a step writes, how
 * many tokens each segment has, which logits it returns and the precision it reads; positions are not part of it: a kept
 * graph is moved to the segments' positions (Graph.reposition) and the executor replays the plan
 * and split it made on the first run. So a decode step builds nothing in JavaScript.
 */
export class StepGraphs {
  /** most recently used last */
  private readonly kept = new Map<string, { step: StepGraph; caches: number[] }>();
  private readonly cacheIds = new WeakMap<KVCache, number>();
  private nextCacheId = 0;

  constructor(
    private readonly build: (segments: readonly StepSegment[], options: StepOptions) => StepGraph,
    /** at most this many shapes are kept (a serving loop sees a few per batch composition) */
    private readonly limit = 32,
  ) {}

  /** The graph for a step over `segments`, built once per shape. */
  get(segments: readonly StepSegment[], options: StepOptions = {}): StepGraph {
    const caches = segments.map((s) => this.cacheId(s.cache));
    let key = `${options.candidates ?? 0}${options.refine ? `/${options.refine.key}` : ''}`;
    segments.forEach((s, i) => (key += `|${caches[i]}:${s.nTokens}:${s.allLogits ? 1 : 0}`));
    const hit = this.kept.get(key);
    if (hit) {
      this.kept.delete(key);
      this.kept.set(key, hit);
      reposition(hit.step, segments);
      return hit.step;
    }
    const step = this.build(segments, options);
    if (this.kept.size >= this.limit) this.kept.delete(this.kept.keys().next().value!);
    this.kept.set(key, { step, caches });
    return step;
  }

  /** Drop the graphs that write `cache` (its session is gone). */
  forget(cache: KVCache): void {
    const id = this.cacheIds.get(cache);
    if (id === undefined) return;
    for (const [key, { caches }] of this.kept) if (caches.includes(id)) this.kept.delete(key);
  }

  private cacheId(cache: KVCache): number {
    let id = this.cacheIds.get(cache);
    if (id === undefined) this.cacheIds.set(cache, (id = this.nextCacheId++));
    return id;
  }
}

/** Move a kept step's attention and cache writes to where each segment now starts. */
function reposition(step: StepGraph, segments: readonly StepSegment[]): void {
  step.positional.forEach((nodes, i) => {
    const { pos0, nTokens } = segments[i]!;
    for (const node of nodes) {
      if (node.op === 'attention') step.graph.reposition(node as GraphNode<'attention'>, { pos0, kvLen: pos0 + nTokens });
      else step.graph.reposition(node as GraphNode<'write_rows'>, { row: pos0 });
    }
  });
}
