import { InvalidArgumentError, IxError, type Executor } from '@ix/core';
import { ARCHITECTURES, type Architecture, type EmbedGraph, type ModelHParams } from '../arch/index.js';
import type { PoolingType } from '../model-config.js';
import type { ModelFile } from '../formats/index.js';
import type { Tokenizer } from '../tokenizer/index.js';

/** What embed() and rerank() need of a model (Model provides it). */
export interface EncoderModel {
  readonly arch: Architecture;
  readonly hparams: ModelHParams;
  readonly tokenizer: Tokenizer;
  readonly executor: Executor;
  readonly file: ModelFile;
  readonly generates: boolean;
  embedGraph(lengths: readonly number[]): EmbedGraph;
}

export interface EmbedOptions {
  /** how token states become one vector per input; default: the model's own (else mean for encoders, last for decoders) */
  pooling?: Exclude<PoolingType, 'rank'>;
  /** scale each vector to unit length (default true; with pooling 'none', each token's) */
  normalize?: boolean;
  /** keep the first `dimensions` values (Matryoshka embeddings), before normalizing */
  dimensions?: number;
  /** tokens of one forward pass: inputs are packed into passes of at most this many (default 2048) */
  batchTokens?: number;
  /** cut an input longer than the model takes to its first tokens (keeping the end-of-input special token) instead of refusing it */
  truncate?: boolean;
}

export interface EmbedResult {
  /** one per input; with pooling 'none', every token's vector back to back (tokens × width) */
  embeddings: Float32Array[];
  /** tokens of each input, special tokens included */
  tokens: number[];
  pooling: Exclude<PoolingType, 'rank'>;
  /** values per vector (after `dimensions`) */
  width: number;
}

const POOLINGS = ['none', 'mean', 'cls', 'last'] as const;

/**
 * Embeddings of texts (or token ids) with an embedding model. Inputs are packed back to back into
 * forward passes without padding (each attends only to itself); the graph of a pass is kept by
 * its lengths, so repeating a batch shape builds and plans nothing.
 */
export async function embed(model: EncoderModel, inputs: readonly (string | readonly number[])[], options: EmbedOptions = {}): Promise<EmbedResult> {
  const hp = model.hparams;
  if (!model.arch.buildEmbed) throw new InvalidArgumentError(`${model.arch.name} is a generative model without an embedding graph; load an embedding model (${embeddingArchNames()})`);
  if (!Array.isArray(inputs)) throw new InvalidArgumentError('embed() needs an array of inputs');
  if (hp.pooling === 'rank' && !options.pooling) throw new InvalidArgumentError('this model is a reranker: score pairs with rerank() (or give a pooling to embed its token states)');
  const pooling = options.pooling ?? (hp.pooling && hp.pooling !== 'none' && hp.pooling !== 'rank' ? hp.pooling : model.generates ? 'last' : 'mean');
  if (!POOLINGS.includes(pooling)) throw new InvalidArgumentError(`pooling must be one of ${POOLINGS.join(', ')}, got ${JSON.stringify(pooling)}`);
  const full = hp.embedDim;
  const width = options.dimensions ?? full;
  if (!Number.isInteger(width) || width < 1 || width > full) throw new InvalidArgumentError(`dimensions must be an integer from 1 to ${full}, got ${String(options.dimensions)}`);
  const batchTokens = options.batchTokens ?? 2048;

  const ids: number[][] = [];
  for (const [i, input] of inputs.entries()) {
    let t = typeof input === 'string' ? await encode(model, input, i, options.truncate ?? false) : checkIds(model, input, i);
    if (t.length === 0) throw new InvalidArgumentError(`input ${i} has no tokens`);
    if (options.truncate && t.length > hp.contextLength) t = truncated(model, t, typeof input === 'string');
    if (t.length > hp.contextLength) throw tooLong(i, `${t.length} tokens`, hp.contextLength);
    ids.push(t);
  }

  const embeddings: Float32Array[] = [];
  await encodeInputs(model, ids, [], batchTokens, (i, hidden, row, n) => {
    embeddings[i] = pool(hidden, row, n, full, width, pooling, options.normalize ?? true);
  });
  return { embeddings, tokens: ids.map((t) => t.length), pooling, width };
}

/**
 * Every token's final state for inputs packed back to back, in passes of at most `batchTokens`
 * tokens; `types` gives an input's token types (a reranker's pair), zeros otherwise. `each` gets
 * an input's rows of a pass's states.
 */
