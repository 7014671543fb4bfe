import { type Backend, Executor, type ExpertUse, getBackendFactory, InvalidArgumentError, ModelFormatError, selectBackend, Tensor } from '@ix/core';
import { openModel, type ModelBytes, type ModelFile, type TensorEntry } from '../formats/index.js';
import { chatTemplateFromConfig, chatTemplateFromGGUF, renderChat, resolveChatTemplate, type ChatMessage, type ChatTool } from '../chat/index.js';
import { TokenLimitError, type EncodeOptions, type Tokenizer } from '../tokenizer/index.js';
import { tokenizerFromSource } from './tokenizer-source.js';
import { architectureFor, loadWeights, type Architecture, type EmbedGraph, type ModelHParams, type ModelWeights, type ProgressCallback } from '../arch/index.js';
import { ContextFullError, Session, type SessionOptions } from './session.js';
import { StepGraphs } from './step-graphs.js';
import { atLeast } from './grow.js';
import { embed, type EmbedOptions, type EmbedResult } from './embed.js';
import { rerank, type RerankOptions, type RerankResult } from './rerank.js';
import { findProfile, type ProfileLookup, type TuneProfile } from './profile.js';
import { findSensitivity, NestedWeights, parsePrecision, splitResiduals, type Precision, type SensitivityLookup } from '../precision/index.js';
import type { Refinement } from '../arch/index.js';

export interface LoadModelOptions {
  /** force a backend by name (else IX_BACKEND, else the best available) */
  backend?: string;
  threads?: number;
  /** passed to the backend's create(), e.g. { accuracy: 'fast' } for cpu-avx */
  backendOptions?: Record<string, unknown>;
  /** llama2.c checkpoints: the tokenizer.bin to use */
  tokenizerPath?: string;
  /** a Jinja chat template overriding the model's own */
  chatTemplate?: string;
  /**
   * mixture-of-experts models: bytes of experts kept resident (read from the file mapping, the least
   * recently used beyond it given back), for models larger than the memory they may take
   */
  moeMemory?: number;
  /**
   * the tuning profile (`ix tune`) applied wherever these options and the IX_BACKEND, IX_THREADS
   * and IX_CPU_ACCURACY variables leave a setting open: true (default) looks up this model's
   * profile for this machine, false uses none, or a profile itself
   */
  profile?: boolean | TuneProfile;
  /**
   * nested models: the sensitivity table (`ix calibrate`) that orders parts for a bit budget: a
   * path, false for none; default: `<model>.sensitivity.json` when it is there and measured this file
   */
  sensitivity?: string | false;
  onProgress?: ProgressCallback;
}

/** How a mixture-of-experts model's experts were found, per layer (see Model.expertUse). */
export interface ExpertUseReport {
  /** bytes of experts the backend keeps resident at most (0: no bound) */
  budget: number;
  /** bytes of experts resident now */
  resident: number;
  /** per layer, summed over its expert tensors (gate, up, down) */
  layers: ExpertUse[];
}

/** A loaded model: its architecture, weights on a backend, its tokenizer and chat template. */
export class Model {
  private isDisposed = false;
  /** the tuning profile looked up for this model: applied (`profile`), absent, or unusable (`problem`) */
  tuning?: ProfileLookup;
  /** @internal step graphs by shape, replayed from step to step */
  readonly stepGraphs: StepGraphs;
  /** nested models (`ix quantize --nested`): the layer parts a request's precision reads at 4 or 8 bits */
  readonly nested?: NestedWeights;
  /** nested models: the sensitivity table in use (`table`), or why the one found was not (`problem`) */
  sensitivity?: SensitivityLookup;

