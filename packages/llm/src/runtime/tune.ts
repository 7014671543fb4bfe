/**
 * `ix tune`: a bounded search for the fastest configuration of one model on this machine, in four
 * stages, each keeping the best of the one before:
 *   1. backend x threads x accuracy mode: prompt and generation speed; the winner is the one that
 *      answers a typical request (512 prompt tokens, 128 generated) soonest. cpu-avx's fast mode
 *      (8-bit activations, as llama.cpp) is eligible only while its logits stay within `maxKL` of
 *      exact mode's (exactness first, measured).
 *   1b. cpu-avx: the same with weights left in their file layout (repack off)
 *   2. prompt batch size: prefill of a 256-token prompt in batches of 32..256
 *   3. KV cache type: decode after a prompt with F16 and F32 caches (F16 unless F32 is clearly faster)
 *   4. server slots: decode summed over 1..8 sequences stepped together, with each slot's context
 *      what the memory for KV caches allows; the fewest slots within 10% of the best total
 * Trials that would start after the budget are skipped, and one that runs past its share of the
 * budget (a slow backend on a big model) is stopped between steps; both are listed as such. Of the
 * backends that run on the CPU, only the first by priority is tried unless `backends` names others
 * (a GPU API on a software device, as Vulkan on llvmpipe, does not beat the native CPU kernels).
 */
import { availableParallelism, freemem } from 'node:os';
import { InvalidArgumentError, probeBackends } from '@ix/core';
import { kvCacheLayerCount } from '../arch/index.js';
import { loadModel, type Model } from './model.js';
import { machineInfo, machineKey, modelKey, PROFILE_VERSION, type TuneProfile } from './profile.js';
import { aggregateDecodeSpeed, decodeSpeed, meanKL, prefillSpeed, promptLogits, TrialTimeout } from './tune-measure.js';

export type TuneAccuracy = 'any' | 'exact' | 'fast';

export interface TuneOptions {
  /** seconds the search may take (default 120) */
  budgetSeconds?: number;
  /** accuracy modes that may be chosen (default 'any': fast only within maxKL of exact) */
  accuracy?: TuneAccuracy;
  /** mean KL divergence (nats per token) of fast mode's logits from exact mode's that is accepted (default 0.01) */
  maxKL?: number;
  /** memory the server's KV caches may take (default: half the memory free now) */
  memoryBytes?: number;
  /** backends to try (default: every available one but the reference, unless it is the only one) */
  backends?: string[];
  tokenizerPath?: string;
  onProgress?: (done: number, total: number, trial: string) => void;
}

export interface TuneTrial {
  stage: 'defaults' | 'backend' | 'repack' | 'batch' | 'kv' | 'server';
  backend: string;
  threads?: number;
  accuracy?: 'exact' | 'fast';
  /** cpu-avx: weights repacked for its kernels (false: read in their file layout) */
  repack?: boolean;
  batchSize?: number;
  kvType?: 'F16' | 'F32';
  parallel?: number;
  contextLength?: number;
  /** tokens/s: prompt, generation, generation summed over the server's slots */
  pp?: number;
  tg?: number;
  aggregate?: number;
  /** fast mode: mean KL of its logits from exact mode's */
  kl?: number;
  /** seconds for 512 prompt tokens and 128 generated at pp and tg */
  requestSeconds?: number;
  chosen?: boolean;
  /** why it was not measured, or not eligible */
  note?: string;
}

export interface TuneResult {
  profile: TuneProfile;
  trials: TuneTrial[];
  seconds: number;
}

const PP = 128;
const TG = 16;
const LONG_PROMPT = 256;
const BATCHES = [32, 64, 128, 256];
const SLOTS = [1, 2, 4, 8];
const requestSeconds = (pp: number, tg: number) => 512 / pp + 128 / tg;

interface Config {
  backend: string;
  threads?: number;
  accuracy?: 'exact' | 'fast';
  repack?: boolean;
}

