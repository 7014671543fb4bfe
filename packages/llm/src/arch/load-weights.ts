import { type Backend, dequantize, type DTypeName, ModelFormatError, Tensor } from '@ix/core';
import type { ModelFile, TensorEntry } from '../formats/index.js';
import type { TensorSpec, TensorTable } from './architecture.js';

export type ProgressCallback = (loadedBytes: number, totalBytes: number) => void;

/**
 * Puts the tensors an architecture's table names on a backend: mapped from the file when the
 * backend can map files (no copy), uploaded otherwise. 1-D tensors (norms, biases) are converted to
 * F32, the only type elementwise ops take. Returns one field per table entry, and `layers`; with
 * `file.residuals` (a nested model's, by base name) also `residuals`, by the base tensor.
 */
export async function loadWeights<W>(
  file: { path: string; tensors: ReadonlyMap<string, TensorEntry>; residuals?: ReadonlyMap<string, TensorEntry> },
  table: TensorTable,
  nLayers: number,
  arch: string,
  backend: Backend,
  onProgress?: ProgressCallback,
): Promise<W> {
  const total = [...file.tensors.values(), ...(file.residuals?.values() ?? [])].reduce((s, t) => s + t.byteLength, 0);
  let loaded = 0;
  const placed = new Map<string, Tensor>();
  const residuals = new Map<Tensor, Tensor>();
  const load = async (spec: TensorSpec, layer?: number): Promise<Tensor | undefined> => {
    const name = layer === undefined ? spec.gguf : spec.gguf.replace('{n}', String(layer));
    const hf = layer === undefined ? spec.hf : spec.hf.replace('{n}', String(layer));
    const hit = placed.get(name);
    if (hit) return hit;
    // a Hugging Face folder keeps the names its reader has no GGUF name for
    const entry = file.tensors.get(name) ?? file.tensors.get(hf);
    if (!entry) {
      if (spec.optional || spec.tiedTo) return undefined;
      throw new ModelFormatError(file.path, `missing tensor "${name}" (Hugging Face "${hf}") needed by the ${arch} graph`);
    }
    const t = await place(entry, backend);
    loaded += entry.byteLength;
    const residual = file.residuals?.get(entry.name);
    if (residual) {
      residuals.set(t, await place(residual, backend));
      loaded += residual.byteLength;
    }
    onProgress?.(loaded, total);
    placed.set(name, t);
    return t;
  };
  const fill = async (specs: Record<string, TensorSpec>, layer?: number) => {
    const out: Record<string, Tensor | undefined> = {};
    for (const [field, spec] of Object.entries(specs)) out[field] = await load(spec, layer);
    for (const [field, spec] of Object.entries(specs)) if (spec.tiedTo && !out[field]) out[field] = out[spec.tiedTo];
    return out;
  };
  const layers = [];
  for (let l = 0; l < nLayers; l++) layers.push(await fill(table.layer, l));
  const global = await fill(table.global);
  return { ...global, layers, ...(residuals.size > 0 && { residuals }) } as W;
}

async function place(entry: TensorEntry, backend: Backend): Promise<Tensor> {
  if (entry.dtype === 'U8') throw new ModelFormatError(entry.file ?? entry.name, `tensor ${entry.name} holds raw U8 data, which the graph cannot use`);
  const dtype0: DTypeName = entry.dtype;
  const vector = entry.shape.length === 1 && dtype0 !== 'F32';
  if (!vector && backend.mapFile && entry.file && entry.offset !== undefined) {
    return new Tensor(entry.shape, dtype0, backend.mapFile(entry.file, entry.offset, entry.byteLength), 0, entry.name);
  }
  let bytes = await entry.read();
  let dtype = dtype0;
  if (vector) {
    const f = dequantize(dtype0, bytes, entry.shape[0]!);
    bytes = new Uint8Array(f.buffer, f.byteOffset, f.byteLength);
    dtype = 'F32';
  }
  const buffer = backend.allocate(bytes.byteLength);
  backend.upload(buffer, 0, bytes);
  return new Tensor(entry.shape, dtype, buffer, 0, entry.name);
}
