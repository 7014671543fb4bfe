import { type Backend, type Executor, InvalidArgumentError, IxError, Tensor, tensorByteSize } from '@ix/core';
import { kvCacheLayerCount, type KVCache, type ModelHParams } from '../arch/index.js';
import type { Tokenizer } from '../tokenizer/index.js';
import type { StepGraphs } from './step-graphs.js';
import { Sampler, logprobs as logprobsOf, type SamplingOptions, type TokenLogprob } from './sampling.js';
import { StopStringFilter } from './stop-strings.js';
import type { ChatMessage, ChatTool } from '../chat/index.js';
import { continuationDecoder } from '../tokenizer/continuation.js';
import { TokenConstraint, type GrammarSpec } from '../grammar/index.js';
import { AutoPrecision, parsePrecision, type Precision } from '../precision/index.js';
import type { Refinement } from '../arch/index.js';

/** What a session uses of its model (a Model; declared here so that sessions do not import it). */
export interface SessionModel {
  readonly hparams: ModelHParams;
  readonly backend: Backend;
  readonly executor: Executor;
  readonly tokenizer: Tokenizer;
  readonly stepGraphs: StepGraphs;
  readonly disposed: boolean;
  promptTokens(prompt: string | readonly number[] | readonly ChatMessage[], chat?: boolean, options?: { tools?: readonly ChatTool[] }): number[];
  isEndOfGeneration(token: number): boolean;
  stepLogits(elements: number): Float32Array;
  stepCandidates(elements: number): Int32Array;
  refinement(precisions: readonly (Precision | undefined)[]): Refinement | undefined;
  /** nested models: what 'auto' places a step's entropy among */
  readonly nested?: { readonly entropyQuantiles?: readonly number[] };
}

export interface SessionOptions {
  /** context length (tokens); default: the model's, capped at 4096 */
  contextLength?: number;
  /** KV cache type, F16 by default */
  kvType?: 'F16' | 'F32';
  /** tokens per prompt-evaluation batch */
  batchSize?: number;
  /** nested models: the precision its steps read (see Precision; default 'max') */
  precision?: Precision;
}

export interface GenerateOptions extends SamplingOptions {
  maxTokens?: number;
  stop?: string[];
  signal?: AbortSignal;
  /** return the log-probability of each token and this many alternatives */
  logprobs?: number;
  /** render messages / the prompt through the model's chat template (default: true for messages) */
  chat?: boolean;
  /** stop at end-of-generation tokens (default true) */
  stopAtEos?: boolean;
  /** constrain the output to a JSON Schema, any JSON object or a GBNF grammar */
  grammar?: GrammarSpec;
  /** tools the chat template shows the model (parse its calls from the text with parseToolCalls) */
  tools?: readonly ChatTool[];
  /** nested models: the precision of this generation's steps (default: the session's) */
  precision?: Precision;
}

export interface GeneratedToken {
  /** the sampled token; -1 for the trailing text released when generation ends */
  token: number;
  /** text released by this token (may be empty while a UTF-8 character or stop string is pending) */
  text: string;
  logprob?: TokenLogprob;
  topLogprobs?: TokenLogprob[];
}

export type FinishReason = 'stop' | 'length' | 'context' | 'aborted';

export interface GenerateResult {
  text: string;
  tokens: number[];
  finishReason: FinishReason;
  promptTokens: number;
  completionTokens: number;
}

export class ContextFullError extends IxError {
  /** `moreThan`: tokenizing stopped early, the prompt needs more than `needed` tokens */
  constructor(needed: number, ctx: number, moreThan = false) {
    super('CONTEXT_FULL', `the prompt needs ${moreThan ? 'more than ' : ''}${needed} tokens but the context holds ${ctx} (raise it with --ctx-size)`);
  }
}

/** one sequence's share of a batched step */
export interface StepInput {
  session: Session;
  tokens: readonly number[];
}

/** one sequence's result of a batched step */
export interface StepRow {
  /** logits of its last token */
  logits: Float32Array;
  /** with `candidates: k`: the ids of the k largest logits, best first (ties: lower id first) */
  candidates?: Int32Array;
}

/**
 * A conversation with a model: owns a KV cache and the tokens in it. A new prompt that starts with
 * the tokens already cached reuses them (only the new suffix is evaluated). When the context is
 * full, generation ends with finishReason "context"; a prompt that does not fit is an error.
 */
export class Session {
  readonly contextLength: number;
  private readonly cache: KVCache;
  private readonly batchSize: number;
  /** tokens whose keys/values are in the cache, in order */
  private cached: number[] = [];
  private disposed = false;
  private precisionNow: Precision | undefined;
  private auto: AutoPrecision | undefined;
  private autoNext: Precision | undefined;
  private lastStepPrecision: Precision | undefined;