export async function tuneModel(path: string, options: TuneOptions = {}): Promise<TuneResult> {
  const budget = options.budgetSeconds ?? 120;
  if (!(budget > 0)) throw new InvalidArgumentError(`the tuning budget must be a positive number of seconds, got ${budget}`);
  const maxKL = options.maxKL ?? 0.01;
  if (!(maxKL >= 0)) throw new InvalidArgumentError(`maxKL must be a non-negative number, got ${maxKL}`);
  const accuracy = options.accuracy ?? 'any';
  if (!['any', 'exact', 'fast'].includes(accuracy)) throw new InvalidArgumentError(`accuracy must be any, exact or fast, got "${accuracy}"`);
  const t0 = performance.now();
  const elapsed = () => (performance.now() - t0) / 1000;
  const configs = await candidates(options.backends, accuracy);
  const total = 1 + configs.length + 1 + BATCHES.length + 2 + SLOTS.length;
  // each trial may take twice its even share of the budget (at least 10 s), and never past it
  const share = Math.max(10, (2 * budget) / total);
  const deadline = () => Math.min(t0 + budget * 1000, performance.now() + share * 1000);
  const stopped = `stopped: ran past its ${share.toFixed(0)} s share of the budget`;
  const trials: TuneTrial[] = [];
  const progress = (t: TuneTrial) => {
    trials.push(t);
    options.onProgress?.(trials.length, total, describe(t));
  };
  const load = (c: Config) => loadModel(path, { backend: c.backend, threads: c.threads, tokenizerPath: options.tokenizerPath, backendOptions: backendOptions(c), profile: false });
  /**
   * `work` unless the budget is spent; a trial skipped, or stopped past its share, is recorded as
   * such (and gives undefined); one that finishes records itself
   */
  const attempt = async <T>(trial: TuneTrial, work: () => Promise<T>): Promise<T | undefined> => {
    if (elapsed() > budget) return void progress({ ...trial, note: 'skipped: budget spent' });
    try {
      return await work();
    } catch (e) {
      if (!(e instanceof TrialTimeout)) throw e;
      progress({ ...trial, note: stopped });
    }
  };
  const withModel = async <T>(model: Promise<Model>, work: (m: Model) => Promise<T>): Promise<T> => {
    const m = await model;
    try {
      return await work(m);
    } finally {
      await m.dispose();
    }
  };

  // ix as it runs without a profile, for comparison
  await attempt({ stage: 'defaults', backend: 'default' }, () =>
    withModel(loadModel(path, { tokenizerPath: options.tokenizerPath, profile: false }), async (m) => {
      const d = await speeds(m, 2, deadline());
      progress({ stage: 'defaults', backend: m.backend.name, ...d, requestSeconds: requestSeconds(d.pp, d.tg) });
    }),
  );

  // 1. backend, threads, accuracy
  let exactLogits: Float32Array | undefined;
  let best: { c: Config; score: number; pp: number; tg: number } | undefined;
  for (const c of configs) {
    await attempt({ stage: 'backend', ...c }, () =>
      withModel(load(c), async (model) => {
        const s = await speeds(model, 2, deadline());
        const trial: TuneTrial = { stage: 'backend', ...c, ...s, requestSeconds: requestSeconds(s.pp, s.tg) };
        // fast mode must stay near exact mode's logits (the first exact trial's are the reference)
        if (c.accuracy === 'exact' && !exactLogits) exactLogits = await promptLogits(model, 32);
        if (c.accuracy === 'fast' && accuracy === 'any') {
          if (!exactLogits) exactLogits = await exactReference(path, c, options.tokenizerPath);
          trial.kl = meanKL(exactLogits, await promptLogits(model, 32), model.hparams.vocabSize);
          if (trial.kl > maxKL) trial.note = `not eligible: KL ${trial.kl.toExponential(2)} > ${maxKL}`;
        }
        progress(trial);
        if (!trial.note && (!best || trial.requestSeconds! < best.score)) best = { c, score: trial.requestSeconds!, pp: s.pp, tg: s.tg };
      }),
    );
  }
  if (!best) throw new InvalidArgumentError(`ix tune: no configuration could be measured within ${budget} s (raise the budget)`);
  mark(trials, 'backend', (t) => sameConfig(t, best!.c));

  // 1b. repacking (cpu-avx repacks file-mapped weights by default): kept unless the file layout is faster
  if (best.c.backend === 'cpu-avx') {
    const c = { ...best.c, repack: false };
    await attempt({ stage: 'repack', ...c }, () =>
      withModel(load(c), async (model) => {
        const s = await speeds(model, 2, deadline());
        const trial: TuneTrial = { stage: 'repack', ...c, ...s, requestSeconds: requestSeconds(s.pp, s.tg) };
        progress(trial);
        if (trial.requestSeconds! < best!.score) best = { c, score: trial.requestSeconds!, pp: s.pp, tg: s.tg };
        else trial.note = 'slower than repacked';
      }),
    );
    mark(trials, 'repack', () => best!.c.repack === false);
  }

  const model = await load(best.c);
  try {
    const ctx = Math.min(model.hparams.contextLength, 4096);
    const long = Math.min(LONG_PROMPT, ctx - 1);
    // 2. prompt batch size
    let batch = { size: Math.min(256, long), pp: 0 };
    for (const size of BATCHES.filter((b) => b <= long)) {
      const trial: TuneTrial = { stage: 'batch', ...best.c, batchSize: size };
      const pp = await attempt(trial, () => prefillSpeed(model, long, size, 1, deadline()));
      if (pp === undefined) continue;
      progress({ ...trial, pp });
      if (pp > batch.pp) batch = { size, pp };
    }
    mark(trials, 'batch', (t) => t.batchSize === batch.size && t.pp !== undefined);

    // 3. KV cache type
    const context = Math.min(256, ctx - TG - 1);
    const kv: Record<'F16' | 'F32', number> = { F16: 0, F32: 0 };
    for (const kvType of ['F16', 'F32'] as const) {
      const trial: TuneTrial = { stage: 'kv', ...best.c, kvType };
      const tg = await attempt(trial, () => decodeSpeed(model, context, TG, kvType, 2, deadline()));
      if (tg === undefined) continue;
      kv[kvType] = tg;
      progress({ ...trial, tg });
    }
    // F16 holds twice the context in the same memory: F32 only when clearly faster
    const kvType = kv.F32 > 1.03 * kv.F16 ? 'F32' : 'F16';
    mark(trials, 'kv', (t) => t.kvType === kvType && t.tg !== undefined);

    // 4. server slots within the KV memory
    const memoryBytes = options.memoryBytes ?? Math.floor(freemem() / 2);
    const hp = model.hparams;
    const kvBytesPerToken = 2 * kvCacheLayerCount(hp) * hp.nKVHeads * hp.headDim * (kvType === 'F16' ? 2 : 4);
    let server = { parallel: 1, contextLength: Math.max(1, Math.min(ctx, Math.floor(memoryBytes / kvBytesPerToken))), aggregate: 0 };
    const measuredSlots: { parallel: number; contextLength: number; aggregate: number }[] = [];
    for (const parallel of SLOTS) {
      const contextLength = Math.min(ctx, Math.floor(memoryBytes / (parallel * kvBytesPerToken)));
      if (contextLength < Math.min(512, ctx)) {
        progress({ stage: 'server', ...best.c, parallel, contextLength, note: `not eligible: ${parallel} slots leave ${contextLength} tokens each` });
        continue;
      }
      const trial: TuneTrial = { stage: 'server', ...best.c, kvType, parallel, contextLength };
      const aggregate = await attempt(trial, () => aggregateDecodeSpeed(model, parallel, 8, kvType, 2, deadline()));
      if (aggregate === undefined) continue;
      measuredSlots.push({ parallel, contextLength, aggregate });
      progress({ ...trial, aggregate });
    }
    const top = Math.max(0, ...measuredSlots.map((s) => s.aggregate));
    server = measuredSlots.find((s) => s.aggregate >= 0.9 * top) ?? server;
    mark(trials, 'server', (t) => t.parallel === server.parallel && t.aggregate !== undefined);

    const machine = await machineInfo();
    const profile: TuneProfile = {
      version: PROFILE_VERSION,
      machineKey: machineKey(machine),
      machine,
      modelKey: await modelKey(path),
      model: path,
      created: new Date().toISOString(),
      load: { backend: best.c.backend, ...(best.c.threads && { threads: best.c.threads }), ...(backendOptions(best.c) && { backendOptions: backendOptions(best.c) }) },
      session: { batchSize: batch.size, kvType },
      server: { parallel: server.parallel, contextLength: server.contextLength, memoryBytes },
      measured: { pp: batch.pp || best.pp, tg: Math.max(kv[kvType], best.tg), aggregate: server.aggregate },
    };
    return { profile, trials, seconds: elapsed() };
  } finally {
    await model.dispose();
  }
}

