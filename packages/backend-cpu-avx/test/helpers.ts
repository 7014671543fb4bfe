import { Executor, Graph, Tensor, type Backend, type DTypeName, type GraphNode, type HostArray } from '@ix/core';

import { CpuAvxBackend, cpuAvxBackend, type Accuracy, type Isa } from '../src/index.js';
import { ISAS, loadAddon } from '../src/native.js';

/** Every ISA path, with whether this CPU can run it (tests skip the ones it cannot). */
export function isaMatrix(): { isa: Isa; supported: boolean }[] {
  const addon = loadAddon().addon;
  const have = addon ? addon.cpuInfo().isas : [];
  return ISAS.map((isa) => ({ isa, supported: have.includes(isa) }));
}

/** Whether this CPU has AVX-VNNI: its AVX2 table then multiplies with 256-bit vpdpbusd, and IX_CPU_VNNI=0 selects plain AVX2's. */
export function hasAvxVnni(): boolean {
  return loadAddon().addon?.cpuInfo().features.includes('avxvnni') ?? false;
}

/**
 * Runs fn with IX_CPU_VNNI=0, so backends made and first used inside it take the kernel tables of
 * CPUs without VNNI (AVX-512 without it, AVX2 without AVX-VNNI); the variable is restored after.
 */
export async function withoutVnni<T>(fn: () => Promise<T>): Promise<T> {
  const prev = process.env.IX_CPU_VNNI;
  process.env.IX_CPU_VNNI = '0';
  try {
    return await fn();
  } finally {
    if (prev === undefined) delete process.env.IX_CPU_VNNI;
    else process.env.IX_CPU_VNNI = prev;
  }
}

/** ISAs whose kernel tables repack weights 16 rows at a time (isa_avx512.cpp, isa_avx2.cpp); NEON and scalar keep the file layout. */
export const REPACKING_ISAS: readonly Isa[] = ['avx512', 'avx2'];

export function makeBackend(isa: Isa, accuracy: Accuracy = 'exact', threads = 2): CpuAvxBackend {
  return cpuAvxBackend.create({ isa, accuracy, threads }) as CpuAvxBackend;
}

export { bytesOf, randomF32, rng } from '@ix/kernel-testing';

/** Upload bytes into a fresh buffer of `backend` and wrap them as a tensor. */
export function tensorOn(backend: Backend, shape: number[], dtype: DTypeName, bytes: Uint8Array, name?: string): Tensor {
  const buf = backend.allocate(bytes.byteLength);
  backend.upload(buf, 0, bytes);
  return new Tensor(shape, dtype, buf, 0, name);
}


/** Run a graph built by `build` on one backend (alone) and return the outputs as host arrays. */
export async function run(
  backend: Backend,
  build: (g: Graph) => GraphNode[],
  inputs: Record<string, HostArray>,
  fallbacks: Backend[] = [],
): Promise<HostArray[]> {
  const g = new Graph();
  const outs = build(g);
  return new Executor(backend, fallbacks).run(g, inputs, outs);
}

/** The best ISA this CPU runs (what the backend picks by default). */
export function bestIsa(): Isa {
  return isaMatrix().find((i) => i.supported)!.isa;
}
