/**
 * Precision per request over one copy of the weights. A nested model's matrices (nested-format.ts)
 * are grouped into layer parts (a layer's attention, a layer's FFN); a request reads each part at
 * 4 bits (the base) or 8 (base + residual). `precision` says which:
 *   'max'    every part at 8 bits (the default: exactness first)
 *   'eco'    every part at 4 bits
 *   <number> an average of at most that many bits per nested weight read, from 4.5 (all bases)
 *            to 9 (everything): the parts that lose most when lowered stay at 8 bits, as a
 *            sensitivity table (`ix calibrate`) measured them, else in llama.cpp's order
 *   'auto'   a number chosen per step from the request itself (auto.ts)
 *   a plan   { attn: [8, 4, ...], ffn: [...] }: each layer's bits, given
 */
import { InvalidArgumentError, type Tensor } from '@ix/core';
import type { Refinement } from '../arch/index.js';
import { layerPart } from './nested-format.js';

/** See the module comment; a plan gives each layer's attention and FFN its bits (4 or 8) itself. */
export type Precision = 'max' | 'eco' | 'auto' | number | PrecisionPlan;

/** Static per-layer precision: bits for each layer's attention and FFN, one entry per layer. */
export interface PrecisionPlan {
  attn: readonly (4 | 8)[];
  ffn: readonly (4 | 8)[];
}

/** One layer's attention or FFN: its nested matrices and what reading them costs. */
export interface LayerPart {
  layer: number;
  part: 'attn' | 'ffn';
  /** the base tensors of its nested matrices */
  bases: Tensor[];
  /** weights in them */
  weights: number;
  /** bytes of the bases (the 4-bit level); the residuals are as many */
  baseBytes: number;
}

/** Measured cost of reading one part at 4 bits while the rest stays at 8 (`ix calibrate`). */
export interface PartSensitivity {
  layer: number;
  part: 'attn' | 'ffn';
  /** mean KL divergence of next-token distributions from the all-8-bit model's */
  kl: number;
}

/** The layer parts of a nested model, and the refinements that precisions choose. */
export class NestedWeights {
  readonly parts: LayerPart[];
  /** quantiles of the model's predictive entropy on the calibration text ('auto' places steps among them) */
  entropyQuantiles?: readonly number[];
  private readonly residuals: ReadonlyMap<Tensor, Tensor>;
  private readonly kept = new Map<string, Refinement>();
  private order: number[];

  constructor(
    residuals: ReadonlyMap<Tensor, Tensor>,
    private readonly nLayers: number,
  ) {
    this.residuals = residuals;
    const parts = new Map<string, LayerPart>();
    for (const base of residuals.keys()) {
      const where = layerPart(base.name ?? '');
      if (!where) continue;
      const key = `${where.layer}.${where.part}`;
      const p = parts.get(key) ?? { ...where, bases: [], weights: 0, baseBytes: 0 };
      p.bases.push(base);
      p.weights += base.shape.reduce((a, b) => a * b, 1);
      p.baseBytes += base.byteLength;
      parts.set(key, p);
    }
    this.parts = [...parts.values()].sort((a, b) => a.layer - b.layer || (a.part === 'attn' ? -1 : 1));
    this.order = defaultOrder(this.parts, nLayers);
  }

  /** Rank parts by a sensitivity table: the costliest to lower per byte saved stays at 8 bits first. */
  useSensitivity(table: readonly PartSensitivity[]): void {
    const cost = new Map(table.map((s) => [`${s.layer}.${s.part}`, s.kl]));
    const missing = this.parts.find((p) => !cost.has(`${p.layer}.${p.part}`));
    if (missing) throw new InvalidArgumentError(`the sensitivity table has no entry for layer ${missing.layer} ${missing.part}`);
    const perByte = (i: number) => cost.get(`${this.parts[i]!.layer}.${this.parts[i]!.part}`)! / this.parts[i]!.baseBytes;
    this.order = this.parts.map((_, i) => i).sort((a, b) => perByte(b) - perByte(a) || a - b);
    this.kept.clear();
  }