  private constructor(
    readonly file: ModelFile,
    readonly arch: Architecture,
    readonly hparams: ModelHParams,
    readonly tokenizer: Tokenizer,
    readonly backend: Backend,
    readonly executor: Executor,
    readonly weights: ModelWeights,
    readonly chatTemplate: string | undefined,
  ) {
    this.stepGraphs = new StepGraphs((segments, options) => {
      if (!arch.buildStep) throw notGenerative(arch);
      return arch.buildStep(hparams, weights, segments, options);
    });
    if (weights.residuals) this.nested = new NestedWeights(weights.residuals, hparams.nLayers);
  }

  /**
   * Nested models: give back the memory of the residuals that `precision` does not read (their
   * repacked copies and resident file pages, on a backend that can: cpu-avx). They stay usable: a
   * later step that reads them reads them from the file again. Returns the bytes of residuals
   * released (0 where the model is not nested or the backend keeps everything).
   */
  releaseUnread(precision: Precision): number {
    const release = this.backend.release?.bind(this.backend);
    if (!this.nested || !release) return 0;
    let bytes = 0;
    for (const r of this.nested.unread(parsePrecision(precision))) {
      release(r);
      bytes += r.byteLength;
    }
    return bytes;
  }

  /**
   * @internal What a step reads of a nested model for requests of these precisions (the most
   * precise wins; undefined: 'max'). Undefined for other models, which refuse any precision but 'max'.
   */
  refinement(precisions: readonly (Precision | undefined)[]): Refinement | undefined {
    if (this.nested) return this.nested.refinement(precisions);
    const asked = precisions.find((p) => p !== undefined && p !== 'max');
    if (asked !== undefined) throw new InvalidArgumentError(`precision ${JSON.stringify(asked)}: ${this.file.path} holds one precision; a nested model (ix quantize --nested) can be read at several`);
    return undefined;
  }

  /** true for models that generate text (decoders); encoders answer embed() / rerank() only */
  get generates(): boolean {
    return this.arch.buildStep !== undefined;
  }

  /**
   * What the model is for: a reranker (rank pooling), an embedding model (an encoder, or a decoder
   * whose file names a pooling, e.g. Qwen3-Embedding), else a generative model. Any model with an
   * embedding graph can still embed(); a decoder of either kind can still generate.
   */
  get kind(): 'generative' | 'embedding' | 'reranker' {
    const pooling = this.hparams.pooling;
    if (pooling === 'rank') return 'reranker';
    return !this.generates || (pooling !== undefined && pooling !== 'none') ? 'embedding' : 'generative';
  }

  /**
   * Mixture-of-experts models on a backend that tracks experts (cpu-avx): per layer, how many chosen
   * experts were resident (hits) or read (misses, bytes). Undefined for dense models and other backends.
   */
  expertUse(): ExpertUseReport | undefined {
    const residency = this.backend.expertResidency?.();
    const expertTensors = (layer: object) => Object.values(layer).filter((t): t is Tensor => t instanceof Tensor && t.shape.length === 3);
    if (!residency || !this.weights.layers.some((L) => expertTensors(L).length)) return undefined;
    const layers = this.weights.layers.map((L) =>
      expertTensors(L).reduce<ExpertUse>((sum, t) => {
        const u = residency.use(t);
        return u ? { hits: sum.hits + u.hits, misses: sum.misses + u.misses, bytesRead: sum.bytesRead + u.bytesRead } : sum;
      }, { hits: 0, misses: 0, bytesRead: 0 }),
    );
    return { budget: residency.budget, resident: residency.resident, layers };
  }

  /** Embeddings of texts or token-id arrays (encoders such as BERT, or a decoder's last states); see EmbedOptions. */
  embed(inputs: readonly (string | readonly number[])[], options?: EmbedOptions): Promise<EmbedResult> {
    return embed(this, inputs, options);
  }

  /** Relevance scores of documents for a query (cross-encoders, and decoder rerankers from GGUF); see rerank(). */
  rerank(query: string, documents: readonly string[], options?: RerankOptions): Promise<RerankResult> {
    return rerank(this, query, documents, options);
  }

  private readonly embedGraphs = new Map<string, EmbedGraph>();

