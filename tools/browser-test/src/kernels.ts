// Every weight type's fused matmul on the WebAssembly backend, in the page, against @ix/core's
// reference dequantizer within tools/kernel-testing's bound (the same check as the Node suite),
// on both kernel tables and in both accuracy modes, and on SIMD128 with two threads (the threaded
// module on the page's workers: the page is cross-origin isolated); then the rope and write_rows →
// attention problems of the rope/attention suite and the decoder suite's two-layer model (a
// prefill and a decoded token, weights of five block types) on one thread and on two, against the
// reference backend within those suites' tolerances (the written caches bit for bit). Results go to
// window.ixKernelResults; `worst` is the largest error over what is allowed (≤ 1 passes).
import { Executor, Graph, type DTypeName } from '@ix/core';
import { WEIGHT_DTYPES } from '@ix/cpu-engine';
import { wasmBackend, type WasmBackend } from '@ix/backend-wasm';

// the bound oracle alone (the package's index also holds vitest suites)
import { checkMatmul, FAST_BLOCK, matmulCase } from '../../kernel-testing/src/matmul-bound.js';
import { maxAbsErr, randomF32, rng, runBoth, tensorOn } from '../../kernel-testing/src/helpers.js';
import { ATTENTION_CASES, attentionProblem, ROPE_CASES, ropeProblem } from '../../kernel-testing/src/rope-attention-cases.js';
import { compareDecoder, hp } from '../../kernel-testing/src/decoder-problem.js';

interface Result {
  isa: string;
  dtype: string;
  accuracy: string;
  worst: number;
  error?: string;
}

async function main(): Promise<Result[]> {
  const out: Result[] = [];
  const configs = (['wasm-simd128', 'scalar'] as const).map((isa) => ({ isa, threads: 1, label: isa as string }));
  configs.push({ isa: 'wasm-simd128', threads: 2, label: 'wasm-simd128, 2 threads' });
  for (const { isa, threads, label } of configs) {
    for (const accuracy of ['exact', 'fast'] as const) {
      const be = (await wasmBackend.create({ isa, accuracy, threads })) as WasmBackend;
      if (be.threads !== threads) throw new Error(`${label}: the backend runs ${be.threads} thread(s): ${be.device.name}`);
      for (const [i, dtype] of (WEIGHT_DTYPES as readonly DTypeName[]).entries()) {
        try {
          const c = matmulCase(dtype, 3000 + i);
          const w = tensorOn(be, [c.N, c.K], dtype, c.bytes, 0, 'w');
          let worst = 0;
          for (const M of [1, 7]) {
            const x = randomF32(M * c.K, rng(3000 + i + M));
            const g = new Graph();
            const y = g.matmul(g.input('x', [M, c.K]), g.constant(w));
            const [r] = await new Executor(be).run(g, { x }, [y]);
            worst = Math.max(worst, checkMatmul(c, x, M, r as Float32Array, accuracy, FAST_BLOCK[dtype] ?? 1).worst);
          }
          be.free(w.buffer);
          out.push({ isa: label, dtype, accuracy, worst });
        } catch (err) {
          out.push({ isa: label, dtype, accuracy, worst: Infinity, error: err instanceof Error ? err.message : String(err) });
        }
      }
      be.dispose();
    }
  }
  for (const threads of [1, 2]) {
    const label = `wasm-simd128, ${threads} thread${threads === 1 ? '' : 's'}`;
    const be = (await wasmBackend.create({ threads })) as WasmBackend;
    if (be.threads !== threads) throw new Error(`${label}: the backend runs ${be.threads} thread(s): ${be.device.name}`);
    const check = async (name: string, run: () => Promise<number>) => {
      try {
        out.push({ isa: label, dtype: name, accuracy: 'exact', worst: await run() });
      } catch (err) {
        out.push({ isa: label, dtype: name, accuracy: 'exact', worst: Infinity, error: err instanceof Error ? err.message : String(err) });
      }
    };
    // the suite's tolerances: rope 1e-6 of max(1, max |y|), attention 2e-6
    const within = (ours: ArrayLike<number>, ref: ArrayLike<number>, tol: number) => {
      const { err, scale } = maxAbsErr(ours, ref);
      return scale > 0 ? err / (tol * Math.max(1, scale)) : Infinity;
    };
    for (const c of ROPE_CASES) {
      await check(`rope ${c.mode}${c.withFactors ? ' + factors' : ''}`, async () => {
        const p = ropeProblem(c);
        const { ours, ref } = await runBoth(be, p.constants, p.build, p.inputs);
        return within(ours[0]!, ref[0]!, 1e-6);
      });
    }
    for (const cacheType of ['F32', 'F16'] as const) {
      for (const c of ATTENTION_CASES) {
        await check(`attention ${cacheType}: ${c.name}`, async () => {
          const p = attentionProblem(c, cacheType);
          const { ours, ref } = await runBoth(be, p.constants, p.build, p.inputs);
          const cachesEqual = [1, 2].every((i) => ours[i]!.length === ref[i]!.length && ours[i]!.every((v, j) => Object.is(v, ref[i]![j])));
          return cachesEqual ? within(ours[0]!, ref[0]!, 2e-6) : Infinity;
        });
      }
    }
    // the decoder suite's check: the same vocabulary-wide logits within 3e-5 of max(1, max |logit|), discriminating logits, the same next token
    for (const c of [{ upType: 'Q4_0', prefill: 4 }, { upType: 'Q5_K', prefill: 12 }] as const) {
      await check(`decoder ${c.upType}, ${c.prefill}-token prefill`, async () => {
        const r = await compareDecoder(be, c);
        const usable = r.fallbacks === 0 && r.nextToken.ours === r.nextToken.ref && r.steps.every((st) => st.length === hp.vocabSize && st.spread > 0.5);
        return usable ? Math.max(...r.steps.map((st) => st.err / (3e-5 * Math.max(1, st.scale)))) : Infinity;
      });
    }
    be.dispose();
  }
  return out;
}

main().then(
  (r) => {
    (window as unknown as { ixKernelResults: Result[] }).ixKernelResults = r;
    document.getElementById('out')!.textContent = r.map((x) => `${x.isa} ${x.dtype} ${x.accuracy}: ${x.worst.toFixed(3)}${x.error ? ` ${x.error}` : ''}`).join('\n');
  },
  (err) => {
    (window as unknown as { ixKernelResults: Result[] }).ixKernelResults = [{ isa: '-', dtype: '-', accuracy: '-', worst: Infinity, error: String(err) }];
  },
);