/** the configurations stage 1 tries */
async function candidates(only: string[] | undefined, accuracy: TuneAccuracy): Promise<Config[]> {
  const probed = (await probeBackends()).filter((p) => p.probe.available && (!only || only.includes(p.factory.name)));
  if (only) for (const name of only) if (!probed.some((p) => p.factory.name === name)) throw new InvalidArgumentError(`ix tune: backend "${name}" is not available here (see ix probe)`);
  const native = probed.length > 1 ? probed.filter((p) => p.factory.name !== 'reference') : probed;
  // the first CPU backend by priority (probeBackends' order) is the native one
  const firstCpu = native.find((p) => p.probe.device.kind === 'cpu');
  const usable = only ? native : native.filter((p) => p.probe.device.kind !== 'cpu' || p === firstCpu);
  if (!usable.length) throw new InvalidArgumentError('ix tune: no backend is available (see ix probe)');
  const n = availableParallelism();
  const threads = [...new Set([Math.max(1, n >> 1), n])];
  const modes: ('exact' | 'fast')[] = accuracy === 'any' ? ['exact', 'fast'] : [accuracy];
  return usable.flatMap(({ factory }): Config[] => {
    if (factory.name !== 'cpu-avx') return [{ backend: factory.name }];
    return threads.flatMap((t) => modes.map((a) => ({ backend: factory.name, threads: t, accuracy: a })));
  });
}