  /** @internal the embedding graph for inputs of these lengths, kept (a few shapes) so a repeated batch replays its plan */
  embedGraph(lengths: readonly number[]): EmbedGraph {
    const key = lengths.join(',');
    let kept = this.embedGraphs.get(key);
    if (!kept) {
      if (!this.arch.buildEmbed) throw new InvalidArgumentError(`${this.arch.name} has no embedding graph`);
      if (this.embedGraphs.size >= 8) this.embedGraphs.delete(this.embedGraphs.keys().next().value!);
      kept = this.arch.buildEmbed(this.hparams, this.weights, lengths, this.refinement([undefined]));
    }
    this.embedGraphs.delete(key);
    this.embedGraphs.set(key, kept);
    return kept;
  }

  /** `source`: a path (GGUF, safetensors, llama2.c, Hugging Face folder), or a GGUF's bytes (ModelBytes) */
  static async load(source: string | ModelBytes, options0: LoadModelOptions = {}): Promise<Model> {
    // a path that cannot be read is openModel's to report; profiles are kept per model file
    const tuning =
      options0.profile === false ? undefined
      : typeof options0.profile === 'object' ? { profile: options0.profile, path: '(given)' }
      : typeof source === 'string' ? await findProfile(source).catch(() => undefined)
      : undefined;
    const options = tuning?.profile ? withProfile(options0, tuning.profile) : options0;
    const file = await openModel(source, { tokenizerPath: options.tokenizerPath });
    let backend: Backend | undefined;
    try {
      const arch = architectureFor(file.config, file.path);
      const hparams = arch.hparams(file.config, file.path);
      if (!file.tokenizerSource) throw new ModelFormatError(file.path, 'no tokenizer found (llama2.c checkpoints need --tokenizer tokenizer.bin)');
      const tokenizer = tokenizerFromSource(file.tokenizerSource);
      const moeMemory = options.moeMemory;
      if (moeMemory !== undefined) {
        if (!Number.isSafeInteger(moeMemory) || moeMemory <= 0) throw new InvalidArgumentError(`moeMemory must be a positive number of bytes, got ${moeMemory}`);
        if (!(hparams as { moe?: unknown }).moe) throw new InvalidArgumentError(`moeMemory: ${file.path} is not a mixture-of-experts model`);
      }
      backend = await selectBackend({ ...options.backendOptions, backend: options.backend, threads: options.threads, ...(moeMemory && { expertMemory: moeMemory }) });
      if (moeMemory && !backend.expertResidency) throw new InvalidArgumentError(`moeMemory: backend ${backend.name} keeps every expert in its own memory; bounding them needs one that reads them from the file (cpu-avx)`);
      // ops the chosen backend lacks run on the reference backend
      const fallbacks = backend.name === 'reference' ? [] : [await getBackendFactory('reference').create()];
      const executor = new Executor(backend, fallbacks);
      // a nested model's residuals are split (fused matrices) as their bases are
      const stored = splitResiduals(file.tensors, file.path);
      if (stored.residuals.size > 0 && !arch.buildStep) throw new ModelFormatError(file.path, `${arch.name}: nested weights are read by the decoder graph only; quantize this model without --nested`);
      const unfuse = (t: ReadonlyMap<string, TensorEntry>) => (arch.unfuse ? arch.unfuse(t, hparams, file.path) : t);
      const tensors = unfuse(stored.base);
      const residuals = stored.residuals.size > 0 ? unfuse(stored.residuals) : undefined;
      const weights = await loadWeights<ModelWeights>({ path: file.path, tensors, residuals }, arch.tensorsFor?.(hparams) ?? arch.tensors, hparams.nLayers, arch.name, backend, options.onProgress);
      if (moeMemory) {
        const residency = backend.expertResidency!();
        const unbounded = weights.layers.flatMap((L) => Object.values(L)).filter((t): t is Tensor => t instanceof Tensor && t.shape.length === 3 && !residency.bounds(t));
        if (unbounded.length) {
          throw new InvalidArgumentError(`moeMemory: ${file.path}'s experts are not read from a file mapping (${unbounded[0]!.name ?? 'an expert tensor'} is in memory: a Hugging Face folder's per-expert tensors are stacked there), so a budget cannot bound them; use a GGUF file`);
        }
      }
      const chatTemplate = options.chatTemplate ?? modelChatTemplate(file);
      const model = new Model(file, arch, hparams, tokenizer, backend, executor, weights, chatTemplate);
      model.tuning = tuning;
      if (model.nested && options.sensitivity !== false && typeof source === 'string') {
        const found = await findSensitivity(source, options.sensitivity);
        try {
          if (found?.table) {
            model.nested.useSensitivity(found.table.parts);
            model.nested.entropyQuantiles = found.table.entropyQuantiles;
          }
          model.sensitivity = found;
        } catch (e) {
          if (options.sensitivity) throw e;
          model.sensitivity = { path: found!.path, problem: (e as Error).message };
        }
      } else if (options.sensitivity && !model.nested) {
        throw new InvalidArgumentError(`sensitivity: ${file.path} is not nested (ix quantize --nested)`);
      }
      return model;
    } catch (err) {
      // nothing half-loaded stays behind: the weights already on the backend, and the file
      backend?.dispose();
      await file.close();
      throw err;
    }
  }