  constructor(
    readonly model: SessionModel,
    options: SessionOptions = {},
  ) {
    const hp = model.hparams;
    this.contextLength = options.contextLength ?? Math.min(hp.contextLength, 4096);
    if (!Number.isInteger(this.contextLength) || this.contextLength < 1) {
      throw new InvalidArgumentError(`context length must be a positive integer, got ${options.contextLength}`);
    }
    this.batchSize = options.batchSize ?? 256;
    this.precision = options.precision;
    const kvType = options.kvType ?? 'F16';
    const shape = [this.contextLength, hp.nKVHeads, hp.headDim];
    const alloc = (name: string) => {
      const backend = model.backend;
      return new Tensor(shape, kvType, backend.allocate(tensorByteSize(shape, kvType)), 0, name);
    };
    const layers = kvCacheLayerCount(hp);
    this.cache = {
      k: Array.from({ length: layers }, (_, l) => alloc(`cache_k.${l}`)),
      v: Array.from({ length: layers }, (_, l) => alloc(`cache_v.${l}`)),
    };
  }

  /**
   * Nested models: the precision this session's steps read; a batched step with other sessions
   * reads the most precise of theirs. Set it between requests, or per generate() call.
   */
  get precision(): Precision | undefined {
    return this.precisionNow;
  }

  set precision(p: Precision | undefined) {
    const checked = p === undefined ? undefined : parsePrecision(p);
    this.model.refinement([checked]); // refuses a precision the model cannot read, now rather than at the next step
    this.precisionNow = checked;
    this.auto = checked === 'auto' ? new AutoPrecision(this.model.nested?.entropyQuantiles) : undefined;
    this.autoNext = undefined;
  }

  /** the precision the last step read ('auto' resolved to its bits per weight); undefined before the first */
  get lastPrecision(): Precision | undefined {
    return this.lastStepPrecision;
  }

  /** @internal the precision of a step over `tokens`: 'auto' resolved from the prompt, or from the logits before */
  stepPrecision(tokens: readonly number[]): Precision | undefined {
    const p = !this.auto ? this.precisionNow : tokens.length > 1 || this.autoNext === undefined ? this.auto.forPrompt(tokens) : this.autoNext;
    this.lastStepPrecision = p;
    return p;
  }

  /** @internal a step's last logits: what 'auto' reads for the next one */
  observe(logits: Float32Array): void {
    if (this.auto) this.autoNext = this.auto.afterLogits(logits);
  }

  /** tokens currently held in the KV cache */
  get tokens(): readonly number[] {
    return this.cached;
  }

  reset(): void {
    this.cached = [];
  }

  /** Free the KV cache's device memory; the session cannot be used afterwards. */
  dispose(): void {
    this.model.stepGraphs.forget(this.cache);
    // a disposed model's backend already freed the cache with everything else
    if (!this.model.disposed) for (const t of [...this.cache.k, ...this.cache.v]) this.model.backend.free(t.buffer);
    this.cache.k.length = 0;
    this.cache.v.length = 0;
    this.cached = [];
    this.disposed = true;
  }

  /**
   * Evaluate `tokens` after what is cached (reusing the longest common prefix) and return the
   * logits of the last token; with `all`, logits of every new token, row after row.
   */
  async evaluate(tokens: readonly number[], all = false): Promise<Float32Array> {
    return this.evaluateSteps(tokens, all, false);
  }

  /** evaluate(); with `reuse` (last-token logits only) the result is the model's step array, valid until its next step */
  private async evaluateSteps(tokens: readonly number[], all: boolean, reuse: boolean): Promise<Float32Array> {
    const fresh = this.newTokens(tokens);
    const out: Float32Array[] = [];
    for (let i = 0; i < fresh.length; ) {
      const batch = fresh.slice(i, (i += this.chunk(fresh.length - i)));
      const [{ logits }] = (await runStep(this.model, [{ session: this, tokens: batch, all }], reuse && !all)) as [StepRow];
      if (all || i === fresh.length) out.push(logits!);
    }
    if (!all) return out[out.length - 1]!;
    const joined = new Float32Array(out.reduce((n, a) => n + a.length, 0));
    let o = 0;
    for (const a of out) joined.set(a, (o += a.length) - a.length);
    return joined;
  }

