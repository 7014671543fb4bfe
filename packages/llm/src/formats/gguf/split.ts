/**
 * Multi-file GGUF (llama.cpp gguf-split): files "<prefix>-00001-of-00003.gguf" carry split.no
 * (0-based), split.count and split.tensors.count. Opening any shard opens all of them; metadata
 * comes from the first shard and the tensors of all shards are merged.
 */
import { ModelFormatError } from '@ix/core';
import type { ByteSource } from '../source.js';
import type { TensorEntry } from '../tensor-entry.js';
import { readGGUF, type GGUFFile } from './reader.js';

const SPLIT_NAME = /^(.*)-(\d{5})-of-(\d{5})\.gguf$/;

export interface GGUFModel {
  /** the shards in order (one entry for a single file) */
  shards: GGUFFile[];
  tensors: TensorEntry[];
}

/** llama.cpp's llama_split_path: 1-based shard number in the name. */
export function ggufSplitPath(prefix: string, index: number, count: number): string {
  return `${prefix}-${String(index + 1).padStart(5, '0')}-of-${String(count).padStart(5, '0')}.gguf`;
}

export async function openGGUF(path: string, open: (path: string) => Promise<ByteSource>): Promise<GGUFModel> {
  const opened: ByteSource[] = [];
  try {
    const src = await open(path);
    opened.push(src);
    const first = await readGGUF(src);
    const count = splitNumber(first, 'split.count');
    if (count === undefined || count <= 1) return { shards: [first], tensors: first.tensors };

    const m = SPLIT_NAME.exec(path);
    if (!m) throw new ModelFormatError(path, `split.count is ${count} but the name does not follow <prefix>-NNNNN-of-NNNNN.gguf`);
    if (Number(m[3]) !== count) throw new ModelFormatError(path, `split.count ${count} disagrees with the file name`);
    const shards: GGUFFile[] = [];
    for (let i = 0; i < count; i++) {
      const shardPath = ggufSplitPath(m[1]!, i, count);
      let shard: GGUFFile;
      if (shardPath === path) shard = first;
      else {
        const s = await open(shardPath);
        opened.push(s);
        shard = await readGGUF(s);
      }
      if (splitNumber(shard, 'split.no') !== i || splitNumber(shard, 'split.count') !== count) {
        throw new ModelFormatError(shardPath, `split.no/split.count should be ${i}/${count}`);
      }
      shards.push(shard);
    }
    const tensors = mergeShardTensors(shards);
    const expected = splitNumber(shards[0]!, 'split.tensors.count');
    if (expected !== undefined && expected !== tensors.length) {
      throw new ModelFormatError(shards[0]!.source.name, `split.tensors.count is ${expected} but the shards hold ${tensors.length} tensors`);
    }
    return { shards, tensors };
  } catch (e) {
    await Promise.all(opened.map((s) => s.close?.()));
    throw e;
  }
}

function mergeShardTensors(shards: GGUFFile[]): TensorEntry[] {
  const byName = new Map<string, TensorEntry>();
  for (const shard of shards) {
    for (const t of shard.tensors) {
      if (byName.has(t.name)) throw new ModelFormatError(shard.source.name, `tensor "${t.name}" appears in more than one shard`);
      byName.set(t.name, t);
    }
  }
  return [...byName.values()];
}

function splitNumber(file: GGUFFile, key: string): number | undefined {
  const v = file.metadata[key];
  if (v === undefined) return undefined;
  const n = typeof v === 'bigint' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw new ModelFormatError(file.source.name, `${key} is not a non-negative integer`);
  return n;
}
