import { Graph, Tensor, type BackendBuffer, type DTypeName, type GraphNode, type GraphSplit } from '@ix/core';
import { describe, expect, it } from 'vitest';

import { planSplit } from '../src/plan/index.js';
import { ProgramBuilder } from '../src/program.js';

/**
 * Which launches a split plans into, without a GPU: the fusions happen where a fused-away value is
 * read by the next node alone, and not where the run hands it back or where the arena placed a
 * fused launch's output over what it reads. (That the fused kernels compute what the nodes do is
 * tested on a GPU: the decoder and stories260K suites run with fusion on and off.)
 */
const E = 64, F = 256, H = 4, D = 16;
const buffer: BackendBuffer = { backend: 'cuda', byteLength: 1 << 24 } as BackendBuffer;

function weight(shape: number[], dtype: DTypeName, at: number): Tensor {
  return new Tensor(shape, dtype, buffer, at);
}

/** One decode step's layer in graph form, as buildDecoderStep writes it (attention left out). */
function layer() {
  const g = new Graph();
  const c = (t: Tensor) => g.constant(t);
  const x = g.input('x', [1, E]);
  const norm1 = g.rmsNorm(x, 1e-5);
  const h = g.mul(norm1, c(weight([E], 'F32', 0)));
  const q = g.view(g.matmul(h, c(weight([E, E], 'Q4_0', 1024))), [1, H, D]);
  const x2 = g.add(x, g.matmul(g.view(q, [1, E]), c(weight([E, E], 'Q8_0', 8192))));
  const f = g.mul(g.rmsNorm(x2, 1e-5), c(weight([E], 'F32', 16384)));
  const s = g.swiglu(g.matmul(f, c(weight([F, E], 'Q4_0', 20480))), g.matmul(f, c(weight([F, E], 'Q4_0', 32768))));
  const out = g.add(x2, g.matmul(s, c(weight([E, F], 'Q4_K', 49152))));
  return { g, x, norm1, h, q, out };
}

/** Every value gets its own bytes from 1 MiB on, unless `place` puts it elsewhere. */
function split(g: Graph, outputs: GraphNode[], place: (node: GraphNode) => number | undefined = () => undefined): GraphSplit {
  const tensors = new Map<number, Tensor>();
  let top = 1 << 20;
  for (const n of g.nodes) {
    if (n.op === 'constant') tensors.set(n.id, n.tensor!);
    else {
      const bytes = n.shape.reduce((a, b) => a * b, 1) * 4;
      tensors.set(n.id, new Tensor(n.shape, n.dtype, buffer, place(n) ?? top));
      top += Math.ceil(bytes / 64) * 64;
    }
  }
  return {
    graph: g,
    nodes: g.nodes.filter((n) => n.op !== 'input' && n.op !== 'constant'),
    tensorOf: (id) => tensors.get(id)!,
    outputs: new Set(outputs.map((o) => o.id)),
  };
}

function launches(s: GraphSplit, fuse = true, accuracy: 'exact' | 'fast' = 'exact'): string[] {
  const names: string[] = [];
  planSplit(new ProgramBuilder(() => 0, (name) => names.push(name)), s, { accuracy, fuse });
  return names;
}

const UNFUSED = ['rowwise', 'binary', 'matvec_q4_0', 'copy', 'copy', 'matvec_q8_0', 'binary', 'rowwise', 'binary', 'matvec_q4_0', 'matvec_q4_0', 'binary', 'matvec_q4_k', 'binary'];

