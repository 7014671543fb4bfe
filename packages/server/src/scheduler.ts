import { Channel } from './channel.js';
import type { Engine, EngineSequence, StepOutput } from './engine.js';
import { ApiError, notGenerative, QueueFullError, ShuttingDownError } from './errors.js';
import { Generation, type FinishReason, type GenerationRequest, type TokenEvent } from './generation.js';
import type { Metrics } from './metrics.js';
import type { Precision } from '@ix/llm';
import { budgetBits, type SpeedTarget } from './speed-target.js';

export interface SchedulerOptions {
  /** slots: requests generating at the same time, one KV cache each */
  parallel: number;
  /** requests that may wait for a slot; more are refused (429) */
  maxQueue: number;
  /** prompt tokens evaluated per slot per step, so a long prompt does not stall the others */
  prefillChunk?: number;
  metrics?: Metrics;
}

export interface JobTimings {
  /** waiting for a slot */
  queuedNs: bigint;
  /** evaluating the prompt (from getting a slot to the first logits) */
  promptNs: bigint;
  /** from the first logits to the end */
  generationNs: bigint;
  totalNs: bigint;
}

export interface JobResult {
  text: string;
  tokens: number[];
  finishReason: FinishReason;
  promptTokens: number;
  completionTokens: number;
  timings: JobTimings;
}

export type JobEvent = ({ type: 'token' } & TokenEvent) | { type: 'done'; result: JobResult };

interface Job {
  gen: Generation;
  signal?: AbortSignal;
  events: Channel<JobEvent>;
  /** prompt tokens the slot's sequence holds for this job so far */
  prefilled: number;
  submittedAt: bigint;
  startedAt?: bigint;
  firstLogitsAt?: bigint;
  lastTokenAt?: bigint;
}

interface Slot {
  seq: EngineSequence;
  job?: Job;
  lastUsed: number;
}

const now = () => process.hrtime.bigint();
const seconds = (ns: bigint) => Number(ns) / 1e9;

/**
 * Continuous batching: every step advances each active slot by one unit (a prompt chunk or one
 * generated token) in a single Engine.step call; queued requests take free slots between steps.
 * A request goes to the free slot whose cached tokens share the longest prefix with its prompt.
 */
export class Scheduler {
  private readonly slots: Slot[];
  private readonly queue: Job[] = [];
  private readonly prefillChunk: number;
  private readonly contextLength: number;
  private running: Promise<void> = Promise.resolve();
  private looping = false;
  private accepting = true;
  private useCounter = 0;
  private fixedPrecision: Precision | undefined;
  private target: SpeedTarget | undefined;

  constructor(
    private readonly engine: Engine,
    private readonly options: SchedulerOptions,
  ) {
    if (!Number.isInteger(options.parallel) || options.parallel < 1) throw new RangeError(`parallel must be a positive integer, got ${options.parallel}`);
    // an embedding model or a reranker generates nothing: no slots (the generation routes refuse before queueing)
    const slots = engine.info.kind === 'generative' ? options.parallel : 0;
    if (!Number.isInteger(options.maxQueue) || options.maxQueue < 0) throw new RangeError(`maxQueue must be an integer >= 0, got ${options.maxQueue}`);
    this.prefillChunk = options.prefillChunk ?? 128;
    this.slots = Array.from({ length: slots }, () => ({ seq: engine.createSequence(), lastUsed: 0 }));
    this.contextLength = this.slots[0]?.seq.contextLength ?? engine.info.contextLength;
    this.updatePrecisionGauge();
  }

  /** nested models: what requests that name no precision read, step by step (changeable while they run; setting it ends a speed target) */
  get precision(): Precision | undefined {
    return this.target?.precision ?? this.fixedPrecision;
  }

  set precision(p: Precision | undefined) {
    this.fixedPrecision = p;
    this.target = undefined;
    this.updatePrecisionGauge();
  }

  /** nested models: a tokens/s target that moves the precision of requests that name none (speed-target.ts) */
  get speedTarget(): SpeedTarget | undefined {
    return this.target;
  }

  set speedTarget(t: SpeedTarget | undefined) {
    this.target = t;
    this.updatePrecisionGauge();
  }

  get queueDepth(): number {
    return this.queue.length;
  }

  get activeSlots(): number {
    return this.slots.filter((s) => s.job).length;
  }

  get parallel(): number {
    return this.slots.length;
  }

  /** tokens each slot's sequence caches */
  get cachedTokens(): (readonly number[])[] {
    return this.slots.map((s) => s.seq.tokens);
  }

