/**
 * llama2.c checkpoints (karpathy/llama2.c export.py): the legacy "version 0" file (7 int32
 * params, then float32 weights incl. RoPE tables) and version 1 (256-byte "ak42" header, norms
 * first). Both map to llama.cpp tensor names; with a shared classifier output.weight is the token
 * embedding under a second name. llama2.c RoPE rotates adjacent pairs, like ggml's normal mode.
 */
import { ModelFormatError } from '@ix/core';
import type { ModelConfig } from '../../model-config.js';
import type { ByteSource } from '../source.js';
import { aliasTensor, storedTensor, type TensorEntry } from '../tensor-entry.js';

export const LLAMA2C_MAGIC = 0x616b3432; // "ak42" as a little-endian uint32
const V1_HEADER = 256;
const LEGACY_HEADER = 28;

export interface Llama2cHeader {
  version: 0 | 1;
  dim: number;
  hiddenDim: number;
  nLayers: number;
  nHeads: number;
  nKVHeads: number;
  vocabSize: number;
  seqLen: number;
  sharedClassifier: boolean;
}

export interface Llama2cCheckpoint {
  header: Llama2cHeader;
  config: ModelConfig;
  tensors: TensorEntry[];
}

export async function readLlama2cCheckpoint(source: ByteSource): Promise<Llama2cCheckpoint> {
  const header = await readHeader(source);
  checkFileSize(source, header);
  const tensors = layoutTensors(source, header);
  return { header, config: llama2cConfig(header), tensors };
}

async function readHeader(source: ByteSource): Promise<Llama2cHeader> {
  const fail = (p: string): never => {
    throw new ModelFormatError(source.name, p);
  };
  if (source.size < LEGACY_HEADER) fail(`too small for a llama2.c checkpoint (${source.size} bytes)`);
  const bytes = await source.read(0, Math.min(V1_HEADER, source.size));
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const isV1 = v.getUint32(0, true) === LLAMA2C_MAGIC;
  if (isV1) {
    if (bytes.byteLength < V1_HEADER) fail('truncated llama2.c version 1 header');
    const version = v.getInt32(4, true);
    if (version !== 1) fail(`llama2.c checkpoint version ${version} is not supported (0 and 1 are)`);
  }
  const p = Array.from({ length: 7 }, (_, i) => v.getInt32((isV1 ? 8 : 0) + 4 * i, true));
  const [dim, hiddenDim, nLayers, nHeads, nKVHeads, vocab, seqLen] = p as [number, number, number, number, number, number, number];
  if (![dim, hiddenDim, nLayers, nHeads, nKVHeads, seqLen].every((x) => x > 0) || vocab === 0) {
    fail(`implausible llama2.c header [${p.join(', ')}]`);
  }
  if (dim % nHeads !== 0 || nHeads % nKVHeads !== 0 || (dim / nHeads) % 2 !== 0) {
    fail(`llama2.c header: dim ${dim}, ${nHeads} heads, ${nKVHeads} kv heads do not divide evenly`);
  }
  return {
    version: isV1 ? 1 : 0,
    dim,
    hiddenDim,
    nLayers,
    nHeads,
    nKVHeads,
    vocabSize: Math.abs(vocab),
    seqLen,
    // legacy: a negative vocab_size means a separate classifier follows the weights
    sharedClassifier: isV1 ? v.getUint8(36) !== 0 : vocab > 0,
  };
}

/** The size the header implies, checked before any per-layer list is built (hostile headers). */
function checkFileSize(source: ByteSource, h: Llama2cHeader): void {
  const { dim, hiddenDim, nLayers, vocabSize } = h;
  const kvDim = (dim * h.nKVHeads) / h.nHeads;
  const perLayer = 2 * dim + 2 * dim * dim + 2 * kvDim * dim + 3 * hiddenDim * dim;
  const ropeTables = h.version === 0 ? h.seqLen * (dim / h.nHeads) : 0;
  const floats = vocabSize * dim * (h.sharedClassifier ? 1 : 2) + nLayers * perLayer + dim + ropeTables;
  const bytes = (h.version === 1 ? V1_HEADER : LEGACY_HEADER) + 4 * floats;
  if (!Number.isSafeInteger(bytes) || bytes !== source.size) {
    throw new ModelFormatError(source.name, `a llama2.c version ${h.version} checkpoint with header [${[dim, hiddenDim, nLayers, h.nHeads, h.nKVHeads, vocabSize, h.seqLen].join(', ')}] is ${bytes} bytes, the file has ${source.size}`);
  }
}

