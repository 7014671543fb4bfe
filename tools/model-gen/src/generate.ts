import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { f32ToBf16, quantize, type DTypeName } from '@ix/core';
import { FileSink, GGUFValueType, writeGGUF, writeSafetensorsFolder, type GGUFTensorInput, type GGUFTypeTag, type SafetensorsTensorInput } from '@ix/llm';
import { tensorValues } from './random.js';
import { isExpertTensor, isGemma, longRopeAttnFactor, longRopeFactors, tensorSpecs, type GeneratedArch, type ModelShape, type TensorSpec } from './shapes.js';
import { generatedTokenizer } from './tokenizers.js';
import { quantMix, type QuantPreset } from './quant-mix.js';
import { TensorPool } from './tensor-pool.js';

export interface GenerateOptions {
  arch: GeneratedArch;
  shape: ModelShape;
  seed: number;
  /** GGUF file to write, with weights quantized as `quant` says */
  gguf?: string;
  /** a single dtype for every matrix, or a llama.cpp mix such as Q4_K_M */
  quant?: QuantPreset;
  /**
   * HF folder to write (config.json, model.safetensors, tokenizer files), weights in F32 or BF16
   * (gpt-oss with quant 'MXFP4': its experts as the checkpoint's MXFP4 blocks and scales, the
   * GGUF's very bytes)
   */
  hf?: string;
  hfDType?: 'F32' | 'BF16';
  /** BERT: the WordPiece tokenizer folder (tokenizer.json, tokenizer_config.json) whose vocabulary the model gets */
  tokenizerDir?: string;
  /**
   * BERT: every token-type row equal to row 0. llama.cpp adds row 0 to every token (it has no token
   * types), so only such a model scores a pair in llama.cpp as in transformers (tests against it)
   */
  identicalTokenTypes?: boolean;
  /**
   * An embedding model's pooling, written as llama.cpp's `<arch>.pooling_type` and as
   * sentence-transformers' 1_Pooling (a decoder so marked is an embedder, as Qwen3-Embedding)
   */
  pooling?: 'mean' | 'cls' | 'last';
  onProgress?: (done: number, total: number, name: string) => void;
  /**
   * Threads that make the GGUF's tensors (worker threads, from the built package only; the file is the
   * same whatever the count). Default 1.
   */
  threads?: number;
}

/**
 * Writes a random-weight model. Values depend only on (seed, tensor name), and are generated in
 * the HF layout; the GGUF gets llama's Q/K rows permuted exactly as convert_hf_to_gguf does, so
 * the GGUF and the safetensors folder hold the same model. MoE experts are generated as the GGUF's
 * 3-D tensor (by its GGUF name); HF expert e is its e-th slice (gpt-oss: all experts in one
 * tensor, gate and up interleaved, MXFP4 as the checkpoint when quant is 'MXFP4').
 */
export async function generateModel(o: GenerateOptions): Promise<void> {
  // EmbeddingGemma pools by the mean (its sentence-transformers 1_Pooling)
  if (o.arch === 'gemma-embedding' && !o.pooling) o = { ...o, pooling: 'mean' };
  const specs = tensorSpecs(o.arch, o.shape);
  const values = (t: TensorSpec) => hfLayoutValues(o, t);
  if (o.gguf) {
    const mix = quantMix(o.quant ?? 'F32', o.shape.nLayers, o.shape.moe?.nExperts);
    const script = (o.threads ?? 1) > 1 ? TensorPool.script() : undefined;
    const { onProgress: _, ...plain } = o;
    const pool = script && new TensorPool(script, o.threads!, plain, specs.map((t, i) => ({ values: t.shape.reduce((a, b) => a * b, 1), pieces: rowPieces(o, i) })));
    let done = 0;
    const tensors: GGUFTensorInput[] = specs.map((t, i) => ({
      name: t.name,
      shape: t.shape,
      dtype: mix(t),
      data: async () => {
        const v = pool ? await pool.tensor(i) : toGGUFLayout(o, t, values(t));
        o.onProgress?.(++done, specs.length, t.name);
        return v;
      },
    }));
    const { metadata, types } = ggufMetadata(o);
    try {
      await writeGGUF(await FileSink.create(o.gguf), { metadata, types, tensors });
    } finally {
      await pool?.close();
    }
  }
  if (o.hf) {
    if (o.arch !== 'bert' && o.arch !== 'xlm-roberta' && o.shape.classifierLabels && o.arch !== 'qwen3') throw new Error('model-gen writes Qwen3 decoder rerankers only (a README marks the folder, as convert_hf_to_gguf reads it)');
    await mkdir(o.hf, { recursive: true });
    const bf16 = o.hfDType === 'BF16';
    const dtype = bf16 ? 'BF16' : 'F32';
    const encode = (v: Float32Array): Uint8Array => {
      if (!bf16) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
      const out = new Uint16Array(v.length);
      for (let i = 0; i < v.length; i++) out[i] = f32ToBf16(v[i]!);
      return new Uint8Array(out.buffer);
    };
    const expert = expertSlicer(values);
    await writeSafetensorsFolder(
      o.hf,
      o.arch === 'gpt-oss' ? gptOssHFTensors(o, specs, values, dtype, encode)
      : o.arch === 'gemma3n' ? gemma3nHFTensors(specs, values, dtype, encode)
      : specs.flatMap((t): SafetensorsTensorInput[] => {
        // a decoder reranker's yes/no head is part of its LM head in the checkpoint; LongRoPE's
        // factors are lists in config.json
        // (the Dense modules' weights live in their own folders)
        if ((isDecoderReranker(o) && t.name === 'cls.output.weight') || t.name.startsWith('rope_factors_') || t.name.startsWith('dense_')) return [];
        if (isExpertTensor(t.name)) {
          const [n, rows, cols] = t.shape as [number, number, number];
          return Array.from({ length: n }, (_, e) => ({ name: hfExpertName(t.name, e, o.arch), shape: [rows, cols], dtype, data: async () => encode(expert(t, e)) }));
        }
        return [
          {
            name: o.arch === 'bert' ? hfBertName(t.name, o.shape.classifierLabels !== undefined) : o.arch === 'xlm-roberta' ? hfXlmRobertaName(t.name, o.shape.classifierLabels !== undefined) : o.arch === 'nomic-bert' ? hfNomicName(t.name) : o.arch === 'gpt2' ? hfGpt2Name(t.name) : o.arch === 'gemma-embedding' ? hfName(t.name, o.arch).replace(/^model\./, '') : hfName(t.name, o.arch),
            shape: gpt2Conv1D(o, t) ? [t.shape[1]!, t.shape[0]!] : robertaPositions(o, t) ? [t.shape[0]! + XLMR_POSITION_OFFSET, t.shape[1]!] : hfShape(t),
            dtype,
            data: async () => encode(gpt2Conv1D(o, t) ? transpose(values(t), t.shape[0]!, t.shape[1]!) : robertaPositions(o, t) ? withUnusedRows(o, t, values(t)) : values(t)),
          },
        ];
      }),
    );
    const tok = generatedTokenizer(o.arch === 'nomic-bert' ? 'bert' : o.arch, o.tokenizerDir);
    await writeFile(join(o.hf, 'config.json'), JSON.stringify(hfConfig(o), null, 2));
    if (((o.arch === 'bert' || o.arch === 'xlm-roberta' || o.arch === 'nomic-bert') && !o.shape.classifierLabels) || o.pooling) await writeSentenceTransformersFiles(o.hf, o.pooling ?? 'mean');
    if (o.shape.dense) await writeDenseModules(o, specs, values, dtype, encode);
    await writeFile(join(o.hf, 'tokenizer.json'), JSON.stringify(tok.tokenizerJson));
    await writeFile(join(o.hf, 'tokenizer_config.json'), JSON.stringify(tok.tokenizerConfig, null, 2));
    for (const [name, bytes] of Object.entries(tok.files ?? {})) await writeFile(join(o.hf, name), bytes);
    // what convert_hf_to_gguf (and ix) read to tell a Qwen3-Reranker from a Qwen3 chat model
    if (isDecoderReranker(o)) await writeFile(join(o.hf, 'README.md'), '# Qwen3-Reranker (random weights written by ix model-gen)\n');
  }
}

/**
 * Expert e's matrix from a 3-D expert tensor. The safetensors writer asks for the slices in order
 * (one tensor's experts, then the next tensor's), so each 3-D tensor is generated once and only
 * one is held at a time: real MoE layers are hundreds of MB each.
 */