export async function encodeInputs(
  model: EncoderModel,
  ids: readonly (readonly number[])[],
  types: readonly (readonly number[] | undefined)[],
  batchTokens: number,
  each: (index: number, hidden: Float32Array, row: number, n: number) => void,
): Promise<void> {
  for (let first = 0; first < ids.length; ) {
    let end = first;
    let total = 0;
    while (end < ids.length && (end === first || total + ids[end]!.length <= batchTokens)) total += ids[end++]!.length;
    const lengths = ids.slice(first, end).map((t) => t.length);
    const step = model.embedGraph(lengths);
    const tokens = new Int32Array(total);
    const pos = new Int32Array(total);
    const typeIds = new Int32Array(total);
    let at = 0;
    for (let k = first; k < end; k++) {
      const t = ids[k]!;
      typeIds.set(types[k] ?? [], at);
      for (let i = 0; i < t.length; i++, at++) {
        tokens[at] = t[i]!;
        pos[at] = i;
      }
    }
    const [hidden] = (await model.executor.run(step.graph, { tokens, pos, types: typeIds }, [step.hidden])) as [Float32Array];
    let row = 0;
    for (let k = first; k < end; k++) {
      each(k, hidden, row, ids[k]!.length);
      row += ids[k]!.length;
    }
    first = end;
  }
}

/** one input's vector from its rows [row, row + n) of the hidden states */
function pool(hidden: Float32Array, row: number, n: number, full: number, width: number, pooling: (typeof POOLINGS)[number], normalize: boolean): Float32Array {
  if (pooling === 'none') {
    const out = new Float32Array(n * width);
    for (let t = 0; t < n; t++) out.set(finish(hidden.subarray((row + t) * full, (row + t) * full + width), normalize), t * width);
    return out;
  }
  if (pooling === 'cls' || pooling === 'last') {
    const r = pooling === 'cls' ? row : row + n - 1;
    return finish(hidden.subarray(r * full, r * full + width), normalize);
  }
  const sum = new Float64Array(width);
  for (let t = row; t < row + n; t++) for (let i = 0; i < width; i++) sum[i]! += hidden[t * full + i]!;
  return finish(sum.map((s) => s / n), normalize);
}

/** a float32 copy, scaled to unit length when asked (a zero vector stays zero) */
function finish(v: ArrayLike<number>, normalize: boolean): Float32Array {
  let scale = 1;
  if (normalize) {
    let sq = 0;
    for (let i = 0; i < v.length; i++) sq += v[i]! * v[i]!;
    scale = sq > 0 ? 1 / Math.sqrt(sq) : 0;
  }
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v[i]! * scale;
  return out;
}

function checkIds(model: EncoderModel, input: readonly number[], index: number): number[] {
  if (!Array.isArray(input)) throw new InvalidArgumentError(`input ${index} must be a string or an array of token ids`);
  for (const id of input) {
    if (!Number.isInteger(id) || id < 0 || id >= model.hparams.vocabSize) throw new InvalidArgumentError(`input ${index}: token ${String(id)} is outside the vocabulary (0..${model.hparams.vocabSize - 1})`);
  }
  return [...input];
}

/** a text's tokens (with the model's special tokens), refused early when it cannot fit and will not be cut */
async function encode(model: EncoderModel, text: string, index: number, truncate: boolean): Promise<number[]> {
  const limit = model.hparams.contextLength;
  try {
    return await model.tokenizer.encodeAsync(text, { addSpecial: true, maxTokens: truncate ? undefined : limit });
  } catch (err) {
    if (err instanceof IxError && err.code === 'CONTEXT_FULL') throw tooLong(index, `more than ${limit} tokens`, limit);
    throw err;
  }
}

/**
 * The first tokens of an input that fit, keeping the special tokens the tokenizer puts after a text
 * (BERT's [SEP]) at the end, as sentence-transformers truncates. Token-id inputs are cut as given.
 */
function truncated(model: EncoderModel, ids: readonly number[], wrapped: boolean): number[] {
  const limit = model.hparams.contextLength;
  const suffix = wrapped ? Math.min(specialFrame(model.tokenizer).close.length, limit - 1) : 0;
  return [...ids.slice(0, limit - suffix), ...ids.slice(ids.length - suffix)];
}

/** The special tokens the tokenizer puts before a text (BERT's [CLS]) and after it ([SEP]). */
export function specialFrame(tok: Tokenizer): { open: number[]; close: number[] } {
  const body = tok.encode('a', { addSpecial: false });
  const full = tok.encode('a', { addSpecial: true });
  let at = 0;
  while (at + body.length <= full.length && !body.every((id, i) => full[at + i] === id)) at++;
  if (at + body.length > full.length) return { open: [], close: [] };
  return { open: full.slice(0, at), close: full.slice(at + body.length) };
}

function tooLong(index: number, has: string, limit: number): InvalidArgumentError {
  return new InvalidArgumentError(`input ${index} has ${has} but the model takes at most ${limit}`);
}

function embeddingArchNames(): string {
  return ARCHITECTURES.filter((a) => a.buildEmbed).map((a) => a.name).join(', ');
}
