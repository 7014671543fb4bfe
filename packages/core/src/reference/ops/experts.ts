import { InvalidArgumentError } from '../../errors.js';
import type { HostTensor } from '../host-tensor.js';
import { dot, type Kernel } from './kernel.js';

/** ids[i] as an index below `limit`, or a clear error (ids come from the graph, maybe from a bad model) */
function index(op: string, ids: Int32Array, i: number, limit: number): number {
  const id = ids[i]!;
  if (!(id >= 0 && id < limit)) throw new InvalidArgumentError(`${op}: id ${id} is outside 0..${limit - 1}`);
  return id;
}

/** out[r, j] = x[r, ids[r, j]] */
export const gather: Kernel<'gather'> = (_params, [x, ids], out) => {
  const c = x!.rowLength;
  const k = ids!.rowLength;
  const xs = x!.f32();
  const is = ids!.i32();
  const ys = out.f32();
  for (let r = 0; r < ids!.rows; r++) {
    for (let j = 0; j < k; j++) ys[r * k + j] = xs[r * c + index('gather', is, r * k + j, c)]!;
  }
};

/**
 * y[t, j] = w[ids[t, j]] · x[t] (or x[t, j]). Each weight row of an expert is decoded once and
 * serves every slot routed to that expert.
 */
export const mulMatId: Kernel<'mul_mat_id'> = (_params, [x, w, ids], y) => {
  const [experts, n, k] = w!.shape as [number, number, number];
  const [t, used] = ids!.shape as [number, number];
  const perSlot = x!.shape.length === 3;
  const xs = x!.f32();
  const is = ids!.i32();
  const ys = y.f32();
  const slotsOf: number[][] = Array.from({ length: experts }, () => []);
  for (let s = 0; s < t * used; s++) slotsOf[index('mul_mat_id', is, s, experts)]!.push(s);
  const wRow = new Float32Array(k);
  slotsOf.forEach((slots, e) => {
    if (!slots.length) return;
    for (let row = 0; row < n; row++) {
      (w as HostTensor).row(e * n + row, wRow);
      for (const s of slots) {
        const xRow = perSlot ? s : Math.floor(s / used);
        ys[s * n + row] = dot(xs, xRow * k, wRow, 0, k);
      }
    }
  });
};

/** y[t] = Σ_j w[t, j] · x[t, j] */
export const weightedSum: Kernel<'weighted_sum'> = (_params, [x, w], y) => {
  const [t, used, n] = x!.shape as [number, number, number];
  const xs = x!.f32();
  const ws = w!.f32();
  const ys = y.f32();
  for (let r = 0; r < t; r++) {
    for (let i = 0; i < n; i++) {
      let sum = 0;
      for (let j = 0; j < used; j++) sum += ws[r * used + j]! * xs[(r * used + j) * n + i]!;
      ys[r * n + i] = sum;
    }
  }
};
