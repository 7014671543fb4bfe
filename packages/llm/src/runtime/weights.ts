import { type Backend, dequantize, type DTypeName, ModelFormatError, Tensor } from '@ix/core';
import { llama3RopeFreqs, type ModelFile, type TensorEntry } from '../formats/index.js';
import type { DecoderWeights, LayerWeights } from './arch/decoder.js';
import type { DecoderHParams } from './hparams.js';

export type ProgressCallback = (loadedBytes: number, totalBytes: number) => void;

/**
 * Puts a model's tensors on a backend: mapped from the file when the backend can map files
 * (no copy), uploaded otherwise. 1-D tensors (norms, biases) are converted to F32, the only type
 * elementwise ops take.
 */
export async function loadDecoderWeights(file: ModelFile, hp: DecoderHParams, backend: Backend, onProgress?: ProgressCallback): Promise<DecoderWeights> {
  const total = [...file.tensors.values()].reduce((s, t) => s + t.byteLength, 0);
  let loaded = 0;
  const cache = new Map<string, Tensor>();
  const get = async (name: string, required = true): Promise<Tensor | undefined> => {
    const hit = cache.get(name);
    if (hit) return hit;
    const entry = file.tensors.get(name);
    if (!entry) {
      if (required) throw new ModelFormatError(file.path, `missing tensor "${name}" needed by the ${hp.arch} graph`);
      return undefined;
    }
    const t = await place(entry, backend);
    loaded += entry.byteLength;
    onProgress?.(loaded, total);
    cache.set(name, t);
    return t;
  };
  const req = async (name: string) => (await get(name))!;
  const opt = (name: string) => get(name, false);

  const layers: LayerWeights[] = [];
  for (let l = 0; l < hp.nLayers; l++) {
    const p = `blk.${l}.`;
    layers.push({
      attnNorm: await req(`${p}attn_norm.weight`),
      wq: await req(`${p}attn_q.weight`),
      wk: await req(`${p}attn_k.weight`),
      wv: await req(`${p}attn_v.weight`),
      wo: await req(`${p}attn_output.weight`),
      bq: await opt(`${p}attn_q.bias`),
      bk: await opt(`${p}attn_k.bias`),
      bv: await opt(`${p}attn_v.bias`),
      qNorm: await opt(`${p}attn_q_norm.weight`),
      kNorm: await opt(`${p}attn_k_norm.weight`),
      ffnNorm: await req(`${p}ffn_norm.weight`),
      wGate: await req(`${p}ffn_gate.weight`),
      wUp: await req(`${p}ffn_up.weight`),
      wDown: await req(`${p}ffn_down.weight`),
    });
  }
  const tokenEmbd = await req('token_embd.weight');
  return {
    tokenEmbd,
    outputNorm: await req('output_norm.weight'),
    // tied embeddings: the classifier is the embedding table
    output: (await opt('output.weight')) ?? tokenEmbd,
    ropeFreqs: (await opt('rope_freqs.weight')) ?? ropeFreqsFromConfig(file, backend),
    layers,
  };
}

/** HF Llama 3 folders carry the rope scaling in config.json; GGUF files store it as rope_freqs.weight */
function ropeFreqsFromConfig(file: ModelFile, backend: Backend): Tensor | undefined {
  const f = llama3RopeFreqs(file.config);
  if (!f) return undefined;
  const buffer = backend.allocate(f.byteLength);
  backend.upload(buffer, 0, new Uint8Array(f.buffer, f.byteOffset, f.byteLength));
  return new Tensor([f.length], 'F32', buffer, 0, 'rope_freqs.weight');
}

async function place(entry: TensorEntry, backend: Backend): Promise<Tensor> {
  if (entry.dtype === 'U8') throw new ModelFormatError(entry.file ?? entry.name, `tensor ${entry.name} holds raw U8 data, which the decoder cannot use`);
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
