import type { OpParams } from '@ix/core';

import { elementBytes, f32 } from '../program.js';
import type { PlanContext } from './context.js';

/** Queries up to which a long cache is split over several blocks per head (decode). */
const SPLIT_MAX_QUERIES = 4;
/** Cache rows from which it is split, and the rows a part takes at least. */
const SPLIT_MIN_ROWS = 512, PART_ROWS = 256, MAX_PARTS = 32;

/**
 * One block per (query, head); the whole cache is bound, the kernel reads pos0/kvLen at run time.
 * For decode over a long cache, a head's keys are split over up to 32 blocks (a few heads alone would
 * leave most of the GPU idle while one block walks thousands of keys), then merged. Soft-capped
 * scores, sliding windows (causal or symmetric) and sinks as graph.ts defines them.
 */
export function planAttention({ b, node, input, out }: PlanContext): void {
  const q = input(0), k = input(1), v = input(2);
  const p = node.params as OpParams['attention'];
  const [t, hq, d] = q.shape as [number, number, number];
  const hkv = k.shape[1]!;
  if (t * hq * d === 0) return;
  const u = elementBytes(k.dtype);
  const pos = b.position(node);
  const sinks = node.inputs.length > 3 ? b.ptr(input(3), 4) : b.none();
  // the most keys one query sees: a window bounds them wherever the positions move
  const rows = Math.min(k.shape[0]!, p.window ? (p.causal ? p.window : 2 * Math.floor(p.window / 2) + 1) : Infinity);
  const words = (chunk: number) => [t, hq, hkv, d, p.causal ? 1 : 0, f32(p.scale), pos.index, chunk, p.window ?? 0, f32(p.softcap ?? 0)];
  if (t <= SPLIT_MAX_QUERIES && rows >= SPLIT_MIN_ROWS) {
    const parts = Math.min(MAX_PARTS, Math.ceil(rows / PART_ROWS));
    const chunk = Math.ceil(rows / parts);
    const partials = b.scratch(t * hq * parts * (d + 2) * 4);
    b.launch(`attention_split_${k.dtype.toLowerCase()}`, [t * hq, parts], 128, [b.ptr(q, 4), b.ptr(k, u), b.ptr(v, u), partials, pos.ptr], words(chunk));
    b.launch('attention_merge', t * hq, 128, [partials, b.ptr(out, 4), sinks], [parts, d, hq]);
    return;
  }
  b.launch(`attention_${k.dtype.toLowerCase()}`, t * hq, 128, [b.ptr(q, 4), b.ptr(k, u), b.ptr(v, u), b.ptr(out, 4), pos.ptr, sinks], words(0));
}
