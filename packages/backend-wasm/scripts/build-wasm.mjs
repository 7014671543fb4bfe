#!/usr/bin/env node
// Builds the CPU engine of @ix/cpu-engine (its native/ sources) with native/wasm_api.cpp into three
// WebAssembly modules, compiled by Emscripten (Debian's `emscripten` package) for wasm32 with native
// wasm exceptions:
//   wasm/ix_cpu.wasm         SIMD128, one thread, standalone (no JavaScript glue: src/wasm.ts
//                            instantiates it in Node, Deno, Bun or a browser alike)
//   wasm/ix_cpu_nosimd.wasm  the same without a single SIMD instruction (the scalar kernels)
//   wasm/ix_cpu_mt.wasm      SIMD128 with threads: shared, imported memory and Emscripten's pthreads
//                            (its C library), hosted by src/threads.ts on workers of our own; the
//                            JavaScript glue Emscripten writes beside it is not used (src/host.ts
//                            answers its imports as Emscripten 3.1's glue does: Debian 12's version;
//                            test/threads.test.ts catches another version that changed them)
// Without em++ the build is skipped with a note (the backend then reports itself unavailable), or
// fails when IX_WASM_REQUIRED=1 (CI).
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = fileURLToPath(new URL('..', import.meta.url));
const engine = path.join(path.dirname(createRequire(path.join(pkg, 'package.json')).resolve('@ix/cpu-engine/package.json')), 'native');

if (spawnSync('em++', ['--version'], { stdio: 'ignore' }).status !== 0) {
  const msg = 'build-wasm: em++ not found, so no wasm/ix_cpu.wasm (apt install emscripten)';
  if (process.env.IX_WASM_REQUIRED === '1') {
    console.error(msg);
    process.exit(1);
  }
  console.log(msg);
  process.exit(0);
}

const sources = [...readdirSync(engine).filter((f) => f.endsWith('.cpp')).map((f) => path.join(engine, f)), path.join(pkg, 'native', 'wasm_api.cpp')];
// Debian's emscripten runs its JS tools on this node with Debian's acorn, which lives in /usr/share/nodejs
const env = { ...process.env, NODE_PATH: [process.env.NODE_PATH, '/usr/share/nodejs'].filter(Boolean).join(path.delimiter) };

const upToDate = (out) =>
  existsSync(out) && [...sources, ...readdirSync(engine).map((f) => path.join(engine, f))].every((s) => statSync(s).mtimeMs < statSync(out).mtimeMs);
const run = (args) => {
  const r = spawnSync('em++', args, { stdio: 'inherit', env });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
const common = ['-std=c++17', '-fwasm-exceptions', '-Wall', '-Wno-unused-parameter', `-I${engine}`];
// weights live in linear memory: grow up to wasm32's 4 GiB
const memory = ['-sALLOW_MEMORY_GROWTH', '-sINITIAL_MEMORY=64MB', '-sMAXIMUM_MEMORY=4GB'];

// ix_cpu.wasm with SIMD128 (the SIMD kernels and the scalar ones); ix_cpu_nosimd.wasm without a
// single SIMD instruction (the scalar kernels), for runtimes that cannot compile SIMD128
for (const [name, simd] of [['ix_cpu.wasm', true], ['ix_cpu_nosimd.wasm', false]]) {
  const out = path.join(pkg, 'wasm', name);
  if (upToDate(out)) {
    console.log(`build-wasm: wasm/${name} is up to date`);
    continue;
  }
  mkdirSync(path.dirname(out), { recursive: true });
  console.log(`build-wasm: em++ ${sources.length} sources -> wasm/${name}`);
  run(['-O3', ...common, ...(simd ? ['-msimd128'] : []), '-sSTANDALONE_WASM', '--no-entry', ...memory, '-o', out, ...sources]);
  console.log(`build-wasm: ${name} ${(statSync(out).size / 1e6).toFixed(2)} MB`);
}

// ix_cpu_mt.wasm: Emscripten refuses pthreads in a standalone module, so it links a JavaScript build
// and keeps only its .wasm. Compiled at -O3, linked at -O2: from -O3 on the linker minifies the
// names of imports and exports, which only its own glue could then resolve.
const mt = path.join(pkg, 'wasm', 'ix_cpu_mt.wasm');
if (upToDate(mt)) {
  console.log('build-wasm: wasm/ix_cpu_mt.wasm is up to date');
} else {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'ix-wasm-mt-'));
  try {
    console.log(`build-wasm: em++ -pthread ${sources.length} sources -> wasm/ix_cpu_mt.wasm`);
    // one compiler per core: the sources are independent
    const objects = sources.map((s, i) => path.join(tmp, `${i}-${path.basename(s, '.cpp')}.o`));
    const queue = sources.map((s, i) => ['-c', '-O3', ...common, '-msimd128', '-pthread', '-o', objects[i], s]);
    const compile = async () => {
      for (let args = queue.shift(); args; args = queue.shift()) {
        const status = await new Promise((resolve) => spawn('em++', args, { stdio: 'inherit', env }).on('close', resolve));
        if (status !== 0) process.exit(status ?? 1);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, os.availableParallelism?.() ?? os.cpus().length) }, compile));
    // what src/threads.ts calls besides the ix_* functions (export_name): the C library's thread
    // start and exit, as Emscripten's own worker script calls them
    const exported = ['malloc', 'free', 'pthread_self', '_emscripten_thread_init', '_emscripten_thread_exit', '_emscripten_thread_free_data', 'emscripten_tls_init', 'emscripten_stack_set_limits',
      'ix_error', 'ix_isas', 'ix_engine_new', 'ix_engine_delete', 'ix_engine_threads', 'ix_allocate', 'ix_free', 'ix_writable', 'ix_readable', 'ix_compute', 'ix_thread_stack'];
    run(['-O2', '-pthread', '-fwasm-exceptions', '-Wno-pthreads-mem-growth', '--no-entry', ...memory,
      `-sEXPORTED_FUNCTIONS=${exported.map((e) => `_${e}`).join(',')}`, '-o', path.join(tmp, 'ix_cpu_mt.js'), ...objects]);
    copyFileSync(path.join(tmp, 'ix_cpu_mt.wasm'), mt);
    console.log(`build-wasm: ix_cpu_mt.wasm ${(statSync(mt).size / 1e6).toFixed(2)} MB`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