function expertSlicer(values: (t: TensorSpec) => Float32Array): (t: TensorSpec, e: number) => Float32Array {
  let held: { name: string; v: Float32Array } | undefined;
  return (t, e) => {
    if (held?.name !== t.name) held = { name: t.name, v: values(t) };
    const size = t.shape[1]! * t.shape[2]!;
    const slice = held.v.subarray(e * size, (e + 1) * size);
    if (e === t.shape[0]! - 1) held = undefined;
    return slice;
  };
}

/**
 * gpt-oss's safetensors, as openai/gpt-oss-20b holds them: per layer one `mlp.experts.gate_up_proj`
 * whose rows (or, stored [in, out], columns) 2i and 2i+1 are gate row i and up row i, and one
 * `down_proj`, each with a `_bias` beside it ([E, 2F] interleaved likewise, [E, H]). With quant
 * 'MXFP4' they are the checkpoint's `_blocks` (U8 [E, rows, K/32, 16]) and `_scales` (U8
 * [E, rows, K/32]) holding the same quantized values as the GGUF; otherwise plain matrices
 * [E, in, out] in the folder's dtype, which convert_hf_to_gguf transposes back. The rest maps name
 * for name (sinks as `self_attn.sinks`).
 */
function gptOssHFTensors(
  o: GenerateOptions,
  specs: TensorSpec[],
  values: (t: TensorSpec) => Float32Array,
  dtype: 'F32' | 'BF16',
  encode: (v: Float32Array) => Uint8Array,
): SafetensorsTensorInput[] {
  const { nExperts: E, expertFfn: F } = o.shape.moe!;
  const H = o.shape.hiddenSize;
  const byName = new Map(specs.map((t) => [t.name, t]));
  const spec = (name: string) => byName.get(name)!;
  const mxfp4 = o.quant === 'MXFP4';
  // blocks and scales come from the same quantized tensors: the writer asks for _blocks, then
  // _scales, so the pair is computed once and held until its scales are taken
  let held: { key: string; blocks: Uint8Array; scales: Uint8Array } | undefined;
  const blocksAndScales = (key: string, parts: TensorSpec[], rows: number, k: number) => {
    if (held?.key !== key) held = { key, ...hfMxfp4(parts.map((t) => quantize('MXFP4', toGGUFLayout(o, t, values(t)))), E, rows, k) };
    return held;
  };
  const out: SafetensorsTensorInput[] = [];
  for (const t of specs) {
    const m = /^blk\.(\d+)\.ffn_(gate|up|down)_exps\.(weight|bias)$/.exec(t.name);
    if (!m) {
      out.push({ name: hfName(t.name, 'gpt-oss'), shape: t.shape, dtype, data: async () => encode(values(t)) });
      continue;
    }
    const [, l, which, part] = m as unknown as [string, string, 'gate' | 'up' | 'down', 'weight' | 'bias'];
    // up is written with gate, as one interleaved tensor
    if (which === 'up') continue;
    const p = `model.layers.${l}.mlp.experts.`;
    const parts = which === 'gate' ? [t, spec(`blk.${l}.ffn_up_exps.${part}`)] : [t];
    const [base, rows, k] = which === 'gate' ? ['gate_up_proj', 2 * F, H] : ['down_proj', H, F];
    if (part === 'bias') {
      out.push({ name: `${p}${base}_bias`, shape: [E, rows], dtype, data: async () => encode(interleave(parts.map(values), E * (rows / parts.length), 1)) });
    } else if (mxfp4) {
      const key = `${p}${base}`;
      out.push(
        { name: `${key}_blocks`, shape: [E, rows, k / 32, 16], dtype: 'U8', data: async () => blocksAndScales(key, parts, rows, k).blocks },
        {
          name: `${key}_scales`,
          shape: [E, rows, k / 32],
          dtype: 'U8',
          data: async () => {
            const { scales } = blocksAndScales(key, parts, rows, k);
            held = undefined;
            return scales;
          },
        },
      );
    } else {
      // [E, rows, k] (rows interleaved) stored transposed, [E, k, rows]: element (e, c, r) is
      // element c of row r / n of source r % n
      out.push({
        name: `${p}${base}`,
        shape: [E, k, rows],
        dtype,
        data: async () => {
          const src = parts.map(values);
          const n = src.length;
          const tr = new Float32Array(E * rows * k);
          for (let e = 0; e < E; e++) {
            for (let r = 0; r < rows; r++) {
              const from = src[r % n]!;
              const at = (e * (rows / n) + Math.floor(r / n)) * k;
              for (let c = 0; c < k; c++) tr[(e * k + c) * rows + r] = from[at + c]!;
            }
          }
          return encode(tr);
        },
      });
    }
  }
  return out;
}

/** rows of `width` from each source in turn: row n * i + s of the result is row i of sources[s] */
function interleave(sources: Float32Array[], rowsEach: number, width: number): Float32Array {
  if (sources.length === 1) return sources[0]!;
  const n = sources.length;
  const out = new Float32Array(n * rowsEach * width);
  for (let i = 0; i < rowsEach; i++) for (let s = 0; s < n; s++) out.set(sources[s]!.subarray(i * width, (i + 1) * width), (n * i + s) * width);
  return out;
}

/**
 * ggml MXFP4 tensors [E, rows / n, k] (17-byte blocks: the E8M0 exponent, then 16 bytes whose low
 * nibbles are elements 0..15 and high nibbles 16..31), their rows interleaved, as the checkpoint's
 * `_scales` [E, rows, k/32] (the same exponents) and `_blocks` [E, rows, k/32, 16], whose byte i
 * holds element 2i in its low nibble and 2i + 1 in its high one (conversion/gpt_oss.py's
 * transform_nibble_layout undoes this)
 */
function hfMxfp4(sources: Uint8Array[], E: number, rows: number, k: number): { blocks: Uint8Array; scales: Uint8Array } {
  const nb = k / 32;
  const n = sources.length;
  const blocks = new Uint8Array(E * rows * nb * 16);
  const scales = new Uint8Array(E * rows * nb);
  for (let r = 0; r < E * rows; r++) {
    // global row r (expert-major) is row r / n of source r % n, the expert's rows being contiguous
    const src = sources[r % n]!;
    const row = Math.floor(r / n);
    for (let b = 0; b < nb; b++) {
      const g = (row * nb + b) * 17;
      const to = r * nb + b;
      scales[to] = src[g]!;
      const el = (j: number) => (j < 16 ? src[g + 1 + j]! & 15 : src[g + 1 + j - 16]! >> 4);
      for (let i = 0; i < 16; i++) blocks[to * 16 + i] = el(2 * i) | (el(2 * i + 1) << 4);
    }
  }
  return { blocks, scales };
}

/** Qwen2-MoE's shared-expert gate is 1-D in GGUF, a [1, hidden] Linear in HF */
function hfShape(t: TensorSpec): number[] {
  return /\.ffn_gate_inp_shexp\.weight$/.test(t.name) ? [1, t.shape[0]!] : t.shape;
}

/** GPT-2's Conv1D layers store their matrices [in, out]: the transpose of the GGUF (llama.cpp) layout */
function gpt2Conv1D(o: GenerateOptions, t: TensorSpec): boolean {
  return o.arch === 'gpt2' && /\.(attn_qkv|attn_output|ffn_up|ffn_down)\.weight$/.test(t.name);
}

