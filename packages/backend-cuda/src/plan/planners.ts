import type { OpName } from '@ix/core';

import { planAttention } from './attention.js';
import type { Planner } from './context.js';
import { planGather, planMulMatId, planWeightedSum } from './experts.js';
import { planBinary, planConcat, planCopy, planSlice, planUnary, planView } from './elementwise.js';
import { planMatmul } from './matmul.js';
import { planRope } from './rope.js';
import { planNormLike, planSelect } from './rowwise.js';
import { planGetRows, planWriteRows } from './rows.js';

/** The launches of each computed op. */
export const PLANNERS: Partial<Record<OpName, Planner>> = {
  matmul: planMatmul,
  get_rows: planGetRows,
  add: planBinary,
  mul: planBinary,
  swiglu: planBinary,
  swiglu_oai: planBinary,
  scale: planUnary,
  silu: planUnary,
  gelu: planUnary,
  sigmoid: planUnary,
  softcap: planUnary,
  sqrt: planUnary,
  slice: planSlice,
  rms_norm: planNormLike,
  layer_norm: planNormLike,
  softmax: planNormLike,
  sum_rows: planNormLike,
  gaussian_top_k: planNormLike,
  rope: planRope,
  write_rows: planWriteRows,
  attention: planAttention,
  concat: planConcat,
  copy: planCopy,
  view: planView,
  argmax: planSelect,
  top_k: planSelect,
  mul_mat_id: planMulMatId,
  gather: planGather,
  weighted_sum: planWeightedSum,
};