/** generation first: a slow configuration shows it within a step or two, before a long prefill */
async function speeds(model: Model, repeats: number, deadline: number): Promise<{ pp: number; tg: number }> {
  const ctx = Math.min(model.hparams.contextLength, 4096);
  const tg = await decodeSpeed(model, Math.min(16, ctx - TG - 1), TG, 'F16', repeats, deadline);
  const pp = await prefillSpeed(model, Math.min(PP, ctx - 1), Math.min(PP, ctx - 1), repeats, deadline);
  return { pp, tg };
}

/** exact mode's logits on the same backend and threads as a fast-mode config */
async function exactReference(path: string, c: Config, tokenizerPath?: string): Promise<Float32Array> {
  const model = await loadModel(path, { backend: c.backend, threads: c.threads, tokenizerPath, backendOptions: { accuracy: 'exact' }, profile: false });
  try {
    return await promptLogits(model, 32);
  } finally {
    await model.dispose();
  }
}

const sameConfig = (t: TuneTrial, c: Config) => t.backend === c.backend && t.threads === c.threads && t.accuracy === c.accuracy && t.repack === c.repack;

/** cpu-avx's options of a configuration (none for other backends) */
function backendOptions(c: Config): Record<string, unknown> | undefined {
  if (c.backend !== 'cpu-avx') return undefined;
  return { ...(c.accuracy && { accuracy: c.accuracy }), ...(c.repack === false && { repack: false }) };
}

function mark(trials: TuneTrial[], stage: TuneTrial['stage'], chosen: (t: TuneTrial) => boolean): void {
  for (const t of trials) if (t.stage === stage && chosen(t) && !t.note) t.chosen = true;
}

function describe(t: TuneTrial): string {
  const parts = [t.stage, t.backend, t.threads && `${t.threads} threads`, t.accuracy, t.repack === false && 'no repacking', t.batchSize && `batch ${t.batchSize}`, t.kvType && `KV ${t.kvType}`, t.parallel && `${t.parallel} slots`];
  return parts.filter(Boolean).join(', ');
}