  /**
   * Queue requests that belong together (the n choices of one request): all are accepted or none.
   * Throws QueueFullError when they do not fit, ApiError 400 when a prompt exceeds the context.
   */
  submit(requests: readonly GenerationRequest[], signal?: AbortSignal): Channel<JobEvent>[] {
    try {
      return this.enqueue(requests, signal);
    } catch (err) {
      // refused: the grammars the requests brought are freed here
      for (const r of requests) r.constraint?.dispose();
      throw err;
    }
  }

  private enqueue(requests: readonly GenerationRequest[], signal?: AbortSignal): Channel<JobEvent>[] {
    if (!this.accepting) throw new ShuttingDownError();
    if (this.slots.length === 0) throw notGenerative(this.engine.info.kind);
    for (const r of requests) {
      if (r.promptTokens.length === 0) throw new ApiError(400, 'the prompt encodes to no tokens', 'invalid_request_error', 'empty_prompt');
      if (r.promptTokens.length > this.contextLength) {
        throw new ApiError(
          400,
          `the prompt has ${r.promptTokens.length} tokens but the context holds ${this.contextLength}`,
          'invalid_request_error',
          'context_length_exceeded',
        );
      }
    }
    const free = this.slots.length - this.activeSlots;
    if (this.queue.length + requests.length - free > this.options.maxQueue) throw new QueueFullError(1);
    // build every generation first: a bad sampling option fails the request before anything is queued
    const jobs = requests.map((r) => ({
      gen: new Generation(r, this.engine, this.contextLength),
      signal,
      events: new Channel<JobEvent>(),
      prefilled: 0,
      submittedAt: now(),
    }));
    // every generation is built: their grammars may start on the first token's mask
    for (const j of jobs) void j.gen.ready();
    this.queue.push(...jobs);
    this.dispatch();
    // the flag is cleared by the loop itself as it exits, so a job submitted after that starts a new one
    if (!this.looping) {
      this.looping = true;
      this.running = this.loop();
    }
    return jobs.map((j) => j.events);
  }

  /** Refuse new requests from now on. */
  stopAccepting(): void {
    this.accepting = false;
  }

  /** Abort every queued and running job (they finish with reason "aborted"). */
  cancelAll(): void {
    for (const job of this.queue.splice(0)) this.complete(job, job.gen.abort());
    for (const slot of this.slots) if (slot.job) this.release(slot, slot.job.gen.abort());
    this.updateGauges();
  }

  private updatePrecisionGauge(): void {
    const bits = budgetBits(this.precision ?? 'max');
    if (this.engine.info.nestedLayers !== undefined && bits !== undefined) this.options.metrics?.precisionBits.set(bits);
  }

  /** Resolves when no job is queued or running. */
  async idle(): Promise<void> {
    while (this.looping) await this.running;
  }

  private dispatch(): void {
    // a client that left while waiting gives up its place
    for (const job of this.queue.filter((j) => j.signal?.aborted)) {
      this.queue.splice(this.queue.indexOf(job), 1);
      this.complete(job, job.gen.abort());
    }
    while (this.queue.length) {
      const free = this.slots.filter((s) => !s.job);
      if (!free.length) break;
      const job = this.queue.shift()!;
      const prompt = job.gen.request.promptTokens;
      const { slot: best, shared } = pickSlot(free, prompt);
      best.job = job;
      best.lastUsed = ++this.useCounter;
      job.startedAt = now();
      // what the sequence already holds of the prompt need not be evaluated again (keep one token to get logits)
      job.prefilled = Math.min(shared, prompt.length - 1);
    }
    this.updateGauges();
  }

  private async loop(): Promise<void> {
    try {
      await this.steps();
    } catch (err) {
      // a bug, not an engine failure (those fail their step's jobs): fail everything, keep serving
      for (const slot of this.slots) this.fail(slot, err);
      for (const job of this.queue.splice(0)) {
        job.gen.release();
        job.events.fail(err);
      }
      this.updateGauges();
    } finally {
      this.looping = false;
    }
  }

