import { describe, expect, it } from 'vitest';

import { loadAddon, type NativeContext } from '../src/native.js';
import { bestIsa } from './helpers.js';

/**
 * Programs a buggy or hostile caller could hand to native compute (format: native/program.h).
 * Each must throw a clear error: never crash, hang or write outside a buffer.
 */
const F32 = 0, F16 = 1, Q4_0 = 2, I32 = 26, MXFP4 = 39;
const OP = { matmul: 1, get_rows: 2, add: 3, rope: 8, softmax: 9, write_rows: 13, attention: 14, concat: 15, copy: 16, view: 17, top_k: 19, swiglu_oai: 25 };

type T = [buf: number, offset: number, dtype: number, ...dims: number[]];
const t = (buf: number, offset: number, dtype: number, ...dims: number[]): T => [buf, offset, dtype, ...dims];
function node(op: number, tensors: T[], params: number[] = []): number[] {
  const out = [op, tensors.length];
  for (const [buf, off, dt, ...dims] of tensors) out.push(buf, off, dt, dims.length, ...dims);
  return [...out, params.length, ...params];
}
const prog = (...nodes: number[][]) => Float64Array.from([1, nodes.length, ...nodes.flat()]);

describe('native compute rejects hostile programs', () => {
  const { addon } = loadAddon();
  const ctx: NativeContext = new addon!.Context(bestIsa(), 2, false);
  const a = ctx.allocate(4096); // 1024 f32
  const b = ctx.allocate(4096);
  const small = ctx.allocate(16);

  const cases: [string, Float64Array, RegExp][] = [
    ['empty program', new Float64Array(0), /truncated/],
    ['wrong version', Float64Array.from([7, 0]), /version/],
    ['truncated node', Float64Array.from([1, 1, OP.add, 3, a]), /truncated/],
    ['trailing data', Float64Array.from([1, 0, 5]), /trailing/],
    ['unknown op', prog(node(99, [t(a, 0, F32, 4)])), /op code/],
    ['NaN field', prog(node(OP.add, [t(a, NaN, F32, 4), t(a, 0, F32, 4), t(a, 0, F32, 4)])), /not an integer/],
    ['fractional offset', prog(node(OP.add, [t(a, 0.5, F32, 4), t(a, 0, F32, 4), t(a, 0, F32, 4)])), /not an integer/],
    ['unknown buffer', prog(node(OP.add, [t(12345, 0, F32, 4), t(a, 0, F32, 4), t(a, 0, F32, 4)])), /unknown or freed buffer/],
    ['tensor past the end of its buffer', prog(node(OP.add, [t(a, 4000, F32, 100), t(a, 0, F32, 100), t(a, 0, F32, 100)])), /outside buffer/],
    ['element count overflow', prog(node(OP.add, [t(a, 0, F32, 2 ** 40, 2 ** 40), t(a, 0, F32, 4), t(a, 0, F32, 4)])), /too many elements/],
    ['too many dims', prog(node(OP.add, [t(a, 0, F32, 1, 1, 1, 1, 1, 1, 1, 1, 1), t(a, 0, F32, 4), t(a, 0, F32, 4)])), /ndim/],
    ['unsupported dtype', prog(node(OP.add, [t(a, 0, 16, 256), t(a, 0, F32, 4), t(a, 0, F32, 4)])), /unsupported dtype/],
    ['partial quantized block', prog(node(OP.matmul, [t(a, 0, F32, 1), t(a, 0, F32, 16), t(b, 0, Q4_0, 1, 16)])), /whole blocks/],
    ['matmul K mismatch', prog(node(OP.matmul, [t(a, 0, F32, 1, 4), t(a, 0, F32, 1, 31), t(b, 0, F32, 4, 32)])), /does not match/],
    ['matmul output too small', prog(node(OP.matmul, [t(a, 0, F32, 1, 3), t(a, 0, F32, 1, 32), t(b, 0, F32, 4, 32)])), /output/],
    ['matmul wrong weight rank', prog(node(OP.matmul, [t(a, 0, F32, 4), t(a, 0, F32, 32), t(b, 0, F32, 128)])), /2-D/],
    ['add broadcast mismatch', prog(node(OP.add, [t(a, 0, F32, 10), t(a, 0, F32, 10), t(b, 0, F32, 3)])), /broadcast/],
    ['add with wrong tensor count', prog(node(OP.add, [t(a, 0, F32, 10), t(a, 0, F32, 10)])), /expected 3 tensors/],
    ['write into a too-small output', prog(node(OP.add, [t(small, 0, F32, 10), t(a, 0, F32, 10), t(a, 0, F32, 10)])), /outside buffer/],
    ['write_rows past the cache', prog(node(OP.write_rows, [t(a, 0, F32, 8, 4), t(a, 0, F32, 8, 4), t(b, 0, F32, 2, 4)], [7])), /outside/],
    ['write_rows negative row', prog(node(OP.write_rows, [t(a, 0, F32, 8, 4), t(a, 0, F32, 8, 4), t(b, 0, F32, 2, 4)], [-1])), /outside/],
    ['attention kvLen beyond the cache', prog(node(OP.attention, [t(a, 0, F32, 1, 2, 8), t(a, 0, F32, 1, 2, 8), t(b, 0, F32, 4, 1, 8), t(b, 0, F32, 4, 1, 8)], [0, 5, 1, 1])), /kvLen/],
    ['attention heads not divisible', prog(node(OP.attention, [t(a, 0, F32, 1, 3, 8), t(a, 0, F32, 1, 3, 8), t(b, 0, F32, 4, 2, 8), t(b, 0, F32, 4, 2, 8)], [0, 4, 1, 1])), /heads/],
    ['attention sinks not one per head', prog(node(OP.attention, [t(a, 0, F32, 1, 2, 8), t(a, 0, F32, 1, 2, 8), t(b, 0, F32, 4, 1, 8), t(b, 0, F32, 4, 1, 8), t(small, 0, F32, 3)], [0, 4, 1, 1, 0, 0])), /sinks/],
    ['swiglu_oai without a limit', prog(node(OP.swiglu_oai, [t(a, 0, F32, 8), t(a, 0, F32, 8), t(b, 0, F32, 8)], [1.702, 0])), /limit/],
    ['partial MXFP4 block', prog(node(OP.matmul, [t(a, 0, F32, 1), t(a, 0, F32, 16), t(b, 0, MXFP4, 1, 16)])), /whole blocks/],
    ['attention missing params', prog(node(OP.attention, [t(a, 0, F32, 1, 2, 8), t(a, 0, F32, 1, 2, 8), t(b, 0, F32, 4, 1, 8), t(b, 0, F32, 4, 1, 8)], [0])), /params/],
    ['rope odd dims', prog(node(OP.rope, [t(a, 0, F32, 1, 2, 8), t(a, 0, F32, 1, 2, 8), t(b, 0, I32, 1)], [0, 3, 10000, 1, 0, 1, 0, 0])), /even/],
    ['rope pos too short', prog(node(OP.rope, [t(a, 0, F32, 2, 2, 8), t(a, 0, F32, 2, 2, 8), t(b, 0, I32, 1)], [0, 8, 10000, 1, 0, 1, 0, 0])), /pos/],
    ['rope without its yarn params', prog(node(OP.rope, [t(a, 0, F32, 1, 2, 8), t(a, 0, F32, 1, 2, 8), t(b, 0, I32, 1)], [0, 8, 10000, 1])), /expected params/],
    ['rope yarn NaN', prog(node(OP.rope, [t(a, 0, F32, 1, 2, 8), t(a, 0, F32, 1, 2, 8), t(b, 0, I32, 1)], [0, 8, 10000, 1, NaN, 1, 0, 3])), /finite/],
    ['softmax dtype', prog(node(OP.softmax, [t(a, 0, F32, 8), t(a, 0, I32, 8)], [1])), /must be F32/],
    ['top_k k too large', prog(node(OP.top_k, [t(a, 0, I32, 9), t(b, 0, F32, 8)], [9])), /k outside/],
    ['view beyond its source', prog(node(OP.view, [t(a, 0, F32, 8), t(b, 0, F32, 8)], [1])), /exceeds/],
    ['concat shape mismatch', prog(node(OP.concat, [t(a, 0, F32, 2, 9), t(b, 0, F32, 2, 4), t(b, 0, F32, 3, 4)], [1])), /differ/],
    ['copy to a quantized type', prog(node(OP.copy, [t(a, 0, Q4_0, 32), t(b, 0, F32, 32)])), /F32 and F16/],
    ['get_rows id out of range', prog(node(OP.get_rows, [t(a, 0, F32, 1, 4), t(b, 0, F32, 2, 4), t(small, 0, I32, 1)])), /outside table/],
  ];

  it.each(cases)('%s', (_name, program, message) => {
    if (_name === 'get_rows id out of range') ctx.upload(small, 0, new Uint8Array(Int32Array.of(2).buffer));
    expect(() => ctx.compute(program)).toThrow(message);
  });

  it('refuses to write into a read-only mapping', () => {
    const mapped = ctx.mapFile(new URL(import.meta.url).pathname, 0, 64);
    expect(() => ctx.compute(prog(node(OP.add, [t(mapped, 0, F32, 4), t(a, 0, F32, 4), t(a, 0, F32, 4)])))).toThrow(/read-only/);
  });

  it('a valid program still runs after all that', () => {
    ctx.upload(a, 0, new Uint8Array(Float32Array.of(1, 2, 3, 4).buffer));
    ctx.compute(prog(node(OP.add, [t(b, 0, F32, 4), t(a, 0, F32, 4), t(a, 0, F32, 2)])));
    expect([...new Float32Array(ctx.download(b, 0, 16).buffer)]).toEqual([2, 4, 4, 6]);
    ctx.dispose();
    expect(() => ctx.compute(prog())).toThrow(/disposed/);
  });
});