  /** Which parts (indices into `parts`) a precision reads at 8 bits. */
  chosen(precision: Precision): Set<number> {
    // a session resolves 'auto' step by step (auto.ts); a caller without one reads everything
    if (precision === 'max' || precision === 'auto') return new Set(this.parts.keys());
    if (precision === 'eco') return new Set();
    if (typeof precision === 'object') {
      for (const part of ['attn', 'ffn'] as const) {
        if (precision[part].length !== this.nLayers) throw new InvalidArgumentError(`a precision plan gives ${part} bits for ${precision[part].length} layers; the model has ${this.nLayers}`);
      }
      return new Set(this.parts.flatMap((p, i) => (precision[p.part][p.layer] === 8 ? [i] : [])));
    }
    if (typeof precision !== 'number' || !Number.isFinite(precision)) throw badPrecision(precision);
    const weights = this.parts.reduce((n, p) => n + p.weights, 0);
    const budget = (precision / 8) * weights; // bytes at `precision` bits per weight
    let bytes = this.parts.reduce((n, p) => n + p.baseBytes, 0);
    const out = new Set<number>();
    // in order, each part that still fits (a smaller one later may fit where a bigger one did not)
    for (const i of this.order) {
      if (bytes + this.parts[i]!.baseBytes > budget) continue;
      bytes += this.parts[i]!.baseBytes;
      out.add(i);
    }
    return out;
  }

  /** Average bits per nested weight read when `chosen` parts are at 8 bits. */
  bitsPerWeight(chosen: ReadonlySet<number>): number {
    let bytes = 0;
    let weights = 0;
    this.parts.forEach((p, i) => {
      bytes += p.baseBytes * (chosen.has(i) ? 2 : 1);
      weights += p.weights;
    });
    return weights ? (8 * bytes) / weights : 0;
  }

  /** The residual tensors a precision does not read. */
  unread(precision: Precision): Tensor[] {
    const read = this.chosen(precision);
    return this.parts.flatMap((p, i) => (read.has(i) ? [] : p.bases.map((b) => this.residuals.get(b)!)));
  }

  /** The plan that reads `chosen` parts at 8 bits and the others at 4. */
  plan(chosen: ReadonlySet<number>): PrecisionPlan {
    const attn = new Array<4 | 8>(this.nLayers).fill(4);
    const ffn = new Array<4 | 8>(this.nLayers).fill(4);
    this.parts.forEach((p, i) => {
      if (chosen.has(i)) (p.part === 'attn' ? attn : ffn)[p.layer] = 8;
    });
    return { attn, ffn };
  }

  /** The step graphs' refinement for the union of what several requests choose (the most precise wins). */
  refinement(precisions: readonly (Precision | undefined)[]): Refinement {
    const chosen = new Set<number>();
    for (const p of precisions) for (const i of this.chosen(p ?? 'max')) chosen.add(i);
    const key = [...chosen].sort((a, b) => a - b).join(',');
    let r = this.kept.get(key);
    if (!r) {
      const residuals = new Map<Tensor, Tensor>();
      for (const i of chosen) for (const base of this.parts[i]!.bases) residuals.set(base, this.residuals.get(base)!);
      r = { key: `p${key}`, residuals };
      this.kept.set(key, r);
    }
    return r;
  }
}

/** A request's precision as given (a string from a flag or a JSON body), checked. */
export function parsePrecision(value: unknown): Precision {
  if (value === 'max' || value === 'eco' || value === 'auto') return value;
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const plan = value as Record<string, unknown>;
    const bits = (v: unknown) => Array.isArray(v) && v.every((b) => b === 4 || b === 8);
    if (bits(plan['attn']) && bits(plan['ffn']) && Object.keys(plan).every((k) => k === 'attn' || k === 'ffn')) return { attn: plan['attn'] as (4 | 8)[], ffn: plan['ffn'] as (4 | 8)[] };
    throw new InvalidArgumentError(`a precision plan is { "attn": [...], "ffn": [...] }, 4 or 8 bits per layer; got ${JSON.stringify(value)}`);
  }
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n === 'number' && Number.isFinite(n) && n > 0) return n;
  throw badPrecision(value);
}

function badPrecision(value: unknown): InvalidArgumentError {
  return new InvalidArgumentError(`precision must be "max", "eco", "auto" or a number of bits per weight (4.5 to 9), got ${JSON.stringify(value)}`);
}

/**
 * Without a sensitivity table: llama.cpp's use_more_bits layers first (the first and last eighth,
 * and every third layer between; the layers its Q4_K_M gives more bits), then the rest in order.
 */
function defaultOrder(parts: readonly LayerPart[], nLayers: number): number[] {
  const eighth = Math.floor(nLayers / 8);
  const more = (l: number) => l < eighth || l >= Math.floor((7 * nLayers) / 8) || (l - eighth) % 3 === 2;
  const idx = parts.map((_, i) => i);
  return [...idx.filter((i) => more(parts[i]!.layer)), ...idx.filter((i) => !more(parts[i]!.layer))];
}
