// one N x K matvec (and an M-row matmul) per weight type on the wasm backend; mean ms of reps after warm-up
import { Executor, Graph, Tensor, quantize } from '/work/main/packages/core/dist/index.js';
import wasmBackend from '/work/main/packages/backend-wasm/dist/index.js';
const [types = 'Q4_0,Q4_K,Q5_K,Q6_K,Q8_0', accs = 'exact,fast', Ms = '1'] = process.argv.slice(2);
const [N, K] = (process.env.SHAPE ?? '5632x2048').split('x').map(Number);
const src = new Float32Array(N * K); let s = 1;
for (let i = 0; i < src.length; i++) { s = (s * 1103515245 + 12345) >>> 0; src[i] = (s / 2 ** 32 - 0.5); }
for (const acc of accs.split(',')) {
  const be = await wasmBackend.create({ accuracy: acc, threads: 1 });
  for (const dt of types.split(',')) {
    const bytes = quantize(dt, src);
    const buf = be.allocate(bytes.byteLength); be.upload(buf, 0, bytes);
    const w = new Tensor([N, K], dt, buf, 0, 'w');
    for (const M of Ms.split(',').map(Number)) {
      const x = new Float32Array(M * K).map((_, i) => Math.sin(i));
      const g = new Graph(); const out = g.matmul(g.input('x', [M, K]), g.constant(w));
      const ex = new Executor(be);
      await ex.run(g, { x }, [out]);
      const reps = M === 1 ? Math.max(3, Math.round(2e8 / (N * K))) : 3; const meds = []; const order = [];
      for (let b = 0; b < 9; b++) { const t0 = performance.now();
        for (let i = 0; i < reps; i++) await ex.run(g, { x }, [out]);
        meds.push((performance.now() - t0) / reps); order.push(meds.at(-1)); }
      meds.sort((a, b) => a - b);
      console.log(`${acc} ${dt} M=${M}: ${meds[4].toFixed(2)} ms (min ${meds[0].toFixed(2)})`, process.env.ALL ? order.map((m) => m.toFixed(2)).join(" ") : "");
    }
    be.free(buf);
  }
  be.dispose?.();
}
