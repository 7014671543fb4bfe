import type { Tensor } from '@ix/core';

/**
 * WGSL generation for one dispatch. WebGPU forbids binding one buffer both writable and again in
 * the same dispatch, yet the executor places a node's inputs and output in one arena buffer; so a
 * shader is generated per *binding pattern*: each distinct buffer is bound once (read_write when
 * any operand in it is written) as `array<u32>`, and every operand gets accessor functions that
 * add its byte offset (a uniform) and pick its binding. Kernel bodies use only the accessors.
 */

/** A tensor a kernel reads or writes, by the name its body uses. */
export interface Operand {
  name: string;
  tensor: Tensor;
  write?: boolean;
}

export type ScalarType = 'u32' | 'i32' | 'f32';

/** A kernel: its WGSL body and the scalar parameters (after the operands' offsets) it reads from `P`. */
export interface KernelSource {
  /** identifies the body (with its variant): pipelines are cached by it and the binding pattern */
  key: string;
  params: readonly (readonly [string, ScalarType])[];
  /** functions and `@compute fn main`; may use `P.<param>` and the operands' accessors */
  body: string;
  /** WGSL extensions the body needs (`subgroups`) */
  enable?: readonly string[];
}

/** The binding layout of one dispatch: buffer slot per operand. */
export interface BindingPattern {
  /** distinct GPU buffers, in binding order (binding 1 + index) */
  buffers: GPUBuffer[];
  writable: boolean[];
  /** slot of each operand, in the operands' order */
  slots: number[];
  /** e.g. "x0r,w1r,y0w": part of the pipeline cache key */
  key: string;
}

export function bindingPattern(operands: readonly Operand[], gpuBuffer: (t: Tensor) => GPUBuffer): BindingPattern {
  const buffers: GPUBuffer[] = [];
  const writable: boolean[] = [];
  const slots = operands.map((o) => {
    const b = gpuBuffer(o.tensor);
    let i = buffers.indexOf(b);
    if (i < 0) {
      i = buffers.length;
      buffers.push(b);
      writable.push(false);
    }
    if (o.write) writable[i] = true;
    return i;
  });
  const key = operands.map((o, k) => `${o.name}${slots[k]}${writable[slots[k]!] ? 'w' : 'r'}`).join(',');
  return { buffers, writable, slots, key };
}

/** Byte size of the uniform block: operand offsets, ngroups, then params, one 4-byte scalar each, padded to 16. */
export function paramsBytes(operands: number, params: number): number {
  return Math.ceil(((operands + 1 + params) * 4) / 16) * 16;
}

/** The whole module: uniform block, bindings, accessors, body. */
export function generateShader(kernel: KernelSource, operands: readonly Operand[], pattern: BindingPattern): string {
  const fields = [...operands.map((o) => `${o.name}_off: u32`), 'ngroups: u32', ...kernel.params.map(([n, t]) => `${n}: ${t}`)];
  const lines = [...(kernel.enable ?? []).map((e) => `enable ${e};`), `struct Params { ${fields.join(', ')} }`, '@group(0) @binding(0) var<uniform> P: Params;'];
  pattern.buffers.forEach((_, i) => {
    lines.push(`@group(0) @binding(${i + 1}) var<storage, ${pattern.writable[i] ? 'read_write' : 'read'}> b${i}: array<u32>;`);
  });
  operands.forEach((o, k) => lines.push(accessors(o.name, `b${pattern.slots[k]}`, !!o.write)));
  lines.push(COMMON, kernel.body);
  return lines.join('\n');
}

function accessors(x: string, buf: string, write: boolean): string {
  let s = `
fn ${x}_word(i: u32) -> u32 { return ${buf}[(P.${x}_off >> 2u) + i]; }
fn ${x}_f32(i: u32) -> f32 { return bitcast<f32>(${x}_word(i)); }
fn ${x}_i32(i: u32) -> i32 { return bitcast<i32>(${x}_word(i)); }
fn ${x}_byte(i: u32) -> u32 { let b = P.${x}_off + i; return (${buf}[b >> 2u] >> ((b & 3u) * 8u)) & 0xffu; }
fn ${x}_u16(i: u32) -> u32 { let b = P.${x}_off + 2u * i; return (${buf}[b >> 2u] >> ((b & 2u) * 8u)) & 0xffffu; }
fn ${x}_f16(i: u32) -> f32 { return unpack2x16float(${x}_u16(i)).x; }
fn ${x}_u32at(byte: u32) -> u32 {
  let b = P.${x}_off + byte;
  let s = (b & 3u) * 8u;
  let lo = ${buf}[b >> 2u];
  if (s == 0u) { return lo; }
  return (lo >> s) | (${buf}[(b >> 2u) + 1u] << (32u - s));
}`;
  if (write) {
    s += `
fn ${x}_set_word(i: u32, v: u32) { ${buf}[(P.${x}_off >> 2u) + i] = v; }
fn ${x}_set_f32(i: u32, v: f32) { ${x}_set_word(i, bitcast<u32>(v)); }
fn ${x}_abs_word(w: u32) -> u32 { return ${buf}[w]; }
fn ${x}_set_abs_word(w: u32, v: u32) { ${buf}[w] = v; }`;
  }
  return s;
}

/** Helpers every kernel may use. */
const COMMON = `
const WG: u32 = 64u;
// the linear index of a workgroup in a 2-D grid (grids wrap at 65535 groups per dimension)
fn group_index(wg: vec3u, nw: vec3u) -> u32 { return wg.x + wg.y * nw.x; }
// f32 -> f16 bits, rounded to nearest even, as the reference's conversion (pack2x16float leaves rounding to the device)
fn f16_bits(v: f32) -> u32 {
  let x = bitcast<u32>(v);
  let sign = (x >> 16u) & 0x8000u;
  let e = i32((x >> 23u) & 0xffu);
  var m = x & 0x7fffffu;
  if (e == 255) { return sign | 0x7c00u | select(0u, 0x200u | (m >> 13u), m != 0u); }
  var he = e - 112;
  if (he >= 31) { return sign | 0x7c00u; }
  if (he <= 0) {
    if (he < -10) { return sign; }
    m = m | 0x800000u;
    let shift = u32(14 - he);
    var h = m >> shift;
    let rem = m & ((1u << shift) - 1u);
    let half = 1u << (shift - 1u);
    if (rem > half || (rem == half && (h & 1u) == 1u)) { h = h + 1u; }
    return sign | h;
  }
  var h = (u32(he) << 10u) | (m >> 13u);
  let rem = m & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (h & 1u) == 1u)) { h = h + 1u; }
  return sign | h;
}
`;
