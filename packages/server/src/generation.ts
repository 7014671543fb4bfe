import { Sampler, StopStringFilter, logprobs as logprobsOf, type SamplingOptions, type TokenLogprob } from '@ix/llm';
import type { Engine } from './engine.js';

export interface GenerationRequest extends SamplingOptions {
  promptTokens: readonly number[];
  /** undefined: until an end-of-generation token or a full context */
  maxTokens?: number;
  stop?: readonly string[];
  /** report each token's logprob and this many alternatives */
  logprobs?: number;
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
    const token = this.sampler.sample(logits, this.history, candidates);
    if (this.engine.isEndOfGeneration(token)) return this.finish('stop');
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

  abort(): TokenEvent[] {
    return this.finish('aborted');
  }

  private finish(reason: FinishReason): TokenEvent[] {
    this.finishReason = reason;
    if (this.hitStopString) return [];
    // release held-back bytes and text; a stop string may still complete in them
    const rest = this.stops.push(this.decoder.flush());
    const tail = rest.stopped ? rest.text : rest.text + this.stops.flush();
    return tail ? [{ token: -1, text: tail }] : [];
  }
}