function transpose(v: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(v.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = v[r * cols + c]!;
  return out;
}

const HF_GPT2_NAMES: [RegExp, string][] = [
  [/^token_embd\.weight$/, 'transformer.wte.weight'],
  [/^position_embd\.weight$/, 'transformer.wpe.weight'],
  [/^output_norm\.(weight|bias)$/, 'transformer.ln_f.$1'],
  [/^blk\.(\d+)\.attn_norm\.(weight|bias)$/, 'transformer.h.$1.ln_1.$2'],
  [/^blk\.(\d+)\.attn_qkv\.(weight|bias)$/, 'transformer.h.$1.attn.c_attn.$2'],
  [/^blk\.(\d+)\.attn_output\.(weight|bias)$/, 'transformer.h.$1.attn.c_proj.$2'],
  [/^blk\.(\d+)\.ffn_norm\.(weight|bias)$/, 'transformer.h.$1.ln_2.$2'],
  [/^blk\.(\d+)\.ffn_up\.(weight|bias)$/, 'transformer.h.$1.mlp.c_fc.$2'],
  [/^blk\.(\d+)\.ffn_down\.(weight|bias)$/, 'transformer.h.$1.mlp.c_proj.$2'],
];

/** GPT2LMHeadModel's safetensors name of a GGUF tensor */
export function hfGpt2Name(name: string): string {
  for (const [re, hf] of HF_GPT2_NAMES) if (re.test(name)) return name.replace(re, hf);
  throw new Error(`no HF name for ${name}`);
}

function isDecoderReranker(o: GenerateOptions): boolean {
  return o.shape.classifierLabels !== undefined && o.arch !== 'bert' && o.arch !== 'xlm-roberta';
}

/** A decoder reranker's cls.output: its LM head's rows of "yes" and "no", as convert_hf_to_gguf takes them */
function rerankerHeadRows(o: GenerateOptions, t: TensorSpec): Float32Array {
  const vocab = (generatedTokenizer(o.arch as Exclude<GeneratedArch, 'nomic-bert'>).tokenizerJson.model as { vocab: Record<string, number> }).vocab;
  const head = o.shape.tiedEmbeddings ? 'token_embd.weight' : 'output.weight';
  const width = t.shape[1]!;
  const all = hfLayoutValues(o, tensorSpecs(o.arch, o.shape).find((s) => s.name === head)!);
  const out = new Float32Array(2 * width);
  [vocab['yes']!, vocab['no']!].forEach((id, i) => out.set(all.subarray(id * width, (id + 1) * width), i * width));
  return out;
}

/**
 * Tensor `index` of the GGUF as the file holds it, or its rows [first, end) (a worker's job:
 * tensor-pool.ts; rows only where `rowPieces` offers them).
 */
export function ggufTensorBytes(o: GenerateOptions, index: number, rows?: readonly [number, number]): Uint8Array {
  const t = tensorSpecs(o.arch, o.shape)[index];
  if (!t) throw new Error(`the model has no tensor ${index}`);
  let v: Float32Array;
  if (rows) {
    const width = t.shape[t.shape.length - 1]!;
    v = tensorValues(o.seed, t.name, (rows[1] - rows[0]) * width, t.kind, width, rows[0] * width);
  } else {
    v = toGGUFLayout(o, t, hfLayoutValues(o, t));
  }
  const dtype = quantMix(o.quant ?? 'F32', o.shape.nLayers, o.shape.moe?.nExperts)(t);
  return dtype === 'F32' ? new Uint8Array(v.buffer, v.byteOffset, v.byteLength) : quantize(dtype, v);
}

/** Values per piece of a tensor split over threads: enough work for one message. */
const PIECE_VALUES = 1 << 23;

/**
 * Row ranges a big tensor can be made in, each alone (its values are plain tensorValues of its name
 * and the GGUF keeps the generated layout), or undefined: made whole.
 */
export function rowPieces(o: GenerateOptions, index: number, pieceValues = PIECE_VALUES): [number, number][] | undefined {
  const t = tensorSpecs(o.arch, o.shape)[index]!;
  const width = t.shape[t.shape.length - 1]!;
  const rows = t.shape.reduce((a, b) => a * b, 1) / width;
  if (rows * width <= pieceValues || width === 0) return undefined;
  const special = isDecoderReranker(o) && t.name === 'cls.output.weight' || /^rope_factors_/.test(t.name) || (isGemma(o.arch) && t.kind === 'norm') || (o.identicalTokenTypes && t.name === 'token_types.weight');
  const permuted = (o.arch === 'llama' || o.arch === 'granite' || o.arch === 'mixtral') && /\.attn_[qk]\.weight$/.test(t.name);
  if (special || permuted) return undefined;
  const per = Math.max(1, Math.floor(pieceValues / width));
  const pieces: [number, number][] = [];
  for (let r = 0; r < rows; r += per) pieces.push([r, Math.min(rows, r + per)]);
  return pieces;
}

function hfLayoutValues(o: GenerateOptions, t: TensorSpec): Float32Array {
  const count = t.shape.reduce((a, b) => a * b, 1);
  if (isDecoderReranker(o) && t.name === 'cls.output.weight') return rerankerHeadRows(o, t);
  if (t.name === 'rope_factors_long.weight' || t.name === 'rope_factors_short.weight') return Float32Array.from(longRopeFactors(o.shape)[t.name === 'rope_factors_long.weight' ? 'long' : 'short']);
  // Gemma's RMS norms multiply by 1 + w: HF stores w (the generated norm minus 1), GGUF 1 + w
  if (isGemma(o.arch) && t.kind === 'norm') return tensorValues(o.seed, t.name, count, t.kind, t.shape[0]!).map((v) => v - 1);
  if (o.identicalTokenTypes && t.name === 'token_types.weight') {
    const width = t.shape[1]!;
    const row = tensorValues(o.seed, t.name, width, t.kind, width);
    const out = new Float32Array(count);
    for (let r = 0; r < t.shape[0]!; r++) out.set(row, r * width);
    return out;
  }
  return tensorValues(o.seed, t.name, count, t.kind, t.shape[t.shape.length - 1]!);
}

/** convert_hf_to_gguf's LlamaModel.permute on q/k rows: (head, 2, d/2) -> (head, d/2, 2) */
function toGGUFLayout(o: GenerateOptions, t: TensorSpec, v: Float32Array): Float32Array {
  if (isGemma(o.arch) && t.kind === 'norm') return v.map((w) => w + 1);
  const heads = /\.attn_q\.weight$/.test(t.name) ? o.shape.nHeads : /\.attn_k\.weight$/.test(t.name) ? o.shape.nKVHeads : 0;
  // convert_hf_to_gguf's LlamaModel and its subclass GraniteModel permute (Mixtral converts as LlamaModel)
  if ((o.arch !== 'llama' && o.arch !== 'granite' && o.arch !== 'mixtral') || !heads) return v;
  const [rows, cols] = t.shape as [number, number];
  const hd = rows / heads;
  const out = new Float32Array(v.length);
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < hd / 2; i++) {
      for (let j = 0; j < 2; j++) {
        const src = h * hd + j * (hd / 2) + i;
        const dst = h * hd + 2 * i + j;
        out.set(v.subarray(src * cols, (src + 1) * cols), dst * cols);
      }
    }
  }
  return out;
}

// Gemma's and OLMo 2's names where they differ (their post_attention_layernorm is the attention output's norm)
const HF_POST_NORM_LAYER_NAMES: Record<string, string> = {
  post_attention_norm: 'post_attention_layernorm',
  ffn_norm: 'pre_feedforward_layernorm',
  post_ffw_norm: 'post_feedforward_layernorm',
};

// StarCoder2's ungated MLP
const HF_STARCODER2_LAYER_NAMES: Record<string, string> = { ffn_up: 'mlp.c_fc', ffn_down: 'mlp.c_proj' };

const HF_LAYER_NAMES: Record<string, string> = {
  attn_norm: 'input_layernorm',
  attn_q: 'self_attn.q_proj',
  attn_k: 'self_attn.k_proj',
  attn_v: 'self_attn.v_proj',
  attn_output: 'self_attn.o_proj',
  attn_q_norm: 'self_attn.q_norm',
  attn_k_norm: 'self_attn.k_norm',
  ffn_norm: 'post_attention_layernorm',
  ffn_gate: 'mlp.gate_proj',
  ffn_up: 'mlp.up_proj',
  ffn_down: 'mlp.down_proj',
  // Phi-3's fused Q, K and V
  attn_qkv: 'self_attn.qkv_proj',
  // MoE: the router; Qwen2-MoE's shared expert and its gate
  ffn_gate_inp: 'mlp.gate',
  ffn_gate_inp_shexp: 'mlp.shared_expert_gate',
  ffn_gate_shexp: 'mlp.shared_expert.gate_proj',
  ffn_up_shexp: 'mlp.shared_expert.up_proj',
  ffn_down_shexp: 'mlp.shared_expert.down_proj',
};

// gpt-oss's: the pre-FFN norm (llama.cpp's post_attention_norm), the router (its experts are written apart)
const HF_GPT_OSS_LAYER_NAMES: Record<string, string> = { post_attention_norm: 'post_attention_layernorm', ffn_gate_inp: 'mlp.router' };

// Mixtral's MoE block and its experts' w1 (gate), w3 (up), w2 (down)
const HF_MIXTRAL_LAYER_NAMES: Record<string, string> = { ffn_gate_inp: 'block_sparse_moe.gate' };
const HF_EXPERT_PROJ: Record<string, string> = { gate: 'gate_proj', up: 'up_proj', down: 'down_proj' };
const HF_MIXTRAL_EXPERT_PROJ: Record<string, string> = { gate: 'w1', up: 'w3', down: 'w2' };