  private async steps(): Promise<void> {
    while (this.slots.some((s) => s.job) || this.queue.length) {
      this.dispatch();
      const work: { slot: Slot; job: Job; tokens: readonly number[]; promptEnd: boolean }[] = [];
      for (const slot of this.slots) {
        const job = slot.job;
        if (!job) continue;
        if (job.signal?.aborted) {
          this.release(slot, job.gen.abort());
          continue;
        }
        const prompt = job.gen.request.promptTokens;
        if (job.prefilled < prompt.length) {
          const end = Math.min(prompt.length, job.prefilled + this.prefillChunk);
          work.push({ slot, job, tokens: end === prompt.length ? prompt : prompt.slice(0, end), promptEnd: end === prompt.length });
        } else {
          work.push({ slot, job, tokens: job.gen.history, promptEnd: true });
        }
      }
      if (work.length) {
        let rows: StepOutput[];
        // a step that only decodes (each request gains one token) measures the speed a target steers
        const decodeOnly = work.every((w) => w.job.prefilled >= w.job.gen.request.promptTokens.length);
        const started = now();
        try {
          rows = await this.engine.step(work.map((w) => ({ seq: w.slot.seq, tokens: w.tokens, precision: w.job.gen.request.precision ?? this.precision })));
        } catch (err) {
          for (const w of work) this.fail(w.slot, err);
          continue;
        }
        if (decodeOnly && this.target?.observeDecodeStep(seconds(now() - started))) this.updatePrecisionGauge();
        // grammar masks for the next token (started when the last token was accepted; a failed one fails its job in accept)
        await Promise.all(work.map((w) => (w.promptEnd ? w.job.gen.ready() : undefined)));
        work.forEach((w, i) => this.advance(w.slot, w.job, w.tokens.length, w.promptEnd, rows[i]!));
      }
      this.updateGauges();
      // let the HTTP side run: new requests join, disconnects are noticed, tokens are written
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  private advance(slot: Slot, job: Job, evaluated: number, promptEnd: boolean, row: StepOutput): void {
    if (slot.job !== job) return; // cancelled while the step ran
    if (!promptEnd) {
      job.prefilled = evaluated;
      return;
    }
    job.prefilled = job.gen.request.promptTokens.length;
    job.firstLogitsAt ??= now();
    let events: TokenEvent[];
    try {
      events = job.gen.accept(row.logits, row.candidates);
    } catch (err) {
      // this request's grammar failed: it alone ends
      this.fail(slot, err);
      return;
    }
    this.emit(job, events);
    if (job.gen.done) this.release(slot, []);
  }

  private emit(job: Job, events: TokenEvent[]): void {
    const m = this.options.metrics;
    for (const e of events) {
      if (e.token >= 0) {
        const t = now();
        if (job.lastTokenAt === undefined) m?.timeToFirstToken.observe(seconds(t - job.submittedAt));
        else m?.tokenLatency.observe(seconds(t - job.lastTokenAt));
        job.lastTokenAt = t;
      }
      job.events.push({ type: 'token', ...e });
    }
  }

  private release(slot: Slot, tail: TokenEvent[]): void {
    const job = slot.job!;
    slot.job = undefined;
    this.complete(job, tail);
  }

  private complete(job: Job, tail: TokenEvent[]): void {
    this.emit(job, tail);
    const end = now();
    const started = job.startedAt ?? end;
    const firstLogits = job.firstLogitsAt ?? end;
    const gen = job.gen;
    const result: JobResult = {
      text: gen.text,
      tokens: [...gen.generated],
      finishReason: gen.finishReason ?? 'aborted',
      promptTokens: gen.request.promptTokens.length,
      completionTokens: gen.generated.length,
      timings: { queuedNs: started - job.submittedAt, promptNs: firstLogits - started, generationNs: end - firstLogits, totalNs: end - job.submittedAt },
    };
    this.options.metrics?.promptTokens.inc(result.promptTokens);
    this.options.metrics?.completionTokens.inc(result.completionTokens);
    job.events.push({ type: 'done', result });
    job.events.close();
  }

  private fail(slot: Slot, err: unknown): void {
    const job = slot.job;
    if (!job) return;
    slot.job = undefined;
    job.gen.release();
    job.events.fail(err);
  }

  private updateGauges(): void {
    this.options.metrics?.queueDepth.set(this.queue.length);
    this.options.metrics?.activeSlots.set(this.activeSlots);
  }
}

/**
 * The slot whose cache shares the longest prefix with the prompt, if that covers more than half of
 * the prompt (as llama.cpp's slot similarity); otherwise the least recently used slot, so that a
 * shared BOS alone does not evict a useful cache.
 */
function pickSlot(free: readonly Slot[], prompt: readonly number[]): { slot: Slot; shared: number } {
  let best = free[0]!;
  let bestShared = -1;
  let lru = free[0]!;
  for (const slot of free) {
    const shared = commonPrefix(slot.seq.tokens, prompt);
    if (shared > bestShared) {
      best = slot;
      bestShared = shared;
    }
    if (slot.lastUsed < lru.lastUsed) lru = slot;
  }
  if (bestShared > prompt.length / 2) return { slot: best, shared: bestShared };
  return { slot: lru, shared: commonPrefix(lru.seq.tokens, prompt) };
}

function commonPrefix(a: readonly number[], b: readonly number[]): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}
