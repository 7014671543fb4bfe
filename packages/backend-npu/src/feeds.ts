import { attentionSpan, type GraphNode } from '@ix/core';

/**
 * The small inputs a lowered graph takes each run, made on the host from the params that move
 * between decode steps (graph.ts: `reposition`) and from the positions fed to rope.
 */

/** additive mask [tokens, rows]: 0 where query t may see cache row j, -inf elsewhere (graph.ts' attention) */
export function attentionMask(node: GraphNode<'attention'>, tokens: number, rows: number): Float32Array {
  const { pos0, kvLen, causal, window } = node.params;
  const mask = new Float32Array(tokens * rows).fill(-Infinity);
  for (let t = 0; t < tokens; t++) {
    const [first, seen] = attentionSpan({ pos0, kvLen, causal, window }, t);
    mask.fill(0, t * rows + first, t * rows + Math.max(first, seen));
  }
  return mask;
}

/** cos and sin [tokens, dims/2] of every rotated pair, as the reference rope computes them (float64, then stored as float32) */
export function ropeTables(node: GraphNode<'rope'>, positions: Int32Array, factors: Float32Array | undefined): { cos: Float32Array; sin: Float32Array } {
  const { dims, base, freqScale, yarn } = node.params;
  const half = dims / 2;
  const tokens = positions.length;
  const cos = new Float32Array(tokens * half);
  const sin = new Float32Array(tokens * half);
  const ext = yarn?.extFactor ?? 0;
  const [c0, c1] = yarn?.corrDims ?? [0, 0];
  const mscale = (yarn?.attnFactor ?? 1) * (ext !== 0 ? 1 + 0.1 * Math.log(1 / freqScale) : 1);
  for (let i = 0; i < half; i++) {
    const m = ext !== 0 ? ext * (1 - Math.min(1, Math.max(0, (i - c0) / Math.max(0.001, c1 - c0)))) : 0;
    for (let t = 0; t < tokens; t++) {
      const extrap = (positions[t]! * base ** ((-2 * i) / dims)) / (factors ? factors[i]! : 1);
      const theta = freqScale * extrap * (1 - m) + extrap * m;
      cos[t * half + i] = Math.cos(theta) * mscale;
      sin[t * half + i] = Math.sin(theta) * mscale;
    }
  }
  return { cos, sin };
}

/** the cache rows a write_rows fills: [tokens, 1] int64 indices for ScatterND */
export function rowIndices(node: GraphNode<'write_rows'>, tokens: number): BigInt64Array {
  const out = new BigInt64Array(tokens);
  for (let t = 0; t < tokens; t++) out[t] = BigInt(node.params.row + t);
  return out;
}
