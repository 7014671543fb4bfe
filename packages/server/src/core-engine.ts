import { stat } from 'node:fs/promises';
import { Graph, InvalidArgumentError } from '@ix/core';
import { continuationDecoder, Session, TokenConstraint, type ExpertUseReport, type GrammarSpec, type Model, type Precision } from '@ix/llm';
import { EmbedBatcher } from './embed-batcher.js';
import type { EmbedOutput, EmbedRequestOptions, Engine, RerankOutput, EngineInfo, EngineSequence, PromptInput, StepItem, StepOutput } from './engine.js';

/**
 * Best tokens per row found on the backend: top-k 40 (llama.cpp's default) plus up to 24 tokens
 * that bias or penalties change; a sampler that needs more scans the logits itself.
 */
const CANDIDATES = 64;
/** below this vocabulary a pass over the logits in JS costs less than the extra graph output */
const CANDIDATES_FROM_VOCAB = 4096;

export interface CoreEngineOptions {
  /** context length of each slot (default: the model's, capped at 4096) */
  contextLength?: number;
  kvType?: 'F16' | 'F32';
  /** prompt tokens per forward inside one Session.evaluate */
  batchSize?: number;
}

class SessionSequence implements EngineSequence {
  constructor(readonly session: Session) {}
  get tokens(): readonly number[] {
    return this.session.tokens;
  }
  get contextLength(): number {
    return this.session.contextLength;
  }
}

/**
 * The Engine over an @ix/core Model: one Session (KV cache) per sequence; a step is one batched
 * forward over all of them (Session.evaluateBatch).
 */
export class CoreEngine implements Engine {
  private readonly bosPrefix: number[];
  /**
   * Whether steps end in a top_k for the samplers: a large vocabulary, on a CPU backend that
   * computes top_k itself (measured faster there than a scan in JS; a GPU's top_k is unmeasured,
   * and one the reference backend would run as a fallback is far slower).
   */
  private readonly backendTopK: boolean;

  private constructor(
    readonly model: Model,
    readonly info: EngineInfo,
    private readonly options: CoreEngineOptions,
  ) {
    const bos = model.tokenizer.bos;
    this.bosPrefix = bos === undefined ? [] : [bos];
    const vocab = model.hparams.vocabSize;
    const g = new Graph();
    const topK = g.topK(g.input('logits', [1, vocab]), Math.min(CANDIDATES, vocab));
    this.backendTopK = vocab >= CANDIDATES_FROM_VOCAB && model.backend.device.kind === 'cpu' && model.backend.name !== 'reference' && model.backend.supports(topK, ['F32']);
  }

  expertUse(): ExpertUseReport | undefined {
    return this.model.expertUse();
  }

  releaseUnread(precision: Precision): void {
    this.model.releaseUnread(precision);
  }

  static async create(model: Model, options: CoreEngineOptions = {}): Promise<CoreEngine> {
    const tensors = [...model.file.tensors.values()];
    const bytesByType = new Map<string, number>();
    let parameters = 0;
    let size = 0;
    for (const t of tensors) {
      bytesByType.set(t.dtype, (bytesByType.get(t.dtype) ?? 0) + t.byteLength);
      parameters += t.shape.reduce((a, b) => a * b, 1);
      size += t.byteLength;
    }
    const quantization = [...bytesByType].sort((a, b) => b[1] - a[1])[0]?.[0];
    const modifiedAt = await stat(model.file.path).then(
      (s) => s.mtime,
      () => new Date(0),
    );
    const contextLength = options.contextLength ?? Math.min(model.hparams.contextLength, 4096);
    return new CoreEngine(
      model,
      {
        arch: model.hparams.arch,
        kind: model.kind,
        // a generative model embeds too (its last token's state, as llama.cpp gives it)
        ...(model.kind !== 'reranker' ? { embeddingLength: model.hparams.embedDim } : {}),
        vocabSize: model.hparams.vocabSize,
        contextLength,
        chatTemplate: model.chatTemplate,
        sizeBytes: size,
        modifiedAt,
        quantization,
        parameterCount: parameters,
        backend: model.backend.name,
        ...(model.nested && { nestedLayers: model.hparams.nLayers }),
      },
      { ...options, contextLength },
    );
  }