  /** tokens in the next step of a prompt with `left` to go: up to batchSize, or the backend's largest step size that fits */
  private chunk(left: number): number {
    const cap = Math.min(left, this.batchSize);
    const sizes = this.model.backend.stepSizes;
    if (!sizes?.length) return cap;
    let best = 1;
    for (const s of sizes) if (s <= cap && s > best) best = s;
    return best;
  }

  /**
   * The part of `tokens` not yet in the cache; drops cached tokens past the common prefix.
   * At least one token is always returned, so there are logits to read.
   */
  private newTokens(tokens: readonly number[]): number[] {
    if (this.disposed) throw new InvalidArgumentError('this session was disposed');
    if (tokens.length === 0) throw new InvalidArgumentError('evaluate: no tokens');
    if (tokens.length > this.contextLength) throw new ContextFullError(tokens.length, this.contextLength);
    let keep = 0;
    while (keep < this.cached.length && keep < tokens.length - 1 && this.cached[keep] === tokens[keep]) keep++;
    // the cached prefix was checked when it was evaluated: only the new tokens need it (a serving
    // loop passes the whole history every step)
    const vocab = this.model.hparams.vocabSize;
    for (let i = keep; i < tokens.length; i++) {
      const t = tokens[i]!;
      if (!Number.isInteger(t) || t < 0 || t >= vocab) throw new InvalidArgumentError(`token id ${t} is outside the vocabulary`);
    }
    this.cached.length = keep;
    return tokens.slice(keep);
  }

  /**
   * Evaluate several sessions of one model in ONE batched forward (continuous batching): each
   * item's tokens are brought into its session's cache like `evaluate` does, all rows go through
   * the matmuls together, and each item gets its last token's logits. The caller bounds the sizes.
   * With `reuseLogits` the logits are views of one array the model reuses: valid until its next
   * step (what a serving loop wants: no 600 KB allocation per sequence and step at a 150k vocab).
   */
  static async evaluateBatch(items: readonly StepInput[], options: { reuseLogits?: boolean } = {}): Promise<Float32Array[]> {
    return (await Session.stepBatch(items, { reuseLogits: options.reuseLogits })).map((r) => r.logits);
  }

  /**
   * evaluateBatch, and with `candidates: k` each row's k best token ids as well, found by the
   * backend over all rows at once (a sampler's top-k without a pass over the vocabulary in JS;
   * see Sampler.sample). Logits and candidates follow `reuseLogits` alike.
   */
  static async stepBatch(items: readonly StepInput[], options: { reuseLogits?: boolean; candidates?: number } = {}): Promise<StepRow[]> {
    if (items.length === 0) return [];
    const model = items[0]!.session.model;
    if (items.some((i) => i.session.model !== model)) throw new InvalidArgumentError('evaluateBatch: all sessions must belong to one model');
    if (new Set(items.map((i) => i.session)).size !== items.length) throw new InvalidArgumentError('evaluateBatch: a session appears twice');
    const k = options.candidates;
    if (k !== undefined && !(Number.isInteger(k) && k >= 1)) throw new InvalidArgumentError(`candidates must be a positive integer, got ${k}`);
    const steps = items.map((i) => ({ session: i.session, tokens: i.session.newTokens(i.tokens), all: false }));
    return runStep(model, steps, options.reuseLogits === true, k);
  }

  /** @internal the KV cache, for the step builder */
  get kvCache(): KVCache {
    return this.cache;
  }

  /** @internal record tokens whose keys/values a step has written */
  commit(tokens: readonly number[]): void {
    this.cached.push(...tokens);
  }

  /** Stream a completion of `prompt` (text, token ids or chat messages). */
  async *generate(prompt: string | readonly number[] | readonly ChatMessage[], options: GenerateOptions = {}): AsyncGenerator<GeneratedToken, GenerateResult> {
    const model = this.model;
    const promptTokens = model.promptTokens(prompt, options.chat, { tools: options.tools });
    if (promptTokens.length === 0) throw new InvalidArgumentError('the prompt encodes to no tokens and the model has no BOS token');
    const maxTokens = options.maxTokens ?? Infinity;
    if (!(maxTokens >= 0)) throw new InvalidArgumentError(`maxTokens must be >= 0, got ${options.maxTokens}`);
    const sampler = new Sampler(options);
    const sessionPrecision = this.precisionNow;
    const sessionAuto = this.auto;
    if (options.precision !== undefined) this.precision = options.precision;
    const constraint = options.grammar ? await TokenConstraint.create(model.tokenizer, options.grammar, model.hparams.vocabSize) : undefined;
    try {
      return yield* this.generateFrom(promptTokens, maxTokens, sampler, constraint, options);
    } finally {
      constraint?.dispose();
      if (options.precision !== undefined) {
        this.precisionNow = sessionPrecision;
        this.auto = sessionAuto;
        this.autoNext = undefined;
      }
    }
  }