/** The HF name of expert `e`'s slice of a GGUF 3-D expert tensor */
export function hfExpertName(name: string, e: number, arch: GeneratedArch): string {
  const m = /^blk\.(\d+)\.ffn_(gate|up|down)_exps\.weight$/.exec(name);
  if (!m) throw new Error(`${name} is not an expert tensor`);
  const mixtral = arch === 'mixtral';
  return `model.layers.${m[1]}.${mixtral ? 'block_sparse_moe' : 'mlp'}.experts.${e}.${(mixtral ? HF_MIXTRAL_EXPERT_PROJ : HF_EXPERT_PROJ)[m[2]!]}.weight`;
}

export function hfName(name: string, arch: GeneratedArch = 'llama'): string {
  if (name === 'token_embd.weight') return 'model.embed_tokens.weight';
  if (name === 'output_norm.weight' || name === 'output_norm.bias') return name.replace('output_norm', 'model.norm');
  if (name === 'output.weight') return 'lm_head.weight';
  const m = /^blk\.(\d+)\.(\w+)\.(weight|bias)$/.exec(name);
  // gpt-oss's sinks are a bare parameter (convert_hf_to_gguf appends the .weight)
  if (arch === 'gpt-oss' && m?.[2] === 'attn_sinks') return `model.layers.${m[1]}.self_attn.sinks`;
  const postNorms = isGemma(arch) || arch === 'olmo2';
  // Phi-3's ffn_up holds the gate rows, then the up rows: HF's gate_up_proj
  const own =
    arch === 'phi3' && m?.[2] === 'ffn_up' ? 'mlp.gate_up_proj'
    : postNorms ? HF_POST_NORM_LAYER_NAMES[m?.[2] ?? '']
    : arch === 'starcoder2' ? HF_STARCODER2_LAYER_NAMES[m?.[2] ?? '']
    : arch === 'mixtral' ? HF_MIXTRAL_LAYER_NAMES[m?.[2] ?? '']
    : arch === 'gpt-oss' ? HF_GPT_OSS_LAYER_NAMES[m?.[2] ?? '']
    : undefined;
  const layerName = m && (own ?? HF_LAYER_NAMES[m[2]!]);
  if (!m || !layerName) throw new Error(`no HF name for ${name}`);
  return `model.layers.${m[1]}.${layerName}.${m[3]}`;
}

/** the rerank template llama.cpp's converter writes for Qwen3-Reranker ({query}, {document}) */
const QWEN3_RERANK_TEMPLATE =
  '<|im_start|>system\nJudge whether the Document meets the requirements based on the Query and the Instruct provided. Note that the answer can only be "yes" or "no".<|im_end|>\n<|im_start|>user\n<Instruct>: Given a web search query, retrieve relevant passages that answer the query\n<Query>: {query}\n<Document>: {document}<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n';

/** llama.cpp's enum llama_pooling_type */
const POOLING_TYPE = { mean: 1, cls: 2, last: 3 } as const;

const HF_BERT_NAMES: [RegExp, string][] = [
  [/^token_embd\.weight$/, 'embeddings.word_embeddings.weight'],
  [/^position_embd\.weight$/, 'embeddings.position_embeddings.weight'],
  [/^token_types\.weight$/, 'embeddings.token_type_embeddings.weight'],
  [/^token_embd_norm\.(weight|bias)$/, 'embeddings.LayerNorm.$1'],
  [/^blk\.(\d+)\.attn_q\.(weight|bias)$/, 'encoder.layer.$1.attention.self.query.$2'],
  [/^blk\.(\d+)\.attn_k\.(weight|bias)$/, 'encoder.layer.$1.attention.self.key.$2'],
  [/^blk\.(\d+)\.attn_v\.(weight|bias)$/, 'encoder.layer.$1.attention.self.value.$2'],
  [/^blk\.(\d+)\.attn_output\.(weight|bias)$/, 'encoder.layer.$1.attention.output.dense.$2'],
  [/^blk\.(\d+)\.attn_output_norm\.(weight|bias)$/, 'encoder.layer.$1.attention.output.LayerNorm.$2'],
  [/^blk\.(\d+)\.ffn_up\.(weight|bias)$/, 'encoder.layer.$1.intermediate.dense.$2'],
  [/^blk\.(\d+)\.ffn_down\.(weight|bias)$/, 'encoder.layer.$1.output.dense.$2'],
  [/^blk\.(\d+)\.layer_output_norm\.(weight|bias)$/, 'encoder.layer.$1.output.LayerNorm.$2'],
];

/** BertModel's safetensors name of a GGUF tensor (BertForSequenceClassification's, under "bert.", with its head) */
export function hfBertName(name: string, classifier = false): string {
  if (classifier && /^cls\.output\.(weight|bias)$/.test(name)) return name.replace(/^cls\.output\./, 'classifier.');
  if (classifier && /^cls\.(weight|bias)$/.test(name)) return name.replace(/^cls\./, 'bert.pooler.dense.');
  for (const [re, hf] of HF_BERT_NAMES) if (re.test(name)) return (classifier ? 'bert.' : '') + name.replace(re, hf);
  throw new Error(`no HF name for ${name}`);
}

/** XLMRobertaModel's safetensors name of a GGUF tensor (XLMRobertaForSequenceClassification's under "roberta.", its head as classifier.dense / out_proj) */
export function hfXlmRobertaName(name: string, classifier = false): string {
  if (classifier && /^cls\.output\.(weight|bias)$/.test(name)) return name.replace(/^cls\.output\./, 'classifier.out_proj.');
  if (classifier && /^cls\.(weight|bias)$/.test(name)) return name.replace(/^cls\./, 'classifier.dense.');
  return (classifier ? 'roberta.' : '') + hfBertName(name);
}

const HF_NOMIC_NAMES: [RegExp, string][] = [
  [/^token_embd\.weight$/, 'embeddings.word_embeddings.weight'],
  [/^token_types\.weight$/, 'embeddings.token_type_embeddings.weight'],
  [/^token_embd_norm\.(weight|bias)$/, 'emb_ln.$1'],
  [/^blk\.(\d+)\.attn_qkv\.weight$/, 'encoder.layers.$1.attn.Wqkv.weight'],
  [/^blk\.(\d+)\.attn_output\.weight$/, 'encoder.layers.$1.attn.out_proj.weight'],
  [/^blk\.(\d+)\.attn_output_norm\.(weight|bias)$/, 'encoder.layers.$1.norm1.$2'],
  [/^blk\.(\d+)\.ffn_up\.weight$/, 'encoder.layers.$1.mlp.fc11.weight'],
  [/^blk\.(\d+)\.ffn_gate\.weight$/, 'encoder.layers.$1.mlp.fc12.weight'],
  [/^blk\.(\d+)\.ffn_down\.weight$/, 'encoder.layers.$1.mlp.fc2.weight'],
  [/^blk\.(\d+)\.layer_output_norm\.(weight|bias)$/, 'encoder.layers.$1.norm2.$2'],
];

/** NomicBertModel's safetensors name of a GGUF tensor (nomic-embed-text v1.5's checkpoint) */
export function hfNomicName(name: string): string {
  for (const [re, hf] of HF_NOMIC_NAMES) if (re.test(name)) return name.replace(re, hf);
  throw new Error(`no HF name for ${name}`);
}

/** RoBERTa numbers positions from pad_token_id + 1 = 2: its table has two rows before the GGUF's */
const XLMR_POSITION_OFFSET = 2;

function robertaPositions(o: GenerateOptions, t: TensorSpec): boolean {
  return o.arch === 'xlm-roberta' && t.name === 'position_embd.weight';
}

/** the HF position table: two rows no position reads (random, so reading them would show), then the GGUF's rows */
function withUnusedRows(o: GenerateOptions, t: TensorSpec, v: Float32Array): Float32Array {
  const width = t.shape[1]!;
  const out = new Float32Array(v.length + XLMR_POSITION_OFFSET * width);
  out.set(tensorValues(o.seed, 'position_embd.unused', XLMR_POSITION_OFFSET * width, t.kind, width));
  out.set(v, XLMR_POSITION_OFFSET * width);
  return out;
}