  private logitsScratch = new Float32Array(0);
  private candidatesScratch = new Int32Array(0);

  /** @internal an Int32Array of `elements` reused by every step that asks for it (grown as needed) */
  stepCandidates(elements: number): Int32Array {
    return (this.candidatesScratch = atLeast(this.candidatesScratch, elements)).subarray(0, elements);
  }

  /** @internal a Float32Array of `elements` reused by every step that asks for it (grown as needed) */
  stepLogits(elements: number): Float32Array {
    return (this.logitsScratch = atLeast(this.logitsScratch, elements)).subarray(0, elements);
  }

  createSession(options?: SessionOptions): Session {
    if (!this.arch.buildStep) throw notGenerative(this.arch);
    const tuned = this.tuning?.profile?.session;
    // the caller's settings win; one left undefined keeps the profile's
    const given = Object.fromEntries(Object.entries(options ?? {}).filter(([, v]) => v !== undefined)) as SessionOptions;
    return new Session(this, tuned ? { ...tuned, ...given } : options);
  }

  /** EOS, EOT and other end-of-generation tokens of the tokenizer */
  isEndOfGeneration(token: number): boolean {
    return this.tokenizer.stopIds.includes(token);
  }

  /**
   * Tokens for a prompt: chat messages go through the chat template, text is encoded with BOS.
   * With `contextLength`, a prompt that cannot fit is a ContextFullError found with bounded work
   * (the tokenizer stops past the limit, or refuses a text too long for it without starting).
   */
  promptTokens(prompt: string | readonly number[] | readonly ChatMessage[], chat?: boolean, options: { contextLength?: number; tools?: readonly ChatTool[] } = {}): number[] {
    const p = this.promptText(prompt, chat, options.tools);
    if ('ids' in p) return p.ids;
    try {
      return this.tokenizer.encode(p.text, { ...p.options, maxTokens: options.contextLength });
    } catch (err) {
      throw contextFull(err, options.contextLength);
    }
  }

  /** promptTokens(), giving the event loop turns while a long prompt is tokenized (for servers) */
  async promptTokensAsync(prompt: string | readonly number[] | readonly ChatMessage[], chat?: boolean, options: { contextLength?: number; tools?: readonly ChatTool[] } = {}): Promise<number[]> {
    const p = this.promptText(prompt, chat, options.tools);
    if ('ids' in p) return p.ids;
    try {
      return await this.tokenizer.encodeAsync(p.text, { ...p.options, maxTokens: options.contextLength });
    } catch (err) {
      throw contextFull(err, options.contextLength);
    }
  }

