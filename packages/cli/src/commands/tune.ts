import type { Command } from 'commander';
import { InvalidArgumentError } from '@ix/core';
import { findProfile, saveProfile, tuneModel, type TuneAccuracy, type TuneProfile, type TuneTrial } from '@ix/llm';
import { byteSize, num } from '../parse.js';
import { table } from '../table.js';

interface TuneFlags {
  budget: number;
  accuracy: string;
  maxKl: number;
  memory?: number;
  backends?: string;
  tokenizer?: string;
  json?: boolean;
  show?: boolean;
  save: boolean;
}

/** `ix tune`: measure this machine and store the fastest configuration for run, serve and bench. */
export function registerTune(program: Command): void {
  program
    .command('tune <model>')
    .description('find the fastest configuration of a model on this machine and keep it for run, serve and bench (flags still win)')
    .option('--budget <seconds>', 'time the search may take', num, 120)
    .option('--accuracy <mode>', 'any (fast mode only where its logits stay within --max-kl of exact), exact or fast', 'any')
    .option('--max-kl <nats>', "fast mode's largest accepted mean KL divergence from exact mode, per token", num, 0.01)
    .option('--memory <size>', 'memory the server slots\' KV caches may take (default: half the free memory)', byteSize)
    .option('--backends <names>', 'comma-separated backends to try (default: every available one but the reference, and of those on the CPU the first by priority)')
    .option('--tokenizer <path>', 'tokenizer.bin for llama2.c checkpoints')
    .option('--show', 'print the stored profile of this model on this machine, measure nothing')
    .option('--no-save', 'measure and print, keep no profile')
    .option('--json', 'print machine-readable JSON (the profile, and the trials when measuring)')
    .action(async (path: string, flags: TuneFlags) => {
      if (flags.show) return show(path, flags.json === true);
      if (!['any', 'exact', 'fast'].includes(flags.accuracy)) throw new InvalidArgumentError(`--accuracy must be any, exact or fast, got "${flags.accuracy}"`);
      const tty = process.stderr.isTTY;
      const result = await tuneModel(path, {
        budgetSeconds: flags.budget,
        accuracy: flags.accuracy as TuneAccuracy,
        maxKL: flags.maxKl,
        memoryBytes: flags.memory,
        backends: flags.backends?.split(',').map((s) => s.trim()).filter(Boolean),
        tokenizerPath: flags.tokenizer,
        onProgress: (done, total, trial) => {
          const line = `tune [${'#'.repeat(Math.round((20 * done) / total)).padEnd(20, '.')}] ${done}/${total} ${trial}`;
          process.stderr.write(tty ? `\r${line.padEnd(100).slice(0, 100)}` : `${line}\n`);
        },
      });
      if (tty) process.stderr.write('\n');
      const saved = flags.save ? await saveProfile(result.profile) : undefined;
      if (flags.json) {
        process.stdout.write(JSON.stringify({ profile: result.profile, trials: result.trials, seconds: result.seconds, saved: saved ?? null }, null, 2) + '\n');
        return;
      }
      process.stdout.write(trialTable(result.trials) + '\n');
      process.stdout.write(`\n${summary(result.profile)}\n`);
      process.stdout.write(`searched for ${result.seconds.toFixed(1)} s; ${saved ? `profile saved to ${saved} (ix run, serve and bench use it; --show prints it)` : 'profile not saved (--no-save)'}\n`);
    });
}

async function show(path: string, json: boolean): Promise<void> {
  const found = await findProfile(path);
  if (!found) throw new InvalidArgumentError('profiles are off (IX_PROFILE=off)');
  if (found.problem) throw new InvalidArgumentError(`${found.path} is not a usable profile: ${found.problem}`);
  if (!found.profile) throw new InvalidArgumentError(`no profile for this model on this machine (${found.path}); run ix tune ${path}`);
  process.stdout.write(json ? JSON.stringify(found.profile, null, 2) + '\n' : `${summary(found.profile)}\nstored in ${found.path}\n`);
}

const tps = (v?: number) => (v === undefined ? '' : v.toFixed(1));

function trialTable(trials: TuneTrial[]): string {
  const rows = trials.map((t) => [
    t.chosen ? '*' : '',
    t.stage,
    t.backend,
    t.threads === undefined ? '' : String(t.threads),
    t.accuracy ?? '',
    t.repack === false ? 'off' : '',
    t.batchSize === undefined ? '' : String(t.batchSize),
    t.kvType ?? '',
    t.parallel === undefined ? '' : `${t.parallel} x ${t.contextLength}`,
    tps(t.pp),
    tps(t.tg),
    tps(t.aggregate),
    t.kl === undefined ? '' : t.kl.toExponential(2),
    t.note ?? '',
  ]);
  return table(['', 'stage', 'backend', 'threads', 'accuracy', 'repack', 'batch', 'KV', 'slots x ctx', 'pp t/s', 'tg t/s', 'all slots t/s', 'KL', 'note'], rows);
}

export function summary(p: TuneProfile): string {
  const load = [p.load.backend, p.load.threads && `${p.load.threads} threads`, ...Object.entries(p.load.backendOptions ?? {}).map(([k, v]) => `${k} ${String(v)}`)].filter(Boolean).join(', ');
  return [
    `machine: ${p.machine.cpu}, ${p.machine.threads} threads, ${p.machine.memoryGiB} GiB${p.machine.devices.length ? `, ${p.machine.devices.join('; ')}` : ''}`,
    `model:   ${p.model} (tuned ${p.created})`,
    `load:    ${load}`,
    `session: prompt batch ${p.session.batchSize}, KV cache ${p.session.kvType}`,
    `serve:   ${p.server.parallel} slots of ${p.server.contextLength} tokens`,
    `speed:   pp ${tps(p.measured.pp)} t/s, tg ${tps(p.measured.tg)} t/s, ${tps(p.measured.aggregate)} t/s over all slots`,
  ].join('\n');
}
