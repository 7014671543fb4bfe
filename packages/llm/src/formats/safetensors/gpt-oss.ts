/**
 * gpt-oss's experts in a Hugging Face folder, as llama.cpp's tensors (its conversion/gpt_oss.py).
 * Each layer holds `mlp.experts.gate_up_proj` and `down_proj` with `_bias` beside them, either as
 * MXFP4 (the checkpoint's own form: `_blocks` [E, rows, K/32, 16] bytes of E2M1 nibble pairs and
 * `_scales` [E, rows, K/32] E8M0 exponents) or as plain matrices stored [E, in, out] (dequantized
 * copies). Gate and up are interleaved: row (or column) 2i is gate i, 2i+1 is up i. The result is
 * ffn_{gate,up}_exps.weight [E, F, H], ffn_down_exps.weight [E, H, F] (MXFP4 in ggml's nibble order,
 * or the plain type transposed) and their biases [E, F], [E, H].
 */
import { ModelFormatError } from '@ix/core';
import type { ModelConfig } from '../../model-config.js';
import type { TensorEntry } from '../tensor-entry.js';

const PART = /^model\.layers\.(\d+)\.mlp\.experts\.(gate_up_proj|down_proj)(_blocks|_scales|_bias)?$/;
const PLAIN_SIZE: Record<string, number> = { F32: 4, F16: 2, BF16: 2 };
const gate = (i: number) => 2 * i;
const up = (i: number) => 2 * i + 1;
const same = (i: number) => i;

export function isGptOssExpertPart(hfName: string): boolean {
  return PART.test(hfName);
}

export function gptOssExpertTensors(hf: ReadonlyMap<string, TensorEntry>, config: ModelConfig, dir: string): TensorEntry[] {
  const layers = new Map<number, Map<string, TensorEntry>>();
  for (const [name, entry] of hf) {
    const m = PART.exec(name);
    if (!m) continue;
    const l = Number(m[1]);
    if (!layers.has(l)) layers.set(l, new Map());
    layers.get(l)!.set(m[2]! + (m[3] ?? ''), entry);
  }
  const E = config.nExperts, F = config.expertIntermediateSize ?? config.intermediateSize, H = config.hiddenSize;
  const out: TensorEntry[] = [];
  for (const [l, parts] of layers) {
    const p = `blk.${l}.`;
    const part = (key: string) => {
      const t = parts.get(key);
      if (!t) throw new ModelFormatError(dir, `gpt-oss layer ${l}: "mlp.experts.${key}" is missing`);
      return t;
    };
    const gub = part('gate_up_proj_bias'), db = part('down_proj_bias');
    out.push(picked(gub, `${p}ffn_gate_exps.bias`, E, 2 * F, F, gate), picked(gub, `${p}ffn_up_exps.bias`, E, 2 * F, F, up), picked(db, `${p}ffn_down_exps.bias`, E, H, H, same));
    if (parts.has('gate_up_proj_blocks')) {
      const [gb, gs, dbk, ds] = [part('gate_up_proj_blocks'), part('gate_up_proj_scales'), part('down_proj_blocks'), part('down_proj_scales')];
      out.push(mxfp4(gb, gs, `${p}ffn_gate_exps.weight`, E, 2 * F, H, F, gate), mxfp4(gb, gs, `${p}ffn_up_exps.weight`, E, 2 * F, H, F, up), mxfp4(dbk, ds, `${p}ffn_down_exps.weight`, E, H, F, H, same));
    } else {
      const [gu, d] = [part('gate_up_proj'), part('down_proj')];
      out.push(transposedPick(gu, `${p}ffn_gate_exps.weight`, E, H, 2 * F, F, gate), transposedPick(gu, `${p}ffn_up_exps.weight`, E, H, 2 * F, F, up), transposedPick(d, `${p}ffn_down_exps.weight`, E, F, H, H, same));
    }
  }
  return out;
}

function expectShape(t: TensorEntry, shape: number[], dtypes: readonly string[]): void {
  if (t.shape.join() !== shape.join() || !dtypes.includes(t.dtype)) {
    throw new ModelFormatError(t.file ?? t.name, `gpt-oss: "${t.name}" is ${t.dtype} [${t.shape.join(', ')}], expected ${dtypes.join('/')} [${shape.join(', ')}]`);
  }
}

