import { loadModel, type Model } from '@ix/llm';
import { progressBar } from './progress.js';

export interface ModelFlags {
  backend?: string;
  threads?: number;
  tokenizer?: string;
  chatTemplate?: string;
}

/** Load a model the way every command does: the CLI's flags, with a progress bar for big files. */
export async function loadModelFromFlags(path: string, flags: ModelFlags): Promise<Model> {
  const bar = progressBar('loading');
  const model = await loadModel(path, {
    backend: flags.backend,
    threads: flags.threads,
    tokenizerPath: flags.tokenizer,
    chatTemplate: flags.chatTemplate,
    onProgress: bar.update,
  });
  bar.done();
  return model;
}
