import type { Command } from 'commander';
import { InvalidArgumentError } from '@ix/core';
import { readFileSync } from 'node:fs';
import { loadModel, measureSpeed, type ExpertUseReport, type SpeedSampling } from '@ix/llm';
import { MOE_MEMORY_HELP, reportTuning } from '../load.js';
import { byteSize, int, PRECISION_HELP, precisionOption, SENSITIVITY_HELP } from '../parse.js';
import { table } from '../table.js';

interface BenchOptions {
  prompt: number;
  gen: number;
  threads?: number;
  backend?: string;
  tokenizer?: string;
  json?: boolean;
  sampling: string;
  repeats: number;
  moeMemory?: number;
  precision?: ('max' | 'eco' | 'auto' | number)[];
  sensitivity?: string;
}

const SAMPLING = ['default', 'greedy', 'none'];

/** Prompt processing (pp) and generation (tg) speed, as llama-bench reports them. */
export function registerBench(program: Command): void {
  program
    .command('bench <model>')
    .description('tokens/s for prompt processing (pp) and generation (tg)')
    .option('-p, --prompt <n>', 'prompt tokens', int, 512)
    .option('-n, --gen <n>', 'generated tokens', int, 128)
    .option('-t, --threads <n>', 'threads for CPU backends', int)
    .option('--backend <name>', 'force a backend')
    .option('--moe-memory <size>', MOE_MEMORY_HELP, byteSize)
    .option('--precision <list>', `${PRECISION_HELP}; a comma list measures each`, (v: string) => v.split(',').map(precisionOption))
    .option('--sensitivity <file>', SENSITIVITY_HELP)
    .option('--tokenizer <path>', 'tokenizer.bin for llama2.c checkpoints')
    .option('--sampling <how>', "generation's next token: default (llama.cpp's default chain, what users run), greedy, or none (fixed ids, as llama-bench)", 'default')
    .option('-r, --repeats <n>', 'runs of each test after a warm-up; the median is reported', int, 5)
    .option('--json', 'print machine-readable JSON')
    .action(async (path: string, opts: BenchOptions) => {
      if (!SAMPLING.includes(opts.sampling)) throw new InvalidArgumentError(`--sampling must be one of ${SAMPLING.join(', ')}, got "${opts.sampling}"`);
      const model = await loadModel(path, { backend: opts.backend, threads: opts.threads, tokenizerPath: opts.tokenizer, moeMemory: opts.moeMemory, sensitivity: opts.sensitivity });
      reportTuning(model);
      try {
        if (opts.repeats < 1) throw new InvalidArgumentError(`--repeats must be at least 1, got ${opts.repeats}`);
        const results = [];
        for (const precision of opts.precision ?? [undefined]) {
          const measured = await measureSpeed(model, opts.prompt, opts.gen, { sampling: opts.sampling as SpeedSampling, repeats: opts.repeats, precision });
          if (precision === undefined) results.push(...measured);
          else {
            // what the precision reads: bits per weight over the nested matrices
            // ('auto' varies from step to step: tools/bench/dist/precision.js reports what it read)
            const bits = precision === 'auto' ? undefined : model.nested?.bitsPerWeight(model.nested.chosen(precision));
            results.push(...measured.map((r) => ({ ...r, test: `${r.test} @${precision}`, precision, ...(bits !== undefined && { bitsPerWeight: bits }) })));
          }
        }
        const experts = model.expertUse();
        const peakRss = peakResidentBytes();
        const tuned = model.tuning?.profile ? model.tuning.path : null;
        const out = { model: path, backend: model.backend.name, threads: opts.threads ?? null, profile: tuned, sampling: opts.sampling, repeats: opts.repeats, results, ...(experts && { experts }), ...(peakRss && { peakRss }) };
        if (opts.json) process.stdout.write(JSON.stringify(out, null, 2) + '\n');
        else {
          process.stdout.write(`backend: ${model.backend.name}, sampling: ${opts.sampling}, median of ${opts.repeats}\n`);
          const rows = results.map((r) => [
            r.test,
            String(r.tokens),
            r.seconds.toFixed(3),
            r.tokensPerSecond.toFixed(2),
            `${r.hostMsPerToken.toFixed(4)} (${(100 * r.hostShare).toFixed(1)}%)`,
            r.samplingMsPerToken === undefined ? '' : r.samplingMsPerToken.toFixed(3),
          ]);
          process.stdout.write(table(['test', 'tokens', 'seconds', 'tokens/s', 'host ms/token', 'sampler ms/token'], rows) + '\n');
          if (experts) process.stdout.write(expertTable(experts));
          if (peakRss) process.stdout.write(`peak resident memory (VmHWM): ${mib(peakRss)}\n`);
        }
      } finally {
        await model.dispose();
      }
    });
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/** Per layer: the share of chosen experts that were resident, and the bytes read for the others. */
function expertTable(e: ExpertUseReport): string {
  const rows = e.layers.map((u, l) => [String(l), String(u.hits + u.misses), u.hits + u.misses ? `${((100 * u.hits) / (u.hits + u.misses)).toFixed(1)}%` : '', mib(u.bytesRead)]);
  const all = e.layers.reduce((s, u) => ({ hits: s.hits + u.hits, misses: s.misses + u.misses, bytesRead: s.bytesRead + u.bytesRead }), { hits: 0, misses: 0, bytesRead: 0 });
  rows.push(['all', String(all.hits + all.misses), all.hits + all.misses ? `${((100 * all.hits) / (all.hits + all.misses)).toFixed(1)}%` : '', mib(all.bytesRead)]);
  const budget = e.budget ? `budget ${mib(e.budget)}, ` : 'no budget, ';
  return `experts (${budget}resident now ${mib(e.resident)}), over every run including the warm-up:\n${table(['layer', 'uses', 'hit rate', 'read'], rows)}\n`;
}

/** VmHWM of this process (Linux), or undefined */
function peakResidentBytes(): number | undefined {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}
