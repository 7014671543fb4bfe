import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, homedir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * llama.cpp's native tools (llama-bench, llama-server, llama-perplexity, ...) built from the source
 * that ships inside the node-llama-cpp package (llama/gitRelease.bundle), with -march=native, in a
 * cache outside the repository keyed by the bundle's commit. Built once; later calls only check.
 */
export const NATIVE_TOOLS = ['llama-bench', 'llama-server', 'llama-perplexity', 'llama-tokenize', 'llama-embedding', 'llama-quantize'] as const;
export type NativeTool = (typeof NATIVE_TOOLS)[number];

export function peerCacheRoot(): string {
  return process.env.IX_PEER_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'ix');
}

function bundlePath(): string {
  // the package exports no package.json: walk up from its entry point
  let dir = dirname(createRequire(import.meta.url).resolve('node-llama-cpp'));
  while (!existsSync(join(dir, 'llama', 'gitRelease.bundle'))) {
    if (dirname(dir) === dir) throw new Error("llama.cpp's source bundle (llama/gitRelease.bundle) is not in the node-llama-cpp package");
    dir = dirname(dir);
  }
  return join(dir, 'llama', 'gitRelease.bundle');
}

/**
 * Build flavours: 'native' (-march=native, the default), 'avx2' (AVX2 + FMA + F16C, AVX-512 off:
 * the peer for ix's IX_CPU_ISA=avx2 path with IX_CPU_VNNI=0), 'avx2-vnni' (the same with AVX-VNNI:
 * the peer for IX_CPU_ISA=avx2 on a CPU that has it) and 'vulkan' (ggml's Vulkan backend, needs glslc and the
 * Vulkan headers: the peer of ix's GPU backends). IX_PEER_FLAVOUR picks one; each has its own build folder.
 */
export type PeerFlavour = 'native' | 'avx2' | 'avx2-vnni' | 'vulkan';
const FLAVOUR_FLAGS: Record<PeerFlavour, string[]> = {
  native: ['-DGGML_NATIVE=ON'],
  avx2: ['-DGGML_NATIVE=OFF', '-DGGML_AVX=ON', '-DGGML_AVX2=ON', '-DGGML_FMA=ON', '-DGGML_F16C=ON', '-DGGML_BMI2=ON', '-DGGML_AVX512=OFF'],
  'avx2-vnni': ['-DGGML_NATIVE=OFF', '-DGGML_AVX=ON', '-DGGML_AVX2=ON', '-DGGML_FMA=ON', '-DGGML_F16C=ON', '-DGGML_BMI2=ON', '-DGGML_AVX512=OFF', '-DGGML_AVX_VNNI=ON'],
  vulkan: ['-DGGML_NATIVE=ON', '-DGGML_VULKAN=ON'],
};

export function peerFlavour(): PeerFlavour {
  const f = process.env.IX_PEER_FLAVOUR ?? 'native';
  if (f !== 'native' && f !== 'avx2' && f !== 'avx2-vnni' && f !== 'vulkan') throw new Error(`IX_PEER_FLAVOUR must be native, avx2, avx2-vnni or vulkan, got "${f}"`);
  return f;
}

const run = (cmd: string, args: string[], cwd?: string) => execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'] }).toString();

/** Path of a native llama.cpp tool, building it (and the source checkout) first if needed. */
export function nativePeer(tool: NativeTool, log: (s: string) => void = (s) => process.stderr.write(s + '\n')): string {
  const bundle = bundlePath();
  const commit = run('git', ['bundle', 'list-heads', bundle]).split(/\s+/)[0]!.slice(0, 12);
  const src = join(peerCacheRoot(), `llama.cpp-${commit}`);
  const flavour = peerFlavour();
  const build = flavour === 'native' ? 'build' : `build-${flavour}`;
  const bin = join(src, build, 'bin', tool);
  if (existsSync(bin)) return bin;
  if (!existsSync(join(src, 'CMakeLists.txt'))) {
    log(`native peer: cloning llama.cpp ${commit} from node-llama-cpp's bundle into ${src}`);
    rmSync(src, { recursive: true, force: true });
    mkdirSync(dirname(src), { recursive: true });
    run('git', ['clone', '-q', bundle, src]);
  }
  // llama-embedding is one of llama.cpp's examples: a build configured without them is reconfigured
  const cache = join(src, build, 'CMakeCache.txt');
  if (!existsSync(cache) || readFileSync(cache, 'utf8').includes('LLAMA_BUILD_EXAMPLES:BOOL=OFF')) {
    log(`native peer: configuring ${build} (${FLAVOUR_FLAGS[flavour].join(' ')}, static, no curl)`);
    run('cmake', ['-S', '.', '-B', build, '-DCMAKE_BUILD_TYPE=Release', ...FLAVOUR_FLAGS[flavour], '-DLLAMA_CURL=OFF', '-DLLAMA_OPENSSL=OFF', '-DBUILD_SHARED_LIBS=OFF', '-DLLAMA_BUILD_TESTS=OFF', '-DLLAMA_BUILD_EXAMPLES=ON', '-DLLAMA_BUILD_SERVER=ON', '-DCMAKE_C_FLAGS=-w', '-DCMAKE_CXX_FLAGS=-w'], src);
  }
  log(`native peer: building ${tool} in ${build} (minutes on 2 cores; cached afterwards; log in ${src}/${build}.log)`);
  const out = openSync(join(src, `${build}.log`), 'a');
  try {
    execFileSync('cmake', ['--build', build, '-j', String(availableParallelism()), '--target', tool], { cwd: src, stdio: ['ignore', out, out] });
  } catch {
    throw new Error(`native peer: building ${tool} failed; see ${src}/${build}.log`);
  } finally {
    closeSync(out);
  }
  if (!existsSync(bin)) throw new Error(`native peer: the build did not produce ${bin}`);
  return bin;
}