  createSequence(): EngineSequence {
    const { contextLength, kvType, batchSize } = this.options;
    return new SessionSequence(this.model.createSession({ contextLength, kvType, batchSize }));
  }

  /**
   * One batched forward for every active slot (prompt chunks and decode tokens together). The
   * scheduler samples before the next step, so one array serves every step; with a vocabulary
   * worth it, the backend also finds each row's best CANDIDATES tokens for the samplers' top-k.
   */
  step(items: readonly StepItem[]): Promise<StepOutput[]> {
    const candidates = this.backendTopK ? CANDIDATES : undefined;
    // in turn with embedding passes, which share the backend (a generative model embeds too)
    return this.queued(() =>
      Session.stepBatch(
        items.map(({ seq, tokens, precision }) => {
          const session = (seq as SessionSequence).session;
          // each step reads what its requests ask (checked when they came in); the most precise wins.
          // Set on a change only: 'auto' keeps its state (the entropy of the last step) in the session
          if (session.precision !== precision) session.precision = precision;
          return { session, tokens };
        }),
        { reuseLogits: true, candidates },
      ),
    );
  }

  promptTokens(input: PromptInput): Promise<number[]> {
    // a prompt that cannot fit is refused with bounded work (no seconds of tokenizing 4 MB on the
    // event loop), and a long one that fits is tokenized in turns with the other clients' streams
    const contextLength = this.info.contextLength;
    if ('text' in input) return this.model.promptTokensAsync(input.text, false, { contextLength });
    if (this.model.chatTemplate === undefined) {
      throw new InvalidArgumentError('this model has no chat template: start the server with --chat-template, or use a completion endpoint');
    }
    return this.model.promptTokensAsync(input.messages, true, { contextLength, tools: input.tools });
  }

  tokenize(text: string): number[] {
    return this.model.tokenizer.encode(text, { addSpecial: false });
  }

  tokenText(id: number): string {
    // decoded after BOS, so a SentencePiece word-start piece keeps its leading space
    const d = this.model.tokenizer.createStreamDecoder({ prefix: this.bosPrefix });
    return d.push(id) + d.flush();
  }

  createStreamDecoder(prompt: readonly number[]) {
    return continuationDecoder(this.model.tokenizer, prompt);
  }

  isEndOfGeneration(id: number): boolean {
    return this.model.isEndOfGeneration(id);
  }

  private encoderWork: Promise<unknown> = Promise.resolve();

  /** one backend job at a time: embedding and rerank passes and generation steps queue here rather than interleave on the backend */
  private queued<T>(work: () => Promise<T>): Promise<T> {
    const run = this.encoderWork.then(work);
    this.encoderWork = run.catch(() => undefined);
    return run;
  }

  /** concurrent requests are merged into one call while a pass runs (EmbedBatcher) */
  private readonly embedBatcher = new EmbedBatcher((inputs, options) => this.queued(() => this.model.embed(inputs, options)));

  embed(inputs: readonly (string | readonly number[])[], options: EmbedRequestOptions): Promise<EmbedOutput> {
    return this.embedBatcher.embed(inputs, options);
  }

  rerank(query: string, documents: readonly string[]): Promise<RerankOutput> {
    return this.queued(() => this.model.rerank(query, documents));
  }

  createConstraint(spec: GrammarSpec): Promise<TokenConstraint> {
    return TokenConstraint.create(this.model.tokenizer, spec, this.model.hparams.vocabSize);
  }

  async close(): Promise<void> {
    await this.model.dispose();
  }
}
