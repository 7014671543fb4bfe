import { dequantize, InvalidArgumentError, type DTypeName } from '@ix/core';
import { TokenLimitError } from '../tokenizer/index.js';
import { encodeInputs, specialFrame, type EncoderModel } from './embed.js';

export interface RerankOptions {
  /** tokens of one forward pass (default 2048) */
  batchTokens?: number;
}

export interface RerankResult {
  /** one relevance score per document, in the order given: the classifier's raw output (a logit) */
  scores: number[];
  /** tokens of each (query, document) pair as scored */
  tokens: number[];
}

/**
 * A cross-encoder's classification head, as BertForSequenceClassification computes it and llama.cpp
 * runs "rank" pooling: the [CLS] state, then `cls` (dense + tanh, when present), then `cls.output`.
 * Applied on the host in float64: a few matrix-vector products per pair.
 */
interface Head {
  dense?: Linear;
  out?: Linear;
}
interface Linear {
  w: Float32Array;
  b?: Float32Array;
  rows: number;
  cols: number;
}

const heads = new WeakMap<EncoderModel, Promise<Head>>();

async function headOf(model: EncoderModel): Promise<Head> {
  let head = heads.get(model);
  if (!head) heads.set(model, (head = readHead(model)));
  return head;
}

async function readHead(model: EncoderModel): Promise<Head> {
  const read = async (name: string) => {
    const t = model.file.tensors.get(name);
    if (!t) return undefined;
    const count = t.shape.reduce((a, b) => a * b, 1);
    return { values: dequantize(t.dtype as DTypeName, await t.read(), count), shape: t.shape };
  };
  const linear = async (name: string): Promise<Linear | undefined> => {
    const w = await read(`${name}.weight`);
    if (!w) return undefined;
    const [rows, cols] = w.shape.length === 2 ? [w.shape[0]!, w.shape[1]!] : [1, w.shape[0]!];
    const b = await read(`${name}.bias`);
    if (b && b.values.length !== rows) throw new InvalidArgumentError(`${name}.bias has ${b.values.length} values for ${rows} outputs`);
    return { w: w.values, b: b?.values, rows, cols };
  };
  const head = { dense: await linear('cls'), out: await linear('cls.output') };
  if (!head.dense && !head.out) throw new InvalidArgumentError(`${model.file.path} has no classification head (cls / cls.output): it is not a reranker`);
  const width = model.hparams.embedDim;
  if (head.dense && (head.dense.cols !== width || (head.out && head.out.cols !== head.dense.rows))) throw new InvalidArgumentError('the classification head does not fit the model width');
  if (!head.dense && head.out && head.out.cols !== width) throw new InvalidArgumentError('the classification head does not fit the model width');
  return head;
}

function apply(l: Linear, x: Float64Array, f?: (v: number) => number): Float64Array {
  const y = new Float64Array(l.rows);
  for (let r = 0; r < l.rows; r++) {
    let acc = l.b ? l.b[r]! : 0;
    for (let c = 0, o = r * l.cols; c < l.cols; c++) acc += l.w[o + c]! * x[c]!;
    y[r] = f ? f(acc) : acc;
  }
  return y;
}

/**
 * Relevance of each document to the query with a cross-encoder (BERT sequence classifier): each
 * pair is encoded as the tokenizer frames a pair ([CLS] query [SEP] document [SEP]), the document's
 * tokens typed 1 where the model has a second token type (llama.cpp types every token 0). A pair
 * longer than the model takes loses the end of its document.
 */
export async function rerank(model: EncoderModel, query: string, documents: readonly string[], options: RerankOptions = {}): Promise<RerankResult> {
  if (model.generates) throw new InvalidArgumentError(`${model.arch.name}: reranking needs a cross-encoder (a BERT sequence classifier); decoder rerankers (Qwen3-Reranker) are not supported yet`);
  if (model.hparams.pooling !== 'rank') throw new InvalidArgumentError(`this ${model.arch.name} model is an embedding model (pooling ${model.hparams.pooling}), not a reranker: it has no classification head`);
  if (typeof query !== 'string' || !Array.isArray(documents) || documents.some((d) => typeof d !== 'string')) throw new InvalidArgumentError('rerank() needs a query string and an array of document strings');
  const head = await headOf(model);
  const tok = model.tokenizer;
  const limit = model.hparams.contextLength;
  // the special tokens around one text: those before it open a pair, those after it close each part
  const { open, close } = specialFrame(tok);
  const noRoom = (has: string) => new InvalidArgumentError(`the query has ${has} tokens: no room for a document in the ${limit} the model takes`);
  const q = [...open, ...(await tok.encodeAsync(query, { addSpecial: false, maxTokens: limit }).catch((e: unknown) => Promise.reject(e instanceof TokenLimitError ? noRoom(`more than ${limit}`) : e))), ...close];
  if (q.length + close.length >= limit) throw noRoom(String(q.length));
  const secondType = (model.hparams.typeVocabSize ?? 1) >= 2 ? 1 : 0;
  const ids: number[][] = [];
  const types: number[][] = [];
  for (const d of documents) {
    // the document is cut to what fits, keeping the closing tokens
    const doc = (await tok.encodeAsync(d, { addSpecial: false })).slice(0, limit - q.length - close.length);
    const pair = [...q, ...doc, ...close];
    ids.push(pair);
    types.push(pair.map((_, i) => (i < q.length ? 0 : secondType)));
  }
  const scores: number[] = [];
  await encodeInputs(model, ids, types, options.batchTokens ?? 2048, (i, hidden, row) => {
    const width = model.hparams.embedDim;
    let x: Float64Array = Float64Array.from(hidden.subarray(row * width, (row + 1) * width));
    if (head.dense) x = apply(head.dense, x, Math.tanh);
    if (head.out) x = apply(head.out, x);
    scores[i] = x[0]!;
  });
  return { scores, tokens: ids.map((t) => t.length) };
}