  /** what a prompt encodes from: token ids as given, or a text and how to encode it */
  private promptText(prompt: string | readonly number[] | readonly ChatMessage[], chat?: boolean, tools?: readonly ChatTool[]): { ids: number[] } | { text: string; options: EncodeOptions } {
    const templated = { addSpecial: false, parseSpecial: true };
    if (typeof prompt === 'string') {
      if (chat) return { text: this.renderChat([{ role: 'user', content: prompt }], tools), options: templated };
      return { text: prompt, options: { addSpecial: true } };
    }
    if (prompt.length === 0) return { text: '', options: { addSpecial: true } };
    if (typeof prompt[0] === 'number') return { ids: [...(prompt as readonly number[])] };
    if (chat === false) throw new InvalidArgumentError('chat messages need the chat template (chat: false was given)');
    return { text: this.renderChat(prompt as readonly ChatMessage[], tools), options: templated };
  }

  /** The prompt text of a conversation, with the tools the model may call rendered by its template. */
  renderChat(messages: readonly ChatMessage[], tools?: readonly ChatTool[]): string {
    const template = resolveChatTemplate({ template: this.chatTemplate, model: this.file.path });
    return renderChat(template, messages, {
      addGenerationPrompt: true,
      tools: tools && tools.length > 0 ? tools : undefined,
      bosToken: this.tokenizer.bos !== undefined ? this.tokenizer.tokenToPiece(this.tokenizer.bos) : '',
      eosToken: this.tokenizer.eos !== undefined ? this.tokenizer.tokenToPiece(this.tokenizer.eos) : '',
    });
  }

  /** true once `dispose()` was called: the backend and everything on it are gone */
  get disposed(): boolean {
    return this.isDisposed;
  }

  /** Free the model's memory: the backend (weights, arenas, every session's cache) and the file. */
  async dispose(): Promise<void> {
    if (this.isDisposed) return;
    this.isDisposed = true;
    // the backend frees its arenas with everything else (and may already have been disposed)
    this.executor.releaseArenas(false);
    this.backend.dispose();
    await this.file.close();
  }
}

export function loadModel(source: string | ModelBytes, options?: LoadModelOptions): Promise<Model> {
  return Model.load(source, options);
}

function notGenerative(arch: Architecture): InvalidArgumentError {
  return new InvalidArgumentError(`${arch.name} is an embedding model: it does not generate text (use embed())`);
}

function modelChatTemplate(file: ModelFile): string | undefined {
  const src = file.tokenizerSource;
  if (src?.kind === 'gguf') return chatTemplateFromGGUF(src.metadata);
  if (src?.kind === 'hf' && src.tokenizerConfig) return chatTemplateFromConfig(src.tokenizerConfig);
  return undefined;
}

/** the tokenizer's TokenLimitError as the ContextFullError a caller of promptTokens expects; other errors as they are */
function contextFull(err: unknown, contextLength: number | undefined): unknown {
  return err instanceof TokenLimitError ? new ContextFullError(err.limit, contextLength ?? err.limit, true) : err;
}

/**
 * A profile's settings where the caller's options and environment leave them open. Threads and
 * backend options follow the profile's backend only: they mean nothing to another one.
 */
function withProfile(o: LoadModelOptions, p: TuneProfile, env: Record<string, string | undefined> = process.env): LoadModelOptions {
  const backend = o.backend ?? env.IX_BACKEND ?? p.load.backend;
  if (backend !== p.load.backend) return o;
  const tuned = { ...p.load.backendOptions };
  if (env.IX_CPU_ACCURACY) delete tuned['accuracy'];
  return {
    ...o,
    backend,
    threads: o.threads ?? (env.IX_THREADS ? undefined : p.load.threads),
    backendOptions: { ...tuned, ...o.backendOptions },
  };
}