/** sentence-transformers' module list (Transformer, mean Pooling, Normalize), as all-MiniLM ships it */
async function writeSentenceTransformersFiles(dir: string, pooling: 'mean' | 'cls' | 'last'): Promise<void> {
  const modules = [
    { idx: 0, name: '0', path: '', type: 'sentence_transformers.models.Transformer' },
    { idx: 1, name: '1', path: '1_Pooling', type: 'sentence_transformers.models.Pooling' },
    { idx: 2, name: '2', path: '2_Normalize', type: 'sentence_transformers.models.Normalize' },
  ];
  await writeFile(join(dir, 'modules.json'), JSON.stringify(modules, null, 2));
  await mkdir(join(dir, '1_Pooling'), { recursive: true });
  const mode = { pooling_mode_cls_token: pooling === 'cls', pooling_mode_mean_tokens: pooling === 'mean', pooling_mode_max_tokens: false, pooling_mode_mean_sqrt_len_tokens: false, pooling_mode_lasttoken: pooling === 'last' };
  await writeFile(join(dir, '1_Pooling', 'config.json'), JSON.stringify(mode, null, 2));
}

// Gemma 3n's checkpoint names of its layer tensors (GGUF name -> name under model.language_model.layers.N.)
const HF_GEMMA3N_LAYER: Record<string, string> = {
  attn_norm: 'input_layernorm.weight', attn_q: 'self_attn.q_proj.weight', attn_k: 'self_attn.k_proj.weight', attn_v: 'self_attn.v_proj.weight',
  attn_output: 'self_attn.o_proj.weight', attn_q_norm: 'self_attn.q_norm.weight', attn_k_norm: 'self_attn.k_norm.weight',
  post_attention_norm: 'post_attention_layernorm.weight', ffn_norm: 'pre_feedforward_layernorm.weight', ffn_gate: 'mlp.gate_proj.weight',
  ffn_up: 'mlp.up_proj.weight', ffn_down: 'mlp.down_proj.weight', post_ffw_norm: 'post_feedforward_layernorm.weight',
  inp_gate: 'per_layer_input_gate.weight', proj: 'per_layer_projection.weight', post_norm: 'post_per_layer_input_norm.weight',
  altup_correct_coef: 'altup.correction_coefs.weight', altup_correct_scale: 'altup.correct_output_scale', altup_predict_coef: 'altup.prediction_coefs.weight',
  altup_router: 'altup.modality_router.weight', altup_router_norm: 'altup.router_norm.weight', laurel_l: 'laurel.linear_left.weight',
  laurel_r: 'laurel.linear_right.weight', laurel_post_norm: 'laurel.post_laurel_norm.weight',
};
const HF_GEMMA3N_GLOBAL: Record<string, string> = {
  'token_embd.weight': 'embed_tokens.weight', 'per_layer_token_embd.weight': 'embed_tokens_per_layer.weight', 'per_layer_model_proj.weight': 'per_layer_model_projection.weight',
  'per_layer_proj_norm.weight': 'per_layer_projection_norm.weight', 'output_norm.weight': 'norm.weight',
};

/**
 * Gemma 3n's safetensors as google/gemma-3n-E2B-it holds its text model: names under
 * model.language_model., the AltUp projections as lists of three matrices, and a small stand-in
 * for the vision tower (which ix drops)
 */
function gemma3nHFTensors(specs: TensorSpec[], values: (t: TensorSpec) => Float32Array, dtype: 'F32' | 'BF16', encode: (v: Float32Array) => Uint8Array): SafetensorsTensorInput[] {
  const lm = 'model.language_model.';
  const out: SafetensorsTensorInput[] = [];
  for (const t of specs) {
    const stacked = /^altup_(unembd_)?proj\.weight$/.exec(t.name);
    if (stacked) {
      const [n, rows, cols] = t.shape as [number, number, number];
      for (let k = 0; k < n; k++) out.push({ name: `${lm}altup_${stacked[1] ? 'unembed_' : ''}projections.${k}.weight`, shape: [rows, cols], dtype, data: async () => encode(values(t).slice(k * rows * cols, (k + 1) * rows * cols)) });
      continue;
    }
    const layer = /^blk\.(\d+)\.(\w+)\.weight$/.exec(t.name);
    const name = layer ? `${lm}layers.${layer[1]}.${HF_GEMMA3N_LAYER[layer[2]!]}` : HF_GEMMA3N_GLOBAL[t.name] ? lm + HF_GEMMA3N_GLOBAL[t.name] : undefined;
    if (!name || name.endsWith('undefined')) throw new Error(`no HF name for ${t.name}`);
    out.push({ name, shape: t.shape, dtype, data: async () => encode(values(t)) });
  }
  const stem = new Float32Array(8 * 3 * 3 * 3).fill(0.5);
  out.push({ name: 'model.vision_tower.timm_model.conv_stem.conv.weight', shape: [8, 3, 3, 3], dtype, data: async () => encode(stem) });
  return out;
}

/** Gemma3nForConditionalGeneration's config.json: the text model's Gemma3nTextConfig as its text_config */
function gemma3nConfig(o: GenerateOptions): Record<string, unknown> {
  const s = o.shape;
  const g = s.gemma3n!;
  const period = s.slidingWindowPattern ?? 5;
  const text = {
    model_type: 'gemma3n_text',
    vocab_size: s.vocabSize,
    vocab_size_per_layer_input: s.vocabSize,
    hidden_size: s.hiddenSize,
    hidden_size_per_layer_input: g.perLayerDim,
    intermediate_size: new Array<number>(s.nLayers).fill(s.intermediateSize),
    num_hidden_layers: s.nLayers,
    num_attention_heads: s.nHeads,
    num_key_value_heads: s.nKVHeads,
    head_dim: s.headDim ?? s.hiddenSize / s.nHeads,
    hidden_activation: 'gelu_pytorch_tanh',
    max_position_embeddings: s.contextLength,
    rms_norm_eps: s.normEps,
    rope_theta: s.ropeTheta,
    rope_local_base_freq: s.ropeThetaSwa ?? 10000,
    rope_scaling: null,
    sliding_window: s.slidingWindow,
    layer_types: Array.from({ length: s.nLayers }, (_, l) => (l % period < period - 1 ? 'sliding_attention' : 'full_attention')),
    final_logit_softcapping: s.finalSoftcap ?? 30,
    altup_active_idx: 0,
    altup_coef_clip: 120,
    altup_correct_scale: true,
    altup_num_inputs: 4,
    num_kv_shared_layers: g.sharedKvLayers,
    laurel_rank: g.laurelRank,
    activation_sparsity_pattern: Array.from({ length: s.nLayers }, (_, l) => (l < g.sparseLayers ? 0.95 : 0)),
    torch_dtype: o.hfDType === 'BF16' ? 'bfloat16' : 'float32',
  };
  return { architectures: ['Gemma3nForConditionalGeneration'], model_type: 'gemma3n', text_config: text, vision_config: { model_type: 'gemma3n_vision' }, audio_config: { model_type: 'gemma3n_audio' }, tie_word_embeddings: true };
}

/**
 * EmbeddingGemma's Dense modules as sentence-transformers saves them: 2_Dense and 3_Dense, each a
 * `linear.weight` (no bias, identity activation) and its config.json, listed in modules.json
 * between the pooling and the normalization
 */
async function writeDenseModules(o: GenerateOptions, specs: TensorSpec[], values: (t: TensorSpec) => Float32Array, dtype: 'F32' | 'BF16', encode: (v: Float32Array) => Uint8Array): Promise<void> {
  const dir = o.hf!;
  const modules = JSON.parse(await readFile(join(dir, 'modules.json'), 'utf8')) as { idx: number; name: string; path: string; type: string }[];
  const normalize = modules.filter((m) => m.type.endsWith('Normalize'));
  const rest = modules.filter((m) => !m.type.endsWith('Normalize'));
  for (const [i, name] of (['dense_2', 'dense_3'] as const).entries()) {
    const t = specs.find((s) => s.name === `${name}.weight`)!;
    const folder = `${2 + i}_Dense`;
    await writeSafetensorsFolder(join(dir, folder), [{ name: 'linear.weight', shape: t.shape, dtype, data: async () => encode(values(t)) }]);
    const conf = { in_features: t.shape[1], out_features: t.shape[0], bias: false, activation_function: 'torch.nn.modules.linear.Identity' };
    await writeFile(join(dir, folder, 'config.json'), JSON.stringify(conf, null, 2));
    rest.push({ idx: 0, name: '', path: folder, type: 'sentence_transformers.models.Dense' });
  }
  const all = [...rest, ...normalize].map((m, idx) => ({ ...m, idx, name: String(idx), ...(m.type.endsWith('Normalize') && { path: `${idx}_Normalize` }) }));
  await writeFile(join(dir, 'modules.json'), JSON.stringify(all, null, 2));
}

/** The architecture's name in GGUF: convert_hf_to_gguf writes Mixtral as llama with experts. */
function ggufArch(arch: GeneratedArch): string {
  return arch === 'mixtral' ? 'llama' : arch === 'xlm-roberta' ? 'bert' : arch;
}