/** [internal name, shape] of each float32 array, in file order; names with "*" repeat per layer. */
function layoutTensors(source: ByteSource, h: Llama2cHeader): TensorEntry[] {
  const { dim, hiddenDim: hidden, nLayers: L, vocabSize: vocab } = h;
  const kvDim = (dim * h.nKVHeads) / h.nHeads;
  const headSize = dim / h.nHeads;
  const perLayer = (name: string, shape: number[]): [string, number[]][] =>
    Array.from({ length: L }, (_, l) => [`blk.${l}.${name}`, shape] as [string, number[]]);
  const matrices = [
    ...perLayer('attn_q.weight', [dim, dim]),
    ...perLayer('attn_k.weight', [kvDim, dim]),
    ...perLayer('attn_v.weight', [kvDim, dim]),
    ...perLayer('attn_output.weight', [dim, dim]),
  ];
  const ffn = [...perLayer('ffn_gate.weight', [hidden, dim]), ...perLayer('ffn_down.weight', [dim, hidden]), ...perLayer('ffn_up.weight', [hidden, dim])];
  const embd: [string, number[]] = ['token_embd.weight', [vocab, dim]];
  const classifier: [string, number[]][] = h.sharedClassifier ? [] : [['output.weight', [vocab, dim]]];
  const ropeTables: [string, number[]][] = [
    ['', [h.seqLen, headSize / 2]],
    ['', [h.seqLen, headSize / 2]],
  ];
  const layout: [string, number[]][] =
    h.version === 1
      ? [...perLayer('attn_norm.weight', [dim]), ...perLayer('ffn_norm.weight', [dim]), ['output_norm.weight', [dim]], embd, ...matrices, ...ffn, ...classifier]
      : [
          embd,
          ...perLayer('attn_norm.weight', [dim]),
          ...matrices,
          ...perLayer('ffn_norm.weight', [dim]),
          ...ffn,
          ['output_norm.weight', [dim]],
          ...ropeTables, // freq_cis_real / freq_cis_imag: not parameters, skipped
          ...classifier,
        ];

  let offset = h.version === 1 ? V1_HEADER : LEGACY_HEADER;
  const tensors: TensorEntry[] = [];
  for (const [name, shape] of layout) {
    const bytes = shape.reduce((a, b) => a * b, 4);
    if (name) tensors.push(storedTensor(source, name, shape, 'F32', offset, bytes));
    offset += bytes;
  }
  if (h.sharedClassifier) tensors.push(aliasTensor(tensors.find((t) => t.name === 'token_embd.weight')!, 'output.weight'));
  return tensors;
}

function llama2cConfig(h: Llama2cHeader): ModelConfig {
  const headDim = h.dim / h.nHeads;
  return {
    architecture: 'llama',
    vocabSize: h.vocabSize,
    hiddenSize: h.dim,
    intermediateSize: h.hiddenDim,
    nLayers: h.nLayers,
    nHeads: h.nHeads,
    nKVHeads: h.nKVHeads,
    headDim,
    contextLength: h.seqLen,
    ropeTheta: 10000,
    ropeDims: headDim,
    ropeType: 'normal',
    normEps: 1e-5,
    normType: 'rms',
    activation: 'silu',
    tiedEmbeddings: h.sharedClassifier,
    qkvBias: false,
    qkNorm: false,
    nExperts: 0,
    nExpertsUsed: 0,
    causal: true,
    extra: { llama2cVersion: h.version },
  };
}
