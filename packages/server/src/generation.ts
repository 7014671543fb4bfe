import { Sampler, StopStringFilter, logprobs as logprobsOf, type Precision, type SamplingOptions, type TokenConstraint, type TokenLogprob } from '@ix/llm';
import type { Engine } from './engine.js';

export interface GenerationRequest extends SamplingOptions {
  promptTokens: readonly number[];
  /** undefined: until an end-of-generation token or a full context */
  maxTokens?: number;
  stop?: readonly string[];
  /** report each token's logprob and this many alternatives */
  logprobs?: number;
  /** the grammar the output follows (structured output): owned by the generation from submit on */
  constraint?: TokenConstraint;
  /** nested models: the precision the request's steps read */
  precision?: Precision;
}

export interface TokenEvent {
  /** the sampled token; -1 for the trailing text released when generation ends */
  token: number;
  /** text released by this token ("" while a character or a possible stop string is pending) */
  text: string;
  logprob?: TokenLogprob;
  topLogprobs?: TokenLogprob[];
}

export type FinishReason = 'stop' | 'length' | 'context' | 'aborted';

/**
 * One request's decoding state, fed one step of logits at a time. Mirrors Session.generate in
 * @ix/core token for token (same sampler, penalties history, stop-string filter and end rules), so
 * a greedy request gives the same text through the server as through a session.
 */
export class Generation {
  readonly history: number[];
  readonly generated: number[] = [];
  finishReason: FinishReason | undefined;
  private readonly sampler: Sampler;
  private readonly stops: StopStringFilter;
  private readonly decoder: ReturnType<Engine['createStreamDecoder']>;
  private readonly maxTokens: number;
  private hitStopString = false;
  /** the tokens the grammar allows next, once computed (see ready()) */
  private mask: Int32Array | undefined;
  private pending: Promise<void> | undefined;
  private released = false;
  private maskError: unknown;

  constructor(
    readonly request: GenerationRequest,
    private readonly engine: Pick<Engine, 'createStreamDecoder' | 'isEndOfGeneration'>,
    private readonly contextLength: number,
  ) {
    this.history = [...request.promptTokens];
    const { temperature, topK, topP, minP, repeatPenalty, frequencyPenalty, presencePenalty, penaltyLastN, logitBias, seed } = request;
    this.sampler = new Sampler({ temperature, topK, topP, minP, repeatPenalty, frequencyPenalty, presencePenalty, penaltyLastN, logitBias, seed });
    this.stops = new StopStringFilter(request.stop ?? []);
    this.decoder = engine.createStreamDecoder(request.promptTokens);
    this.maxTokens = request.maxTokens ?? Infinity;
  }

  /**
   * Resolves when accept() may run: the grammar's mask for the next token is computed (at once
   * without a grammar). The first call starts the first mask; each accept() starts the next.
   */
  ready(): Promise<void> | undefined {
    if (this.request.constraint && !this.mask && !this.pending) this.refreshMask();
    return this.pending;
  }

  private refreshMask(): void {
    const c = this.request.constraint;
    if (!c || this.done) return;
    this.mask = undefined;
    this.pending = c.allowed().then(
      (m) => {
        this.mask = m;
      },
      (err: unknown) => {
        this.maskError = err;
      },
    );
  }

  get done(): boolean {
    return this.finishReason !== undefined;
  }

  /** the text emitted so far (without any stop string) */
  get text(): string {
    return this.stops.output;
  }

  /** Consume the logits after the last history token (and the backend's best ids, if any); returns the events to send. */
  accept(logits: Float32Array, candidates?: Int32Array): TokenEvent[] {
    if (this.generated.length >= this.maxTokens) return this.finish('length');
    const constraint = this.request.constraint;
    if (this.maskError) throw this.maskError;
    if (constraint && !this.mask) throw new Error('Generation.accept before ready(): the grammar mask is not computed');
    const token = this.sampler.sample(logits, this.history, candidates, this.mask);
    if (this.engine.isEndOfGeneration(token)) return this.finish('stop');
    if (constraint) {
      constraint.accept(token);
      this.refreshMask();
    }
    this.generated.push(token);
    this.history.push(token);
    const { text, stopped } = this.stops.push(this.decoder.push(token));
    const event: TokenEvent = { token, text };
    if (this.request.logprobs !== undefined) {
      const lp = logprobsOf(logits, this.request.logprobs, token);
      event.logprob = lp.chosen;
      event.topLogprobs = lp.top;
    }
    if (stopped) {
      this.hitStopString = true;
      return [event, ...this.finish('stop')];
    }
    if (this.generated.length >= this.maxTokens) return [event, ...this.finish('length')];
    // the next step would evaluate the whole history: it must fit
    if (this.history.length > this.contextLength) return [event, ...this.finish('context')];
    return [event];
  }

  /** Frees the grammar (finish does; the scheduler also calls it for a generation it never ran). */
  release(): void {
    const c = this.request.constraint;
    if (!c || this.released) return;
    this.released = true;
    // a mask still being computed is waited for: the matcher is not freed under it
    void (this.pending ?? Promise.resolve()).finally(() => c.dispose());
  }

  abort(): TokenEvent[] {
    return this.finish('aborted');
  }

  private finish(reason: FinishReason): TokenEvent[] {
    this.finishReason = reason;
    this.release();
    if (this.hitStopString) return [];
    // release held-back bytes and text; a stop string may still complete in them
    const rest = this.stops.push(this.decoder.flush());
    const tail = rest.stopped ? rest.text : rest.text + this.stops.flush();
    return tail ? [{ token: -1, text: tail }] : [];
  }
}
