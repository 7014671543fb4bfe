/**
 * `ix calibrate`: how much each layer part of a nested model loses at 4 bits. Over a text, the
 * next-token distributions with every part at 8 bits are the reference; each part in turn is read
 * at 4 bits with the rest at 8, and its cost is the mean KL divergence from the reference. A bit
 * budget then keeps the costliest parts (per byte) at 8 bits (NestedWeights.useSensitivity).
 * The table is a property of the model and the text, not of the machine, and is stored as JSON.
 */
import { readFile } from 'node:fs/promises';
import { InvalidArgumentError } from '@ix/core';
import { modelKey } from '../runtime/profile.js';
import { logitsEntropy } from './auto.js';
import type { NestedWeights, PartSensitivity, Precision } from './plan.js';

/** What calibration uses of a Model (declared here: the model imports this folder). */
export interface CalibratedModel {
  readonly nested?: NestedWeights;
  readonly file: { readonly path: string };
  readonly hparams: { readonly vocabSize: number };
  createSession(options: { contextLength: number; batchSize: number; precision: Precision; kvType: 'F32' }): { evaluate(tokens: readonly number[], all: boolean): Promise<Float32Array>; dispose(): void };
}

export const SENSITIVITY_VERSION = 1;

export interface SensitivityTable {
  version: typeof SENSITIVITY_VERSION;
  /** the model measured (for people reading it) and its key (runtime/profile.ts modelKey) */
  model: string;
  modelKey: string;
  /** tokens of text the KL divergences are averaged over */
  tokens: number;
  parts: PartSensitivity[];
  /** the deciles (0, 10, ..., 100%) of the model's predictive entropy (nats) over the text, all parts at 8 bits */
  entropyQuantiles?: number[];
}

export interface Calibration {
  parts: PartSensitivity[];
  entropyQuantiles: number[];
}

/** Mean over rows of KL(P || Q), P and Q given as logits rows of `vocab` (softmax in double precision). */
export function meanKL(p: Float32Array, q: Float32Array, vocab: number): number {
  const rows = p.length / vocab;
  let total = 0;
  for (let r = 0; r < rows; r++) {
    const lp = logSoftmax(p.subarray(r * vocab, (r + 1) * vocab));
    const lq = logSoftmax(q.subarray(r * vocab, (r + 1) * vocab));
    let kl = 0;
    for (let i = 0; i < vocab; i++) kl += Math.exp(lp[i]!) * (lp[i]! - lq[i]!);
    total += kl;
  }
  return rows ? total / rows : 0;
}

function logSoftmax(row: Float32Array): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < row.length; i++) max = Math.max(max, row[i]!);
  let sum = 0;
  for (let i = 0; i < row.length; i++) sum += Math.exp(row[i]! - max);
  const lse = max + Math.log(sum);
  return Float64Array.from(row, (v) => v - lse);
}

/** Each part's cost at 4 bits over `tokens`, and the model's entropy deciles (progress: parts measured so far, all parts). */
export async function calibrate(model: CalibratedModel, tokens: readonly number[], onProgress?: (done: number, total: number) => void): Promise<Calibration> {
  const nested = model.nested;
  if (!nested) throw new InvalidArgumentError(`${model.file.path} is not nested: calibrate a model written by ix quantize --nested`);
  if (tokens.length < 2) throw new InvalidArgumentError('calibration needs a text of at least 2 tokens');
  const logits = async (precision: Precision) => {
    const session = model.createSession({ contextLength: tokens.length, batchSize: Math.min(tokens.length, 512), precision, kvType: 'F32' });
    try {
      return await session.evaluate(tokens, true);
    } finally {
      session.dispose();
    }
  };
  const vocab = model.hparams.vocabSize;
  const reference = await logits('max');
  const entropies = Array.from({ length: tokens.length }, (_, r) => logitsEntropy(reference.subarray(r * vocab, (r + 1) * vocab))).sort((a, b) => a - b);
  const entropyQuantiles = Array.from({ length: 11 }, (_, i) => entropies[Math.round((i / 10) * (entropies.length - 1))]!);
  const out: PartSensitivity[] = [];
  const all = new Set(nested.parts.keys());
  for (const [i, p] of nested.parts.entries()) {
    const lowered = new Set(all);
    lowered.delete(i);
    // KL is never negative; rounding may give -0 or -1e-17 where a part changes nothing
    out.push({ layer: p.layer, part: p.part, kl: Math.max(0, meanKL(reference, await logits(nested.plan(lowered)), vocab)) });
    onProgress?.(i + 1, nested.parts.length);
  }
  return { parts: out, entropyQuantiles };
}

/** A stored table, checked: its version and that it measured this model (by key). */
export function checkSensitivityTable(value: unknown, modelKey: string, where: string): SensitivityTable {
  const t = value as Partial<SensitivityTable> | null;
  if (!t || t.version !== SENSITIVITY_VERSION || !Array.isArray(t.parts)) throw new InvalidArgumentError(`${where} is not a version ${SENSITIVITY_VERSION} sensitivity table (ix calibrate writes them)`);
  if (t.modelKey !== modelKey) throw new InvalidArgumentError(`${where} was measured on another model file (${t.model ?? 'unknown'}); calibrate this one`);
  const q = t.entropyQuantiles;
  if (q !== undefined && !(Array.isArray(q) && q.length >= 2 && q.every((x, i) => Number.isFinite(x) && x >= 0 && (i === 0 || x >= q[i - 1]!)))) {
    throw new InvalidArgumentError(`${where}: entropyQuantiles must be rising entropies`);
  }
  for (const p of t.parts) {
    if (!p || !Number.isInteger(p.layer) || (p.part !== 'attn' && p.part !== 'ffn') || !(typeof p.kl === 'number' && p.kl >= 0)) throw new InvalidArgumentError(`${where}: malformed entry ${JSON.stringify(p)}`);
  }
  return t as SensitivityTable;
}

/** Where `ix calibrate` stores a model's table by default: beside it. */
export function sensitivityPath(modelPath: string): string {
  return `${modelPath}.sensitivity.json`;
}

export interface SensitivityLookup {
  path: string;
  table?: SensitivityTable;
  /** why a table found there was not used */
  problem?: string;
}

/**
 * The sensitivity table of the model at `modelPath`: from `path` when given (its problems are
 * errors), else from beside the model if one is there (its problems are reported, not thrown).
 */
export async function findSensitivity(modelPath: string, path?: string): Promise<SensitivityLookup | undefined> {
  const where = path ?? sensitivityPath(modelPath);
  let text: string;
  try {
    text = await readFile(where, 'utf8');
  } catch (e) {
    if (path) throw new InvalidArgumentError(`cannot read the sensitivity table ${path}: ${(e as Error).message}`);
    return undefined;
  }
  try {
    return { path: where, table: checkSensitivityTable(JSON.parse(text) as unknown, await modelKey(modelPath), where) };
  } catch (e) {
    if (path) throw e instanceof SyntaxError ? new InvalidArgumentError(`${path} is not JSON: ${e.message}`) : e;
    return { path: where, problem: e instanceof Error ? e.message : String(e) };
  }
}
