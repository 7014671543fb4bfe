/**
 * A folder of safetensors files (Node): a single model.safetensors, or shards listed by
 * model.safetensors.index.json (`{ metadata, weight_map: { tensor: file } }`), and a writer for
 * sharded folders in the same layout as transformers' save_pretrained.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { ModelFormatError } from '@ix/core';
import { FileSink, FileSource } from '../node-source.js';
import type { ByteSource } from '../source.js';
import type { TensorEntry } from '../tensor-entry.js';
import { readSafetensors } from './reader.js';
import { writeSafetensors, type SafetensorsTensorInput } from './writer.js';

export const SAFETENSORS_INDEX = 'model.safetensors.index.json';

export interface SafetensorsFolder {
  sources: ByteSource[];
  /** HF names -> entries, across all shards */
  tensors: Map<string, TensorEntry>;
}

/** Opens `model.safetensors.index.json` shards, else every *.safetensors file in the folder. */
export async function openSafetensorsFolder(dir: string): Promise<SafetensorsFolder> {
  const indexPath = path.join(dir, SAFETENSORS_INDEX);
  const weightMap = await readWeightMap(indexPath);
  const files = weightMap
    ? [...new Set(weightMap.values())]
    : (await fs.readdir(dir)).filter((f) => f.endsWith('.safetensors')).sort();
  if (!files.length) throw new ModelFormatError(dir, 'no .safetensors files in the folder');
  const sources: ByteSource[] = [];
  try {
    const tensors = new Map<string, TensorEntry>();
    for (const file of files) {
      const src = await FileSource.open(path.join(dir, file));
      sources.push(src);
      for (const t of (await readSafetensors(src)).tensors) {
        if (tensors.has(t.name)) throw new ModelFormatError(src.name, `tensor "${t.name}" is also in another file`);
        if (weightMap && weightMap.get(t.name) !== file) continue;
        tensors.set(t.name, t);
      }
    }
    for (const [name, file] of weightMap ?? []) {
      if (!tensors.has(name)) throw new ModelFormatError(path.join(dir, file), `tensor "${name}" listed in ${SAFETENSORS_INDEX} is missing`);
    }
    return { sources, tensors };
  } catch (e) {
    await Promise.all(sources.map((s) => s.close?.()));
    throw e;
  }
}

async function readWeightMap(indexPath: string): Promise<Map<string, string> | undefined> {
  let text: string;
  try {
    text = await fs.readFile(indexPath, 'utf8');
  } catch {
    return undefined;
  }
  let index: unknown;
  try {
    index = JSON.parse(text);
  } catch (e) {
    throw new ModelFormatError(indexPath, `not valid JSON: ${(e as Error).message}`);
  }
  const map = (index as { weight_map?: unknown } | null)?.weight_map;
  if (typeof map !== 'object' || map === null || Array.isArray(map)) throw new ModelFormatError(indexPath, 'weight_map is missing or not an object');
  const out = new Map<string, string>();
  for (const [name, file] of Object.entries(map)) {
    // shards must sit in the folder itself: no paths, so a hostile index cannot point elsewhere
    if (typeof file !== 'string' || !file.endsWith('.safetensors') || file !== path.basename(file) || file.includes('\\') || file.startsWith('.')) {
      throw new ModelFormatError(indexPath, `weight_map["${name}"] = ${JSON.stringify(file)} is not a .safetensors file name in this folder`);
    }
    out.set(name, file);
  }
  return out;
}

/**
 * Write tensors as `shards` files model-0000i-of-0000n.safetensors plus the index (or a single
 * model.safetensors when shards is 1), splitting the list in order into groups of about equal tensor counts.
 */
export async function writeSafetensorsFolder(dir: string, tensors: readonly SafetensorsTensorInput[], shards = 1, metadata: Record<string, string> = { format: 'pt' }): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  if (shards <= 1) {
    await writeSafetensors(await FileSink.create(path.join(dir, 'model.safetensors')), tensors, metadata);
    return;
  }
  const groups: SafetensorsTensorInput[][] = Array.from({ length: shards }, () => []);
  tensors.forEach((t, i) => groups[Math.floor((i * shards) / tensors.length)]!.push(t));
  const weightMap: Record<string, string> = {};
  for (const [i, group] of groups.entries()) {
    const name = `model-${String(i + 1).padStart(5, '0')}-of-${String(shards).padStart(5, '0')}.safetensors`;
    for (const t of group) weightMap[t.name] = name;
    await writeSafetensors(await FileSink.create(path.join(dir, name)), group, metadata);
  }
  await fs.writeFile(path.join(dir, SAFETENSORS_INDEX), JSON.stringify({ metadata: {}, weight_map: weightMap }, null, 2));
}
