// The WebGPU backend's kernels in the page, through navigator.gpu (Chromium's Dawn), against
// @ix/core's reference backend: every weight type's fused matmul (a decode row and a prefill tile)
// and get_rows, and rms_norm → rope → softmax on activations. Results go to window.ixWebGpuResults
// as the largest error relative to max |reference|.
import { Executor, Graph, quantize, ReferenceBackend, type Backend, type DTypeName, type GraphNode } from '@ix/core';
import { webgpuBackend, WEIGHT_DTYPES } from '@ix/backend-webgpu';

import { randomF32, rng, tensorOn } from '../../kernel-testing/src/helpers.js';

interface Result {
  name: string;
  relErr: number;
  error?: string;
}

const reference = new ReferenceBackend();

function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let err = 0, scale = 0;
  for (let i = 0; i < b.length; i++) {
    err = Math.max(err, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return a.length === b.length && scale > 0 ? err / scale : Infinity;
}

async function both(be: Backend, dtype: DTypeName, shape: [number, number], bytes: Uint8Array, build: (g: Graph, w: GraphNode) => GraphNode, inputs: Record<string, Float32Array | Int32Array>) {
  const run = async (on: Backend) => {
    const w = tensorOn(on, shape, dtype, bytes, 0, 'w');
    const g = new Graph();
    const [y] = await new Executor(on).run(g, inputs, [build(g, g.constant(w))]);
    on.free(w.buffer);
    return y!;
  };
  return relErr(await run(be), await run(reference));
}

async function main(): Promise<Result[]> {
  const be = await webgpuBackend.create();
  const out: Result[] = [{ name: `adapter: ${be.device.name}`, relErr: 0 }];
  for (const [i, dtype] of (WEIGHT_DTYPES as readonly DTypeName[]).entries()) {
    const k = dtype.endsWith('_K') ? 512 : dtype.startsWith('Q') ? 96 : 75;
    const n = 37;
    const wf = randomF32(n * k, rng(40 + i));
    const bytes = dtype === 'F32' ? new Uint8Array(wf.buffer) : quantize(dtype, wf);
    for (const m of [1, 9]) {
      try {
        const x = randomF32(m * k, rng(50 + m));
        out.push({ name: `matmul ${dtype} M=${m}`, relErr: await both(be, dtype, [n, k], bytes, (g, w) => g.matmul(g.input('x', [m, k]), w), { x }) });
      } catch (err) {
        out.push({ name: `matmul ${dtype} M=${m}`, relErr: Infinity, error: String(err) });
      }
    }
    try {
      const ids = Int32Array.from([3, 0, 36, 3]);
      out.push({ name: `get_rows ${dtype}`, relErr: await both(be, dtype, [n, k], bytes, (g, w) => g.getRows(w, g.input('ids', [4], 'I32')), { ids }) });
    } catch (err) {
      out.push({ name: `get_rows ${dtype}`, relErr: Infinity, error: String(err) });
    }
  }
  try {
    const x = randomF32(3 * 4 * 32, rng(7), 3);
    const pos = Int32Array.from([0, 5, 130]);
    const norm = new Float32Array(32).fill(1);
    const params = { mode: 'neox' as const, dims: 32, base: 10000, freqScale: 1 };
    out.push({
      name: 'rms_norm, rope, softmax',
      relErr: await both(be, 'F32', [1, 32], new Uint8Array(norm.buffer), (g, w) => g.softmax(g.rope(g.mul(g.rmsNorm(g.input('x', [3, 4, 32]), 1e-5), g.view(w, [32])), g.input('pos', [3], 'I32'), params), 1), { x, pos }),
    });
  } catch (err) {
    out.push({ name: 'rms_norm, rope, softmax', relErr: Infinity, error: String(err) });
  }
  be.dispose();
  return out;
}

main().then(
  (r) => {
    (window as unknown as { ixWebGpuResults: Result[] }).ixWebGpuResults = r;
    document.getElementById('out')!.textContent = r.map((x) => `${x.name}: ${x.relErr.toExponential(2)}${x.error ? ` ${x.error}` : ''}`).join('\n');
  },
  (err) => {
    (window as unknown as { ixWebGpuResults: Result[] }).ixWebGpuResults = [{ name: 'setup', relErr: Infinity, error: String(err) }];
  },
);
