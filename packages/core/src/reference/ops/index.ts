import { attention } from './attention.js';
import { add, geluKernel, mul, scale, sigmoidKernel, siluKernel, softcap, sqrtKernel, swiglu, swigluOai } from './elementwise.js';
import { gather, mulMatId, weightedSum } from './experts.js';
import type { ComputedOp, Kernel } from './kernel.js';
import { concat, copy, getRows, slice, view, writeRows } from './layout.js';
import { matmul } from './matmul.js';
import { gaussianTopK, layerNorm, rmsNorm, sumRows } from './norm.js';
import { rope } from './rope.js';
import { argmax, topK } from './select.js';
import { softmax } from './softmax.js';

export type { ComputedOp, Kernel } from './kernel.js';

/** The kernel of every op in graph.ts. */
export const KERNELS: { [O in ComputedOp]: Kernel<O> } = {
  matmul,
  get_rows: getRows,
  add,
  mul,
  scale,
  rms_norm: rmsNorm,
  layer_norm: layerNorm,
  rope,
  softmax,
  silu: siluKernel,
  gelu: geluKernel,
  swiglu,
  swiglu_oai: swigluOai,
  write_rows: writeRows,
  attention,
  concat,
  copy,
  view,
  argmax,
  top_k: topK,
  softcap,
  sigmoid: sigmoidKernel,
  gather,
  mul_mat_id: mulMatId,
  weighted_sum: weightedSum,
  sum_rows: sumRows,
  sqrt: sqrtKernel,
  slice,
  gaussian_top_k: gaussianTopK,
};
