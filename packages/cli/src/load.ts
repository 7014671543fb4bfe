import { loadModel, type Model } from '@ix/llm';
import { progressBar } from './progress.js';

export interface ModelFlags {
  backend?: string;
  threads?: number;
  tokenizer?: string;
  chatTemplate?: string;
  moeMemory?: number;
  /** nested models: a sensitivity table's path, or false for none (default: the one beside the model) */
  sensitivity?: string | false;
}

/** the --moe-memory flag every command that loads a generative model takes */
export const MOE_MEMORY_HELP = 'mixture-of-experts models: memory for experts (e.g. 4G); the least used beyond it (LRFU) are given back to the OS';

/** Load a model the way every command does: the CLI's flags, with a progress bar for big files. */
export async function loadModelFromFlags(path: string, flags: ModelFlags): Promise<Model> {
  const bar = progressBar('loading');
  const model = await loadModel(path, {
    backend: flags.backend,
    threads: flags.threads,
    tokenizerPath: flags.tokenizer,
    chatTemplate: flags.chatTemplate,
    moeMemory: flags.moeMemory,
    sensitivity: flags.sensitivity,
    onProgress: bar.update,
  });
  bar.done();
  reportTuning(model);
  return model;
}

/** say on stderr which tuning profile (ix tune) the model was loaded with, or why one was ignored */
export function reportTuning(model: Model): void {
  const t = model.tuning;
  if (t?.problem) process.stderr.write(`ix: warning: ignoring ${t.path}: ${t.problem}\n`);
  else if (t?.profile) process.stderr.write(`ix: tuned profile ${t.path} (ix tune --show; flags win)\n`);
  const s = model.sensitivity;
  if (s?.problem) process.stderr.write(`ix: warning: ignoring ${s.path}: ${s.problem}\n`);
}
