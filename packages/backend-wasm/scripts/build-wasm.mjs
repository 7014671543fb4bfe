#!/usr/bin/env node
// Builds wasm/ix_cpu.wasm (and ix_cpu_nosimd.wasm, the same without SIMD128): the CPU engine of @ix/cpu-engine (its native/ sources) with native/wasm_api.cpp,
// compiled by Emscripten (Debian's `emscripten` package) for wasm32 with SIMD128 and native wasm
// exceptions, as a standalone module (no JavaScript glue: src/module.ts instantiates it in Node, Deno,
// Bun or a browser alike). Without em++ the build is skipped with a note (the backend then reports
// itself unavailable), or fails when IX_WASM_REQUIRED=1 (CI).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
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

// ix_cpu.wasm with SIMD128 (the SIMD kernels and the scalar ones); ix_cpu_nosimd.wasm without a
// single SIMD instruction (the scalar kernels), for runtimes that cannot compile SIMD128
for (const [name, simd] of [['ix_cpu.wasm', true], ['ix_cpu_nosimd.wasm', false]]) {
  const out = path.join(pkg, 'wasm', name);
  // up to date: nothing newer than the module
  if (existsSync(out) && sources.every((s) => statSync(s).mtimeMs < statSync(out).mtimeMs) &&
      readdirSync(engine).every((f) => statSync(path.join(engine, f)).mtimeMs < statSync(out).mtimeMs)) {
    console.log(`build-wasm: wasm/${name} is up to date`);
    continue;
  }
  mkdirSync(path.dirname(out), { recursive: true });
  const flags = [
    '-O3', '-std=c++17', ...(simd ? ['-msimd128'] : []), '-fwasm-exceptions', '-Wall', '-Wno-unused-parameter',
    `-I${engine}`,
    '-sSTANDALONE_WASM', '--no-entry',
    // weights live in linear memory: grow up to wasm32's 4 GiB
    '-sALLOW_MEMORY_GROWTH', '-sINITIAL_MEMORY=64MB', '-sMAXIMUM_MEMORY=4GB',
    '-o', out,
  ];
  console.log(`build-wasm: em++ ${sources.length} sources -> wasm/${name}`);
  const r = spawnSync('em++', [...flags, ...sources], { stdio: 'inherit', env });
  if (r.status !== 0) process.exit(r.status ?? 1);
  console.log(`build-wasm: ${name} ${(statSync(out).size / 1e6).toFixed(2)} MB`);
}