describe('fused launches of a decode layer', () => {
  it('norm·weight, matmul into its view, view into matmul + residual, gate/up/swiglu, down + residual', () => {
    const { g, out } = layer();
    expect(launches(split(g, [out]))).toEqual(['rowwise', 'matvec_q4_0', 'matvec_q8_0', 'rowwise', 'matvec_glu_q4_0', 'matvec_q4_k']);
  });

  it('fuse off, or a split that does not say its outputs: one launch per node', () => {
    const { g, out } = layer();
    expect(launches(split(g, [out]), false)).toEqual(UNFUSED);
    const s = split(g, [out]);
    delete (s as { outputs?: unknown }).outputs;
    expect(launches(s)).toEqual(UNFUSED);
  });

  it('a value handed back is written: the norm and the view of q stay', () => {
    const { g, norm1, q, out } = layer();
    // the view q is still written, by its matmul directly
    expect(launches(split(g, [out, norm1, q]))).toEqual(['rowwise', 'binary', 'matvec_q4_0', 'matvec_q8_0', 'rowwise', 'matvec_glu_q4_0', 'matvec_q4_k']);
  });

  it('a value read by a second node is written', () => {
    const { g, norm1, out } = layer();
    const other = g.add(g.view(norm1, [1, E]), g.view(norm1, [1, E])); // the norm now has three readers
    const planned = launches(split(g, [out, other]));
    expect(planned.slice(0, 3)).toEqual(['rowwise', 'binary', 'matvec_q4_0']);
  });

  it('an output placed over bytes the fused launch reads is not fused', () => {
    const { g, x, h, q, out } = layer();
    // h's bytes start half-way into x's (the arena may do this once x's last reader has run)
    const s1 = split(g, [out], (n) => (n.id === h.id ? 65536 + E * 2 : n.id === x.id ? 65536 : undefined));
    expect(launches(s1).slice(0, 2)).toEqual(['rowwise', 'binary']);
    // the view q is written over h, which its matmul reads
    const s2 = split(g, [out], (n) => (n.id === q.id || n.id === h.id ? 73728 : undefined));
    expect(launches(s2).slice(0, 3)).toEqual(['rowwise', 'matvec_q4_0', 'copy']);
  });

  it('prefill rows: no GLU (the tiles compute one product), tiles in both modes', () => {
    const g = new Graph();
    const f = g.input('f', [16, E]);
    const s = g.swiglu(g.matmul(f, g.constant(weight([F, E], 'Q4_0', 20480))), g.matmul(f, g.constant(weight([F, E], 'Q4_0', 32768))));
    expect(launches(split(g, [s]), true, 'exact')).toEqual(['matmul_exact_q4_0', 'matmul_exact_q4_0', 'binary']);
    expect(launches(split(g, [s]), true, 'fast')).toEqual(['matmul_q4_0', 'matmul_q4_0', 'binary']);
  });
});

describe('fused launches of an expert FFN', () => {
  /** router top-k, gate/up/swiglu of the chosen experts, down, mixed: as buildDecoderStep's experts() */
  function experts(tokens: number) {
    const g = new Graph();
    const c = (t: Tensor) => g.constant(t);
    const x = g.input('x', [tokens, E]);
    const logits = g.matmul(x, c(weight([8, E], 'F32', 0)));
    const ids = g.topK(logits, 2);
    const weights = g.softmax(g.gather(logits, ids));
    const gate = g.mulMatId(x, c(weight([8, F, E], 'Q4_0', 4096)), ids);
    const up = g.mulMatId(x, c(weight([8, F, E], 'Q4_0', 4096 + 8 * F * E)), ids);
    const down = g.mulMatId(g.swiglu(gate, up), c(weight([8, E, F], 'Q4_K', 4096 + 16 * F * E)), ids);
    return { g, gate, out: g.weightedSum(down, weights) };
  }

  it.each([1, 40])('%i tokens: one route for the three expert matmuls, gate/up/swiglu in one launch', (tokens) => {
    const { g, out } = experts(tokens);
    const planned = launches(split(g, [out]));
    expect(planned.filter((n) => n.startsWith('moe_route') || n.startsWith('mul_mat_id'))).toEqual(['moe_route', 'mul_mat_id_glu_q4_0', 'mul_mat_id_q4_k']);
    expect(launches(split(g, [out]), false).filter((n) => n.startsWith('moe_route') || n.startsWith('mul_mat_id'))).toEqual(['moe_route', 'mul_mat_id_q4_0', 'mul_mat_id_q4_0', 'mul_mat_id_q4_k']);
  });

  it('a gate handed back is written: no GLU, still one route', () => {
    const { g, gate, out } = experts(1);
    expect(launches(split(g, [out, gate])).filter((n) => n.startsWith('moe_route') || n.startsWith('mul_mat_id'))).toEqual(['moe_route', 'mul_mat_id_q4_0', 'mul_mat_id_q4_0', 'mul_mat_id_q4_k']);
  });
});