/** The size keys every architecture has (`<arch>.context_length`, ...). */
function sizeKeys(o: GenerateOptions): Record<string, number> {
  const s = o.shape;
  const a = ggufArch(o.arch);
  // llama.cpp reads OLMoE's and Mixtral's expert width from feed_forward_length
  const ffn = o.arch === 'olmoe' || o.arch === 'mixtral' ? s.moe!.expertFfn : s.intermediateSize;
  return {
    [`${a}.context_length`]: s.contextLength,
    [`${a}.embedding_length`]: s.hiddenSize,
    [`${a}.block_count`]: s.nLayers,
    [`${a}.feed_forward_length`]: ffn,
    [`${a}.attention.head_count`]: s.nHeads,
  };
}

/** convert_hf_to_gguf's expert keys; Qwen's MoE also write the experts' own widths */
function moeKeys(o: GenerateOptions): Record<string, number> {
  const m = o.shape.moe;
  if (!m) return {};
  const a = ggufArch(o.arch);
  const qwen = o.arch === 'qwen3moe' || o.arch === 'qwen2moe';
  return {
    [`${a}.expert_count`]: m.nExperts,
    [`${a}.expert_used_count`]: m.nUsed,
    ...(qwen && { [`${a}.expert_feed_forward_length`]: m.expertFfn }),
    ...(m.sharedFfn && { [`${a}.expert_shared_feed_forward_length`]: m.sharedFfn }),
  };
}

function ggufMetadata(o: GenerateOptions): { metadata: Record<string, unknown>; types: Record<string, GGUFTypeTag> } {
  if (o.arch === 'bert' || o.arch === 'xlm-roberta' || o.arch === 'nomic-bert') return bertGGUFMetadata(o);
  if (o.arch === 'gpt-oss') return gptOssGGUFMetadata(o);
  const s = o.shape;
  const a = ggufArch(o.arch);
  const hd = s.headDim ?? s.hiddenSize / s.nHeads;
  const u32: Record<string, number> = {
    ...sizeKeys(o),
    ...moeKeys(o),
    [`${a}.attention.head_count_kv`]: s.nKVHeads,
    [`${a}.rope.dimension_count`]: hd,
    [`${a}.attention.key_length`]: hd,
    [`${a}.attention.value_length`]: hd,
    'general.alignment': 32,
  };
  if (o.pooling) u32[`${a}.pooling_type`] = POOLING_TYPE[o.pooling];
  if (s.classifierLabels) u32[`${a}.pooling_type`] = 4; // rank
  // StarCoder2, GPT-2 and Command-R use LayerNorm (and GPT-2 no rope)
  const layerNorm = a === 'starcoder2' || a === 'gpt2' || a === 'command-r' || a === 'cohere2';
  const f32: Record<string, number> = {
    ...(a !== 'gpt2' && { [`${a}.rope.freq_base`]: s.ropeTheta }),
    [layerNorm ? `${a}.attention.layer_norm_epsilon` : `${a}.attention.layer_norm_rms_epsilon`]: s.normEps,
  };
  // as convert_hf_to_gguf's Gemma2Model / Gemma3Model write them
  const strings: Record<string, string> = {};
  if (s.slidingWindow) u32[`${a}.attention.sliding_window`] = s.slidingWindow;
  if (s.slidingWindowPattern && !s.gemma3n) u32[`${a}.attention.sliding_window_pattern`] = s.slidingWindowPattern;
  if (s.attnSoftcap) f32[`${a}.attn_logit_softcapping`] = s.attnSoftcap;
  if (s.finalSoftcap) f32[`${a}.final_logit_softcapping`] = s.finalSoftcap;
  if (s.ropeThetaSwa && s.ropeThetaSwa !== 10000) f32[`${a}.rope.freq_base_swa`] = s.ropeThetaSwa;
  if (s.logitScale) f32[`${a}.logit_scale`] = s.logitScale;
  // convert_hf_to_gguf --sentence-transformers-dense-modules: each Dense module's in and out widths
  if (s.dense) {
    u32[`${a}.dense_2_feat_in`] = s.hiddenSize;
    u32[`${a}.dense_2_feat_out`] = s.dense;
    u32[`${a}.dense_3_feat_in`] = s.dense;
    u32[`${a}.dense_3_feat_out`] = s.hiddenSize;
  }
  if (s.granite) {
    f32[`${a}.attention.scale`] = s.granite.attention;
    f32[`${a}.embedding_scale`] = s.granite.embedding;
    f32[`${a}.residual_scale`] = s.granite.residual;
    f32[`${a}.logit_scale`] = s.granite.logits;
  }
  if (s.ropeScalingLinear) {
    strings[`${a}.rope.scaling.type`] = 'linear';
    f32[`${a}.rope.scaling.factor`] = s.ropeScalingLinear;
  }
  // as convert_hf_to_gguf's Phi3MiniModel writes LongRoPE (the factors are tensors)
  if (s.longRope) {
    u32[`${a}.rope.scaling.original_context_length`] = s.longRope.originalContext;
    f32[`${a}.rope.scaling.attn_factor`] = longRopeAttnFactor(s);
  }
  // as convert_hf_to_gguf writes a yarn rope_scaling
  if (s.ropeScalingYarn) {
    strings[`${a}.rope.scaling.type`] = 'yarn';
    f32[`${a}.rope.scaling.factor`] = s.ropeScalingYarn.factor;
    u32[`${a}.rope.scaling.original_context_length`] = s.ropeScalingYarn.originalContext;
  }
  // as convert_hf_to_gguf's Gemma3NModel writes them (layer_types as a flag per layer; each
  // layer's sparsity as the normal quantile of activation_sparsity_pattern: 0.95 first, 0 after;
  // the quantile rounded to f32 from its exact value, as ix reads a folder, where the converter's
  // torch float32 icdf lands a part in ten million lower, 1.6448533535003662)
  const arrays: Record<string, unknown> = {};
  if (s.gemma3n) {
    u32[`${a}.altup.active_idx`] = 0;
    u32[`${a}.altup.num_inputs`] = 4;
    u32[`${a}.embedding_length_per_layer_input`] = s.gemma3n.perLayerDim;
    u32[`${a}.attention.shared_kv_layers`] = s.gemma3n.sharedKvLayers;
    const period = s.slidingWindowPattern ?? 5;
    arrays[`${a}.attention.sliding_window_pattern`] = Array.from({ length: s.nLayers }, (_, l) => l % period < period - 1);
    arrays[`${a}.activation_sparsity_scale`] = Float32Array.from({ length: s.nLayers }, (_, l) => (l < s.gemma3n!.sparseLayers ? 1.6448535919189453 : -Infinity));
    if (s.ropeThetaSwa) f32[`${a}.rope.freq_base_swa`] = s.ropeThetaSwa;
  }
  const tok = decoderTokenizerMetadata(o);
  // as the converter marks Qwen3-Reranker: its head's labels and its rerank template
  const rerank = s.classifierLabels ? { [`${a}.classifier.output_labels`]: ['yes', 'no'], 'tokenizer.chat_template.rerank': QWEN3_RERANK_TEMPLATE } : {};
  const types: Record<string, GGUFTypeTag> = {};
  for (const k of Object.keys(u32)) types[k] = GGUFValueType.UINT32;
  for (const k of Object.keys(f32)) types[k] = GGUFValueType.FLOAT32;
  for (const k of Object.keys(tok)) if (k.endsWith('_id')) types[k] = GGUFValueType.UINT32;
  return {
    metadata: { 'general.architecture': a, 'general.name': `ix random ${o.arch} (seed ${o.seed})`, ...u32, ...f32, ...strings, ...arrays, ...tok, ...rerank },
    types,
  };
}

/** A decoder's `tokenizer.ggml.*` keys (scores as float32, token types as int32 arrays) */
function decoderTokenizerMetadata(o: GenerateOptions): Record<string, unknown> {
  const tok = generatedTokenizer(o.arch as Exclude<GeneratedArch, 'nomic-bert'>, o.tokenizerDir).gguf(o.shape.vocabSize);
  if (tok['tokenizer.ggml.scores']) tok['tokenizer.ggml.scores'] = Float32Array.from(tok['tokenizer.ggml.scores'] as number[]);
  tok['tokenizer.ggml.token_type'] = Int32Array.from(tok['tokenizer.ggml.token_type'] as number[]);
  for (const [k, v] of Object.entries(tok)) if (v === undefined) delete tok[k];
  return tok;
}

