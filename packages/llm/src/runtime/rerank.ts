import { dequantize, InvalidArgumentError, type DTypeName } from '@ix/core';
import { TokenLimitError } from '../tokenizer/index.js';
import { encodeInputs, specialFrame, type EncoderModel } from './embed.js';

export interface RerankOptions {
  /** tokens of one forward pass (default 2048) */
  batchTokens?: number;
}

export interface RerankResult {
  /** one relevance score per document, in the order given: a cross-encoder's raw output (a logit), a decoder reranker's P("yes") */
  scores: number[];
  /** tokens of each (query, document) pair as scored */
  tokens: number[];
}

/**
 * A reranker's classification head, as BertForSequenceClassification computes it and llama.cpp runs
 * "rank" pooling: the [CLS] state (a decoder's: its last token's), then `cls` (dense + tanh, when
 * present), then `cls.output`.
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
 * Relevance of each document to the query. A cross-encoder (BERT or XLM-R sequence classifier) reads
 * each pair as the tokenizer frames a pair ([CLS] query [SEP] document [SEP]), the document's tokens
 * typed 1 where the model has a second token type (llama.cpp types every token 0); a pair longer
 * than the model takes loses the end of its document; its score is the classifier's raw output. A
 * decoder reranker (Qwen3-Reranker, GGUF) reads its rerank template; its score is P("yes").
 */
export async function rerank(model: EncoderModel, query: string, documents: readonly string[], options: RerankOptions = {}): Promise<RerankResult> {
  if (model.hparams.pooling !== 'rank') throw new InvalidArgumentError(`this ${model.arch.name} model is not a reranker (pooling ${model.hparams.pooling ?? 'none'}): it has no classification head`);
  if (typeof query !== 'string' || !Array.isArray(documents) || documents.some((d) => typeof d !== 'string')) throw new InvalidArgumentError('rerank() needs a query string and an array of document strings');
  const head = await headOf(model);
  const pairs = model.generates ? await decoderPairs(model, query, documents) : await crossEncoderPairs(model, query, documents);
  const width = model.hparams.embedDim;
  const scores: number[] = [];
  await encodeInputs(model, pairs.ids, pairs.types, options.batchTokens ?? 2048, (i, hidden, row, n) => {
    // a cross-encoder reads its [CLS] state, a decoder the state after its last token
    const at = model.generates ? row + n - 1 : row;
    let x: Float64Array = Float64Array.from(hidden.subarray(at * width, (at + 1) * width));
    if (head.dense) x = apply(head.dense, x, Math.tanh);
    if (head.out) x = apply(head.out, x);
    // a decoder reranker's head gives the "yes" and "no" logits: the score is P(yes), as llama.cpp
    scores[i] = model.generates ? 1 / (1 + Math.exp(x[1]! - x[0]!)) : x[0]!;
  });
  return { scores, tokens: pairs.ids.map((t) => t.length) };
}

/** [CLS] query [SEP] document [SEP] (XLM-R: <s> query </s></s> document </s>), the document typed 1; a long document loses its end */
async function crossEncoderPairs(model: EncoderModel, query: string, documents: readonly string[]): Promise<{ ids: number[][]; types: number[][] }> {
  const tok = model.tokenizer;
  const limit = model.hparams.contextLength;
  // the special tokens around one text: those before it open a pair, those after it close each part
  const { open, close } = specialFrame(tok);
  const noRoom = (has: string) => new InvalidArgumentError(`the query has ${has} tokens: no room for a document in the ${limit} the model takes`);
  // RoBERTa / XLM-R put one more separator between the two: <s> query </s></s> document </s>
  const q = [...open, ...(await tok.encodeAsync(query, { addSpecial: false, maxTokens: limit }).catch((e: unknown) => Promise.reject(e instanceof TokenLimitError ? noRoom(`more than ${limit}`) : e))), ...close, ...(tok.pairSeparator ?? [])];
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
  return { ids, types };
}

/**
 * A decoder reranker (Qwen3-Reranker) reads its GGUF's rerank template (tokenizer.chat_template.rerank)
 * with {query} and {document} filled in, special tokens parsed, as llama.cpp's server formats it.
 */
async function decoderPairs(model: EncoderModel, query: string, documents: readonly string[]): Promise<{ ids: number[][]; types: number[][] }> {
  const template = model.file.metadata['tokenizer.chat_template.rerank'];
  if (typeof template !== 'string' || !template.includes('{query}') || !template.includes('{document}')) {
    throw new InvalidArgumentError(`${model.file.path}: a decoder reranker needs its rerank template (tokenizer.chat_template.rerank with {query} and {document})`);
  }
  const limit = model.hparams.contextLength;
  const ids: number[][] = [];
  for (const [i, d] of documents.entries()) {
    const prompt = template.replaceAll('{query}', query).replaceAll('{document}', d);
    const t = await model.tokenizer.encodeAsync(prompt, { addSpecial: false, parseSpecial: true, maxTokens: limit }).catch((e: unknown) =>
      Promise.reject(e instanceof TokenLimitError ? new InvalidArgumentError(`document ${i} with the query needs more than the ${limit} tokens the model takes`) : e),
    );
    ids.push(t);
  }
  return { ids, types: [] };
}
