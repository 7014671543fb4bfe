import type { Command } from 'commander';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { InvalidArgumentError } from '@ix/core';
import { calibrate, CALIBRATION_TEXT, modelKey, SENSITIVITY_VERSION, sensitivityPath, type SensitivityTable } from '@ix/llm';
import { loadModelFromFlags } from '../load.js';
import { int } from '../parse.js';
import { table } from '../table.js';

interface CalibrateOptions {
  text?: string;
  tokens: number;
  out?: string;
  threads?: number;
  backend?: string;
}

/** `ix calibrate model`: each layer part's cost at 4 bits, stored where --precision <bits> finds it. */
export function registerCalibrate(program: Command): void {
  program
    .command('calibrate <model>')
    .description('nested models: measure what reading each layer\'s attention and FFN at 4 bits costs (KL divergence over a text), so that a bit budget (--precision 6) keeps the costliest at 8')
    .option('--text <file>', 'a text of your own use (default: a built-in mix of prose, dialogue, code and numbers)')
    .option('--tokens <n>', 'tokens of the text to measure over', int, 512)
    .option('-o, --out <file>', 'where to write the table (default: <model>.sensitivity.json, found there by every command)')
    .option('-t, --threads <n>', 'threads for CPU backends', int)
    .option('--backend <name>', 'force a backend')
    .action(async (path: string, opts: CalibrateOptions) => {
      if (opts.tokens < 2) throw new InvalidArgumentError(`--tokens must be at least 2, got ${opts.tokens}`);
      let text = CALIBRATION_TEXT;
      if (opts.text !== undefined) {
        try {
          text = readFileSync(opts.text, 'utf8');
        } catch (err) {
          throw new InvalidArgumentError(`cannot read ${opts.text}: ${(err as Error).message}`);
        }
      }
      const model = await loadModelFromFlags(path, { threads: opts.threads, backend: opts.backend, sensitivity: false });
      try {
        const tokens = model.tokenizer.encode(text).slice(0, Math.min(opts.tokens, model.hparams.contextLength));
        if (tokens.length < 2) throw new InvalidArgumentError('the text encodes to fewer than 2 tokens');
        const started = performance.now();
        const tty = process.stderr.isTTY;
        const { parts, entropyQuantiles } = await calibrate(model, tokens, (done, total) => {
          if (tty) process.stderr.write(`\rix: ${done}/${total} layer parts`);
        });
        process.stderr.write(`${tty ? '\r' : ''}ix: ${parts.length} layer parts over ${tokens.length} tokens in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
        const out: SensitivityTable = { version: SENSITIVITY_VERSION, model: basename(path), modelKey: await modelKey(path), tokens: tokens.length, parts, entropyQuantiles };
        const target = opts.out ?? sensitivityPath(path);
        writeFileSync(target, JSON.stringify(out, null, 2) + '\n');
        const ranked = [...parts].sort((a, b) => b.kl - a.kl);
        process.stdout.write(table(['layer', 'part', 'KL at 4 bits'], ranked.map((p) => [String(p.layer), p.part, p.kl.toExponential(3)])) + '\n');
        process.stdout.write(`written to ${target}\n`);
      } finally {
        await model.dispose();
      }
    });
}