/** llama.cpp's llama_ftype of a quant preset (general.file_type), where one matches */
const LLAMA_FTYPE: Partial<Record<QuantPreset, number>> = {
  F32: 0, F16: 1, Q4_0: 2, Q4_1: 3, Q8_0: 7, Q5_0: 8, Q5_1: 9, Q2_K: 10, Q4_K: 14, Q4_K_S: 14, Q4_K_M: 15, Q5_K: 16, Q5_K_M: 17, Q6_K: 18, BF16: 32, MXFP4: 38,
};

/**
 * gpt-oss's keys in the order convert_hf_to_gguf writes them for openai/gpt-oss-20b: TextModel's
 * set_gguf_parameters (sizes, the yarn rope_scaling with its betas, rope base, RMS epsilon,
 * experts, head_dim as key/value lengths, the file type), then GptOssModel's (sliding window,
 * expert width), then the quantization version. No rope.dimension_count (llama.cpp takes the key
 * length) and no sliding_window_pattern (llama.cpp's gpt-oss slides the even layers by itself).
 */
function gptOssGGUFMetadata(o: GenerateOptions): { metadata: Record<string, unknown>; types: Record<string, GGUFTypeTag> } {
  const s = o.shape;
  const m = s.moe!;
  const a = 'gpt-oss';
  const hd = s.headDim ?? s.hiddenSize / s.nHeads;
  const types: Record<string, GGUFTypeTag> = {};
  const metadata: Record<string, unknown> = { 'general.architecture': a, 'general.name': `ix random ${o.arch} (seed ${o.seed})` };
  const put = (key: string, value: unknown, type?: GGUFTypeTag) => {
    metadata[key] = value;
    if (type !== undefined) types[key] = type;
  };
  const { UINT32: u32, FLOAT32: f32 } = GGUFValueType;
  put(`${a}.block_count`, s.nLayers, u32);
  put(`${a}.context_length`, s.contextLength, u32);
  put(`${a}.embedding_length`, s.hiddenSize, u32);
  // config.json's intermediate_size, the experts' width
  put(`${a}.feed_forward_length`, m.expertFfn, u32);
  put(`${a}.attention.head_count`, s.nHeads, u32);
  put(`${a}.attention.head_count_kv`, s.nKVHeads, u32);
  const y = s.ropeScalingYarn;
  if (y) {
    put(`${a}.rope.scaling.type`, 'yarn');
    put(`${a}.rope.scaling.factor`, y.factor, f32);
    put(`${a}.rope.scaling.original_context_length`, y.originalContext, u32);
    if (y.betaFast !== undefined) put(`${a}.rope.scaling.yarn_beta_fast`, y.betaFast, f32);
    if (y.betaSlow !== undefined) put(`${a}.rope.scaling.yarn_beta_slow`, y.betaSlow, f32);
  }
  put(`${a}.rope.freq_base`, s.ropeTheta, f32);
  put(`${a}.attention.layer_norm_rms_epsilon`, s.normEps, f32);
  put(`${a}.expert_count`, m.nExperts, u32);
  put(`${a}.expert_used_count`, m.nUsed, u32);
  put(`${a}.attention.key_length`, hd, u32);
  put(`${a}.attention.value_length`, hd, u32);
  const ftype = LLAMA_FTYPE[o.quant ?? 'F32'];
  if (ftype !== undefined) put('general.file_type', ftype, u32);
  if (!s.slidingWindow) throw new Error('gpt-oss needs slidingWindow (llama.cpp requires attention.sliding_window)');
  if ((s.slidingWindowPattern ?? 2) !== 2) throw new Error('gpt-oss slides its even layers (slidingWindowPattern 2): llama.cpp reads no other pattern from a converted file');
  put(`${a}.attention.sliding_window`, s.slidingWindow, u32);
  put(`${a}.expert_feed_forward_length`, m.expertFfn, u32);
  // GGML_QNT_VERSION
  put('general.quantization_version', 2, u32);
  for (const [k, v] of Object.entries(decoderTokenizerMetadata(o))) put(k, v, k.endsWith('_id') ? u32 : undefined);
  return { metadata, types };
}

/**
 * llama.cpp's keys for BERT-family encoders (convert_hf_to_gguf BertModel / NomicBertModel):
 * LayerNorm epsilon, non-causal, the pooling; nomic-bert adds its rotary base
 */
function bertGGUFMetadata(o: GenerateOptions): { metadata: Record<string, unknown>; types: Record<string, GGUFTypeTag> } {
  const s = o.shape;
  const a = ggufArch(o.arch);
  const u32: Record<string, number> = {
    ...sizeKeys(o),
    // mean for embedders, rank for cross-encoders (llama_pooling_type)
    [`${a}.pooling_type`]: s.classifierLabels ? 4 : POOLING_TYPE[o.pooling ?? 'mean'],
    'tokenizer.ggml.token_type_count': s.typeVocabSize ?? 2,
    'general.alignment': 32,
  };
  const f32: Record<string, number> = { [`${a}.attention.layer_norm_epsilon`]: s.normEps };
  if (a === 'nomic-bert') f32[`${a}.rope.freq_base`] = s.ropeTheta;
  const tok = generatedTokenizer(o.arch === 'xlm-roberta' ? 'xlm-roberta' : 'bert', o.tokenizerDir).gguf(s.vocabSize);
  tok['tokenizer.ggml.token_type'] = Int32Array.from(tok['tokenizer.ggml.token_type'] as ArrayLike<number>);
  const types: Record<string, GGUFTypeTag> = { [`${a}.attention.causal`]: GGUFValueType.BOOL };
  for (const k of Object.keys(tok)) if (k.endsWith('_id')) types[k] = GGUFValueType.UINT32;
  for (const k of Object.keys(u32)) types[k] = GGUFValueType.UINT32;
  for (const k of Object.keys(f32)) types[k] = GGUFValueType.FLOAT32;
  return {
    metadata: { 'general.architecture': a, 'general.name': `ix random ${a} (seed ${o.seed})`, ...u32, ...f32, [`${a}.attention.causal`]: false, ...tok },
    types,
  };
}