  private async *generateFrom(promptTokens: number[], maxTokens: number, sampler: Sampler, constraint: TokenConstraint | undefined, options: GenerateOptions): AsyncGenerator<GeneratedToken, GenerateResult> {
    const model = this.model;
    const stops = new StopStringFilter(options.stop ?? []);
    const decoder = continuationDecoder(model.tokenizer, promptTokens);
    const generated: number[] = [];
    const history = [...promptTokens];
    let finishReason: FinishReason = 'length';
    let hitStopString = false;

    // logits are consumed before the next step: the model's step array serves them all
    let logits = await this.evaluateSteps(promptTokens, false, true);
    while (generated.length < maxTokens) {
      if (options.signal?.aborted) {
        finishReason = 'aborted';
        break;
      }
      // under a grammar, an end-of-generation token is allowed only once the output is complete
      const token = sampler.sample(logits, history, undefined, constraint ? await constraint.allowed() : undefined);
      if ((options.stopAtEos !== false || constraint) && model.isEndOfGeneration(token)) {
        finishReason = 'stop';
        break;
      }
      constraint?.accept(token);
      generated.push(token);
      history.push(token);
      const { text, stopped } = stops.push(decoder.push(token));
      const lp = options.logprobs !== undefined ? logprobsOf(logits, options.logprobs, token) : undefined;
      yield { token, text, logprob: lp?.chosen, topLogprobs: lp?.top };
      if (stopped) {
        finishReason = 'stop';
        hitStopString = true;
        break;
      }
      if (generated.length >= maxTokens) break;
      if (this.cached.length >= this.contextLength) {
        finishReason = 'context';
        break;
      }
      logits = await this.evaluateSteps(history, false, true);
    }
    if (!hitStopString) {
      // release held-back bytes and text; a stop string may still complete in them
      const rest = stops.push(decoder.flush());
      const tail = rest.stopped ? rest.text : rest.text + stops.flush();
      if (tail) yield { token: -1, text: tail };
    }
    return { text: stops.output, tokens: generated, finishReason, promptTokens: promptTokens.length, completionTokens: generated.length };
  }
}

/**
 * One forward over the new tokens of several sessions; returns each item's logits (rows of vocab),
 * as views of one array: a new one, or with `reuse` the model's step array (valid until its next
 * step); with `candidates` also each item's last row's best token ids.
 */
async function runStep(
  model: SessionModel,
  items: readonly { session: Session; tokens: readonly number[]; all: boolean }[],
  reuse = false,
  candidates?: number,
): Promise<StepRow[]> {
  for (const { session, tokens } of items) {
    if (session.tokens.length + tokens.length > session.contextLength) throw new ContextFullError(session.tokens.length + tokens.length, session.contextLength);
  }
  const segments = items.map((i) => ({ cache: i.session.kvCache, pos0: i.session.tokens.length, nTokens: i.tokens.length, allLogits: i.all }));
  const wantCandidates = candidates !== undefined && !items.some((i) => i.all);
  const refine = model.refinement(items.map((i) => i.session.stepPrecision(i.tokens)));
  const step = model.stepGraphs.get(segments, { candidates: wantCandidates ? candidates : undefined, ...(refine && { refine }) });
  const tokens = Int32Array.from(items.flatMap((i) => i.tokens));
  const pos = Int32Array.from(items.flatMap((i) => i.tokens.map((_, k) => i.session.tokens.length + k)));
  const vocab = model.hparams.vocabSize;
  const rows = step.logits.shape[0]!;
  const outputs = step.candidates ? [step.logits, step.candidates] : [step.logits];
  const into = reuse ? [model.stepLogits(rows * vocab), ...(step.candidates ? [model.stepCandidates(rows * step.candidates.shape[1]!)] : [])] : [];
  const [out, ids] = (await model.executor.run(step.graph, { tokens, pos }, outputs, into)) as [Float32Array, Int32Array | undefined];
  const k = step.candidates?.shape[1] ?? 0;
  let row = 0;
  return items.map((i) => {
    i.session.commit(i.tokens);
    const n = i.all ? i.tokens.length : 1;
    // views of the one array the step downloaded: no copy per sequence
    const result: StepRow = { logits: out.subarray(row * vocab, (row + n) * vocab) };
    i.session.observe(out.subarray((row + n - 1) * vocab, (row + n) * vocab));
    if (ids) result.candidates = ids.subarray(row * k, (row + 1) * k);
    row += n;
    return result;
  });
}
