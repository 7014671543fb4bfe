/**
 * Fuzz: thousands of mutated stories260K GGUF headers, safetensors headers and llama2.c headers
 * (byte flips, truncations every few bytes, huge counts and lengths). Each must either open or
 * throw ModelFormatError: no other error type, no hang, and no allocation beyond the file's size
 * (checked via the process's peak RSS, which a single hostile multi-GB allocation would blow).
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ModelFormatError } from '@ix/core';
import { configFromGGUF } from '../src/formats/config/gguf-config.js';
import { readGGUF } from '../src/formats/gguf/reader.js';
import { readLlama2cCheckpoint } from '../src/formats/llama2c/checkpoint.js';
import { readSafetensors } from '../src/formats/safetensors/reader.js';
import { writeSafetensors } from '../src/formats/safetensors/writer.js';
import { MemorySink } from '../src/formats/sink.js';
import { MemorySource } from '../src/formats/source.js';
import { STORIES_BIN, STORIES_GGUF } from './fixtures/model-files.js';

/** xorshift32, so a failing case can be reproduced from its description */
function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return (n: number) => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s % n;
  };
}

const HUGE = [1n << 60n, (1n << 63n) - 1n, (1n << 64n) - 1n, 1n << 32n, 0xffffffffn, 1n << 40n];

interface Mutant {
  what: string;
  bytes: Uint8Array;
}

/** truncations every `step` bytes of [0, headerEnd), a few in the data, byte flips and huge u64/u32 values */
function* mutants(orig: Uint8Array, headerEnd: number, seed: number, counts: { flips: number; huge: number }, step: number): Generator<Mutant> {
  for (let n = 0; n < headerEnd; n += step) yield { what: `truncated to ${n}`, bytes: orig.subarray(0, n) };
  for (let n = headerEnd; n < orig.length; n += Math.ceil(orig.length / 50)) yield { what: `truncated to ${n}`, bytes: orig.subarray(0, n) };
  const r = rng(seed);
  for (let i = 0; i < counts.flips; i++) {
    const b = orig.slice();
    const k = 1 + r(8);
    const where: number[] = [];
    for (let j = 0; j < k; j++) {
      const at = r(headerEnd);
      b[at] = b[at]! ^ (1 << r(8));
      where.push(at);
    }
    yield { what: `bits flipped at ${where.join(',')}`, bytes: b };
  }
  for (let i = 0; i < counts.huge; i++) {
    const b = orig.slice();
    const at = r(headerEnd - 8);
    const v = HUGE[r(HUGE.length)]!;
    if (r(2)) new DataView(b.buffer).setBigUint64(at, v, true);
    else new DataView(b.buffer).setUint32(at, Number(v & 0xffffffffn), true);
    yield { what: `${v} written at ${at}`, bytes: b };
  }
}

async function fuzz(name: string, all: Iterable<Mutant>, open: (src: MemorySource) => Promise<unknown>) {
  const failures: string[] = [];
  let opened = 0;
  let rejected = 0;
  const rssBefore = process.resourceUsage().maxRSS;
  for (const m of all) {
    try {
      await open(new MemorySource(name, m.bytes));
      opened++;
    } catch (e) {
      if (e instanceof ModelFormatError && e.file === name) rejected++;
      else failures.push(`${m.what}: ${(e as Error)?.constructor?.name} ${(e as Error)?.message}`);
    }
  }
  const rssGrowthMB = (process.resourceUsage().maxRSS - rssBefore) / 1024;
  console.info(`${name}: ${opened + rejected + failures.length} mutants, ${opened} opened, ${rejected} ModelFormatError, peak RSS +${rssGrowthMB.toFixed(0)} MB`);
  expect(failures.slice(0, 10)).toEqual([]);
  // everything legitimately allocated is bounded by the ~1 MB file; a hostile count honoured would take GBs
  expect(rssGrowthMB).toBeLessThan(256);
}

describe('fuzz', () => {
  it('stories260K.gguf: header mutations open or give ModelFormatError', async () => {
    const orig = new Uint8Array(fs.readFileSync(STORIES_GGUF));
    const openAll = async (src: MemorySource) => {
      const g = await readGGUF(src);
      configFromGGUF(g.metadata, new Map(g.tensors.map((t) => [t.name, t])), src.name);
      // reading a tensor after a successful open must stay in range too
      if (g.tensors.length) await g.tensors[g.tensors.length - 1]!.read();
    };
    await fuzz('fuzz.gguf', mutants(orig, 14176, 1234, { flips: 3000, huge: 1500 }, 5), openAll);
  });

  it('safetensors: header mutations open or give ModelFormatError', async () => {
    const g = await readGGUF(new MemorySource('s.gguf', new Uint8Array(fs.readFileSync(STORIES_GGUF))));
    const sink = new MemorySink();
    await writeSafetensors(sink, g.tensors.map((t) => ({ name: t.name, shape: t.shape, dtype: t.dtype, data: () => t.read() })), { format: 'pt' });
    const orig = sink.bytes();
    const headerEnd = 8 + Number(new DataView(orig.buffer).getBigUint64(0, true));
    // number edits inside the JSON: huge, negative, fractional and out-of-range values
    const numberEdits = function* (): Generator<Mutant> {
      const text = new TextDecoder().decode(orig.subarray(8, headerEnd));
      const r = rng(99);
      const numbers = [...text.matchAll(/\d+/g)];
      const replacements = ['9007199254740993', '-1', '1e308', '0.5', '4294967296', '0', '18446744073709551616'];
      for (let i = 0; i < 1500; i++) {
        const m = numbers[r(numbers.length)]!;
        const edited = text.slice(0, m.index) + replacements[r(replacements.length)] + text.slice(m.index! + m[0].length);
        const json = new TextEncoder().encode(edited);
        const b = new Uint8Array(8 + json.length + orig.length - headerEnd);
        new DataView(b.buffer).setBigUint64(0, BigInt(json.length), true);
        b.set(json, 8);
        b.set(orig.subarray(headerEnd), 8 + json.length);
        yield { what: `JSON number ${m[0]} at ${m.index} edited`, bytes: b };
      }
    };
    const all = function* () {
      yield* mutants(orig, headerEnd, 4321, { flips: 2000, huge: 300 }, 3);
      yield* numberEdits();
    };
    await fuzz('fuzz.safetensors', all(), async (src) => {
      const f = await readSafetensors(src);
      if (f.tensors.length) await f.tensors[0]!.read();
    });
  });

  it('llama2.c legacy .bin: header mutations open or give ModelFormatError', async () => {
    const orig = new Uint8Array(fs.readFileSync(STORIES_BIN));
    await fuzz('fuzz.bin', mutants(orig, 28, 77, { flips: 500, huge: 300 }, 1), readLlama2cCheckpoint);
  });
});
