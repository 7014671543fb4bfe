import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

import type { GraphSplit, Tensor } from '@ix/core';

import type { Lowered, LowerOptions } from './lower.js';
import { splitSignature } from './signature.js';

/**
 * Lowered models on disk, so a model's splits are converted once per machine, not once per run:
 * `<dir>/<model>/<shape>.onnx` beside the converted weights (`<form>-<weight>.bin`), one file per
 * weight shared by every shape of the model (ONNX Runtime reads a model's external data from its
 * folder). Only splits whose weights are regions of files (mapFile) are cached: a file's path, size
 * and modification time name it, so an edited model file misses. Anything that goes wrong writing
 * the cache leaves the run as it was, uncached.
 */

/** bump when the lowering changes what it writes */
const LOWERING_VERSION = 2;

export interface CacheEntry {
  /** the shape's model file (may not exist yet) */
  modelPath: string;
  /** the weights' names in external data file names */
  weightFile: (t: Tensor) => string | undefined;
}

/** $IX_CACHE_DIR/onnx, else $XDG_CACHE_HOME/ix/onnx, else ~/.cache/ix/onnx */
export function defaultCacheDir(env: Record<string, string | undefined> = process.env): string {
  return join(env.IX_CACHE_DIR ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'ix'), 'onnx');
}

/**
 * Where this split's model lives in the cache, or undefined when the split cannot be cached (a
 * baked weight that is not a file region). `fileOf` gives a file region's path and offset.
 */
export function cacheEntry(
  dir: string,
  split: GraphSplit,
  options: LowerOptions,
  ortVersion: string,
  fileOf: (t: Tensor) => { path: string; offset: number } | undefined,
  bytesOf: (t: Tensor) => Uint8Array,
): CacheEntry | undefined {
  const files = new Map<string, string>();
  const names = new Map<Tensor, string>();
  let cacheable = true;
  const weightName = (t: Tensor): string => {
    let name = names.get(t);
    if (name) return name;
    const f = fileOf(t);
    if (f) {
      let file = files.get(f.path);
      if (!file) {
        const st = statSync(f.path);
        files.set(f.path, (file = `${realpathSync(f.path)}:${st.size}:${st.mtimeMs}`));
      }
      name = hash(`${file}:${f.offset}:${t.byteLength}:${t.dtype}:${t.shape.join('x')}`);
    } else if (t.byteLength <= 1 << 16) {
      // small weights (norms, biases) that were uploaded: named by their bytes
      name = hash(bytesOf(t));
    } else {
      cacheable = false;
      name = 'uncached';
    }
    names.set(t, name);
    return name;
  };
  const signature = splitSignature(split, (t, baked) => (baked ? weightName(t) : 'live'));
  if (!cacheable || files.size === 0) return undefined;
  const settings = `v${LOWERING_VERSION}:ort${ortVersion}:${options.accuracy}:${options.staticShapes}:${options.contribOps}`;
  const model = hash(`${settings}|${[...files.values()].sort().join('|')}`);
  return { modelPath: join(dir, model, `${hash(signature)}.onnx`), weightFile: (t) => names.get(t) };
}

/** Write a lowered split's model and any of its weights not there yet; false (and nothing left half-written) on failure. */
export function storeLowered(entry: CacheEntry, lowered: Lowered): boolean {
  const folder = join(entry.modelPath, '..');
  try {
    mkdirSync(folder, { recursive: true });
    for (const { path, data } of lowered.externalData) writeOnce(join(folder, path), data);
    writeOnce(entry.modelPath, lowered.model);
    return true;
  } catch {
    return false;
  }
}

export function isCached(entry: CacheEntry): boolean {
  return existsSync(entry.modelPath);
}

/** write to a temporary name, then rename: a reader never sees a partial file */
function writeOnce(path: string, data: Uint8Array): void {
  if (existsSync(path)) return;
  const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } finally {
    rmSync(tmp, { force: true });
  }
}

function hash(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex').slice(0, 32);
}
