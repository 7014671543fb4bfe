import type { Graph, GraphNode } from '@ix/core';

/** Rows [row, row + n) of a [T, ...rest] value (the value itself when that is all of it). */
export function rowsOf(g: Graph, x: GraphNode, row: number, n: number): GraphNode {
  const rest = x.shape.slice(1);
  const width = rest.reduce((a, b) => a * b, 1);
  return n === x.shape[0] ? x : g.view(x, [n, ...rest], row * width);
}

/**
 * Values joined along their first axis, as a balanced tree of concats: each row is copied
 * log2(parts) times, where a chain would copy the first rows once per part (hundreds of segments
 * in an embedding batch).
 */
export function joinRows(g: Graph, parts: readonly GraphNode[]): GraphNode {
  if (parts.length === 1) return parts[0]!;
  const half = parts.length >> 1;
  return g.concat(joinRows(g, parts.slice(0, half)), joinRows(g, parts.slice(half)), 0);
}