function hfConfig(o: GenerateOptions): Record<string, unknown> {
  const s = o.shape;
  if (o.arch === 'gpt2') {
    // GPT2Config's own names
    return {
      architectures: ['GPT2LMHeadModel'],
      model_type: 'gpt2',
      vocab_size: s.vocabSize,
      n_embd: s.hiddenSize,
      n_layer: s.nLayers,
      n_head: s.nHeads,
      n_positions: s.contextLength,
      n_ctx: s.contextLength,
      n_inner: s.intermediateSize,
      layer_norm_epsilon: s.normEps,
      activation_function: 'gelu_new',
      tie_word_embeddings: true,
      torch_dtype: o.hfDType === 'BF16' ? 'bfloat16' : 'float32',
    };
  }
  // BertConfig, and XLMRobertaConfig as bge-m3 / bge-reranker-v2-m3 ship it (positions from pad_token_id + 1)
  if (o.arch === 'bert' || o.arch === 'xlm-roberta') {
    const xlmr = o.arch === 'xlm-roberta';
    const cls = s.classifierLabels ? (xlmr ? 'XLMRobertaForSequenceClassification' : 'BertForSequenceClassification') : xlmr ? 'XLMRobertaModel' : 'BertModel';
    return {
      architectures: [cls],
      ...(s.classifierLabels ? { id2label: Object.fromEntries(Array.from({ length: s.classifierLabels }, (_, i) => [String(i), `LABEL_${i}`])) } : {}),
      model_type: o.arch,
      vocab_size: s.vocabSize,
      hidden_size: s.hiddenSize,
      intermediate_size: s.intermediateSize,
      num_hidden_layers: s.nLayers,
      num_attention_heads: s.nHeads,
      max_position_embeddings: s.contextLength + (xlmr ? XLMR_POSITION_OFFSET : 0),
      type_vocab_size: s.typeVocabSize ?? (xlmr ? 1 : 2),
      layer_norm_eps: s.normEps,
      hidden_act: 'gelu',
      position_embedding_type: 'absolute',
      ...(xlmr && { bos_token_id: 0, pad_token_id: 1, eos_token_id: 2 }),
      torch_dtype: o.hfDType === 'BF16' ? 'bfloat16' : 'float32',
    };
  }
  if (o.arch === 'nomic-bert') {
    // NomicBertConfig as nomic-embed-text-v1.5 ships it (GPT-2-style names; trained for max_trained_positions)
    return {
      architectures: ['NomicBertModel'],
      model_type: 'nomic_bert',
      vocab_size: s.vocabSize,
      n_embd: s.hiddenSize,
      n_inner: s.intermediateSize,
      n_layer: s.nLayers,
      n_head: s.nHeads,
      n_positions: s.contextLength * 4,
      max_trained_positions: s.contextLength,
      layer_norm_epsilon: s.normEps,
      activation_function: 'swiglu',
      rotary_emb_base: s.ropeTheta,
      rotary_emb_fraction: 1.0,
      rotary_emb_interleaved: false,
      rotary_emb_scale_base: null,
      causal: false,
      prenorm: false,
      qkv_proj_bias: false,
      mlp_fc1_bias: false,
      mlp_fc2_bias: false,
      type_vocab_size: s.typeVocabSize ?? 2,
      torch_dtype: o.hfDType === 'BF16' ? 'bfloat16' : 'float32',
    };
  }
  if (o.arch === 'gpt-oss') return gptOssConfig(o);
  if (o.arch === 'gemma3n') return gemma3nConfig(o);
  const classes = {
    llama: 'LlamaForCausalLM', qwen2: 'Qwen2ForCausalLM', qwen3: 'Qwen3ForCausalLM', gemma2: 'Gemma2ForCausalLM', gemma3: 'Gemma3ForCausalLM', 'gemma-embedding': 'Gemma3TextModel',
    phi3: 'Phi3ForCausalLM', olmo2: 'Olmo2ForCausalLM', granite: 'GraniteForCausalLM', starcoder2: 'Starcoder2ForCausalLM',
    'command-r': 'CohereForCausalLM', cohere2: 'Cohere2ForCausalLM',
    qwen3moe: 'Qwen3MoeForCausalLM', qwen2moe: 'Qwen2MoeForCausalLM', olmoe: 'OlmoeForCausalLM', mixtral: 'MixtralForCausalLM',
  };
  const modelTypes: Partial<Record<GeneratedArch, string>> = { gemma3: 'gemma3_text', 'gemma-embedding': 'gemma3_text', 'command-r': 'cohere', qwen3moe: 'qwen3_moe', qwen2moe: 'qwen2_moe' };
  const cohere = o.arch === 'command-r' || o.arch === 'cohere2';
  const cohereKeys = cohere ? { logit_scale: s.logitScale, ...(o.arch === 'cohere2' && { sliding_window: s.slidingWindow, sliding_window_pattern: 4 }) } : {};
  const cls = classes[o.arch as keyof typeof classes];
  const granite = s.granite ? { attention_multiplier: s.granite.attention, embedding_multiplier: s.granite.embedding, residual_multiplier: s.granite.residual, logits_scaling: s.granite.logits } : {};
  // Gemma2Config / Gemma3TextConfig keys
  const gemma = isGemma(o.arch)
    ? {
        hidden_activation: 'gelu_pytorch_tanh',
        query_pre_attn_scalar: s.headDim ?? s.hiddenSize / s.nHeads,
        sliding_window: s.slidingWindow ?? null,
        attn_logit_softcapping: s.attnSoftcap ?? null,
        final_logit_softcapping: s.finalSoftcap ?? null,
        ...(o.arch !== 'gemma2' && { rope_local_base_freq: s.ropeThetaSwa ?? 10000, sliding_window_pattern: s.slidingWindowPattern ?? 6 }),
        // google/embeddinggemma-300m's config.json says so (transformers' bidirectional Gemma 3)
        ...(o.arch === 'gemma-embedding' && { use_bidirectional_attention: true }),
        rope_scaling: s.ropeScalingLinear ? { rope_type: 'linear', factor: s.ropeScalingLinear } : null,
      }
    : { hidden_act: o.arch === 'starcoder2' ? 'gelu_pytorch_tanh' : 'silu' };
  return {
    architectures: [cls],
    model_type: modelTypes[o.arch] ?? o.arch,
    vocab_size: s.vocabSize,
    hidden_size: s.hiddenSize,
    intermediate_size: s.intermediateSize,
    num_hidden_layers: s.nLayers,
    num_attention_heads: s.nHeads,
    num_key_value_heads: s.nKVHeads,
    ...(s.headDim ? { head_dim: s.headDim } : {}),
    max_position_embeddings: s.contextLength,
    rope_theta: s.ropeTheta,
    ...(o.arch === 'starcoder2' ? { norm_epsilon: s.normEps, use_bias: true } : cohere ? { layer_norm_eps: s.normEps } : { rms_norm_eps: s.normEps }),
    ...cohereKeys,
    ...hfMoEConfig(o),
    ...(s.ropeScalingYarn && { rope_scaling: { rope_type: 'yarn', factor: s.ropeScalingYarn.factor, original_max_position_embeddings: s.ropeScalingYarn.originalContext } }),
    // Phi-3.5-mini's config.json: the lists in rope_scaling, the original length beside them
    ...(s.longRope && { original_max_position_embeddings: s.longRope.originalContext, rope_scaling: { type: 'longrope', long_factor: longRopeFactors(s).long, short_factor: longRopeFactors(s).short } }),
    ...gemma,
    ...granite,
    tie_word_embeddings: s.tiedEmbeddings,
    torch_dtype: o.hfDType === 'BF16' ? 'bfloat16' : 'float32',
  };
}

/**
 * openai/gpt-oss-20b's config.json (GptOssConfig), its keys in its order; quantization_config only
 * when the experts are MXFP4 (the checkpoint's form), as transformers' Mxfp4 quantizer reads it
 */
function gptOssConfig(o: GenerateOptions): Record<string, unknown> {
  const s = o.shape;
  const m = s.moe!;
  const y = s.ropeScalingYarn;
  const period = s.slidingWindowPattern ?? 2;
  return {
    architectures: ['GptOssForCausalLM'],
    attention_bias: true,
    attention_dropout: 0.0,
    experts_per_token: m.nUsed,
    head_dim: s.headDim ?? s.hiddenSize / s.nHeads,
    hidden_act: 'silu',
    hidden_size: s.hiddenSize,
    initial_context_length: y?.originalContext ?? s.contextLength,
    initializer_range: 0.02,
    intermediate_size: m.expertFfn,
    layer_types: Array.from({ length: s.nLayers }, (_, l) => (l % period < period - 1 ? 'sliding_attention' : 'full_attention')),
    max_position_embeddings: s.contextLength,
    model_type: 'gpt_oss',
    num_attention_heads: s.nHeads,
    num_experts_per_tok: m.nUsed,
    num_hidden_layers: s.nLayers,
    num_key_value_heads: s.nKVHeads,
    num_local_experts: m.nExperts,
    output_router_logits: false,
    ...(o.quant === 'MXFP4' && {
      quantization_config: { modules_to_not_convert: ['model.layers.*.self_attn', 'model.layers.*.mlp.router', 'model.embed_tokens', 'lm_head'], quant_method: 'mxfp4' },
    }),
    rms_norm_eps: s.normEps,
    rope_scaling: y
      ? { beta_fast: y.betaFast ?? 32, beta_slow: y.betaSlow ?? 1, factor: y.factor, original_max_position_embeddings: y.originalContext, rope_type: 'yarn', truncate: false }
      : null,
    rope_theta: s.ropeTheta,
    router_aux_loss_coef: 0.9,
    sliding_window: s.slidingWindow,
    swiglu_limit: 7.0,
    tie_word_embeddings: false,
    torch_dtype: o.hfDType === 'BF16' ? 'bfloat16' : 'float32',
    use_cache: true,
    vocab_size: s.vocabSize,
  };
}

/** transformers' MoE config keys (OLMoE's and Mixtral's intermediate_size is the expert width) */
function hfMoEConfig(o: GenerateOptions): Record<string, unknown> {
  const m = o.shape.moe;
  if (!m) return {};
  const experts = { num_experts: m.nExperts, num_experts_per_tok: m.nUsed };
  const qwen = { ...experts, moe_intermediate_size: m.expertFfn, decoder_sparse_step: 1, mlp_only_layers: [] };
  switch (o.arch) {
    case 'qwen3moe':
      return { ...qwen, norm_topk_prob: true };
    case 'qwen2moe':
      return { ...qwen, shared_expert_intermediate_size: m.sharedFfn, norm_topk_prob: false };
    case 'olmoe':
      return { ...experts, intermediate_size: m.expertFfn, norm_topk_prob: false, clip_qkv: null };
    case 'mixtral':
      return { num_local_experts: m.nExperts, num_experts_per_tok: m.nUsed, intermediate_size: m.expertFfn };
    default:
      throw new Error(`${o.arch} has no MoE config`);
  }
}

export type { DTypeName };
