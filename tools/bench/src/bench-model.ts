import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { generateModel, PRESETS, type QuantPreset } from '@ix/model-gen';

/** A positive integer flag, or an error naming it. */
export function positiveInt(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${v}`);
  return n;
}

/** The benchmarked GGUF: `--model` as given, else a model-gen preset generated once into `modelDir`. */
export async function benchModel(o: { model?: string; preset: string; quant: string; modelDir: string; tokenizerDir?: string }, log: (s: string) => void): Promise<string> {
  if (o.model) return o.model;
  const preset = PRESETS[o.preset];
  if (!preset) throw new Error(`unknown preset ${o.preset} (${Object.keys(PRESETS).join(', ')})`);
  await mkdir(o.modelDir, { recursive: true });
  const path = join(o.modelDir, `${o.preset}-${o.quant}-seed1.gguf`);
  if (!existsSync(path)) {
    log(`generating ${path} ...`);
    await generateModel({ ...preset, seed: 1, gguf: path, quant: o.quant as QuantPreset, tokenizerDir: o.tokenizerDir, threads: availableParallelism() });
  }
  return path;
}