/** bias [E, n] -> [E, rows], element r of expert e taken from element pick(r) */
function picked(src: TensorEntry, name: string, E: number, n: number, rows: number, pick: (r: number) => number): TensorEntry {
  expectShape(src, [E, n], Object.keys(PLAIN_SIZE));
  const size = PLAIN_SIZE[src.dtype]!;
  return {
    name,
    shape: [E, rows],
    dtype: src.dtype,
    byteLength: E * rows * size,
    read: async () => {
      const s = await src.read();
      const o = new Uint8Array(E * rows * size);
      for (let e = 0; e < E; e++) for (let r = 0; r < rows; r++) o.set(s.subarray((e * n + pick(r)) * size, (e * n + pick(r) + 1) * size), (e * rows + r) * size);
      return o;
    },
  };
}

/**
 * MXFP4 rows pick(0..rows) of blocks [E, R, K/32, 16] and scales [E, R, K/32] as ggml blocks: the
 * exponent byte, then 16 bytes whose low nibbles are elements 0..15 and high nibbles 16..31 (the
 * checkpoint packs elements 2i and 2i+1 into byte i, low nibble first)
 */
function mxfp4(blocks: TensorEntry, scales: TensorEntry, name: string, E: number, R: number, K: number, rows: number, pick: (r: number) => number): TensorEntry {
  if (K % 32 !== 0) throw new ModelFormatError(blocks.file ?? blocks.name, `gpt-oss: MXFP4 rows of ${K} are not whole 32-element blocks`);
  const nb = K / 32;
  expectShape(blocks, [E, R, nb, 16], ['U8']);
  expectShape(scales, [E, R, nb], ['U8']);
  return {
    name,
    shape: [E, rows, K],
    dtype: 'MXFP4',
    byteLength: E * rows * nb * 17,
    read: async () => {
      const [b, s] = [await blocks.read(), await scales.read()];
      const o = new Uint8Array(E * rows * nb * 17);
      const nibble = (at: number, i: number) => (b[at + (i >> 1)]! >> ((i & 1) * 4)) & 15;
      for (let e = 0; e < E; e++) {
        for (let r = 0; r < rows; r++) {
          const row = e * R + pick(r);
          for (let k = 0; k < nb; k++) {
            const at = (row * nb + k) * 16;
            const to = ((e * rows + r) * nb + k) * 17;
            o[to] = s[row * nb + k]!;
            for (let j = 0; j < 16; j++) o[to + 1 + j] = nibble(at, j) | (nibble(at, j + 16) << 4);
          }
        }
      }
      return o;
    },
  };
}

/** plain [E, inDim, n] (stored [in, out]) -> [E, rows, inDim]: row r of expert e is column pick(r) */
function transposedPick(src: TensorEntry, name: string, E: number, inDim: number, n: number, rows: number, pick: (r: number) => number): TensorEntry {
  expectShape(src, [E, inDim, n], Object.keys(PLAIN_SIZE));
  const size = PLAIN_SIZE[src.dtype]!;
  return {
    name,
    shape: [E, rows, inDim],
    dtype: src.dtype,
    byteLength: E * rows * inDim * size,
    read: async () => {
      let bytes = await src.read();
      if (bytes.byteOffset % size !== 0) bytes = bytes.slice();
      const count = E * inDim * n;
      const [s, o] = size === 4 ? [new Uint32Array(bytes.buffer as ArrayBuffer, bytes.byteOffset, count), new Uint32Array(E * rows * inDim)] : [new Uint16Array(bytes.buffer as ArrayBuffer, bytes.byteOffset, count), new Uint16Array(E * rows * inDim)];
      for (let e = 0; e < E; e++) for (let r = 0; r < rows; r++) for (let k = 0; k < inDim; k++) o[(e * rows + r) * inDim + k] = s[(e * inDim + k) * n + pick(r)]!;
      return new Uint8Array(o.buffer);
    },
  };
}
