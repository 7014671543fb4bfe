import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * What a user without build tools gets from npm: the tarballs `npm pack` makes of the published
 * packages, installed into a fresh folder with no compiler (nor cmake, nor make) on PATH, must run
 * `ix probe`, `ix doctor` and the bundled model on the shipped prebuilt addon — on linux-x64 here,
 * and on linux-arm64 under qemu where tools/arm64/sysroot.sh has prepared it.
 */
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
/** what `npm install @ix/cli @ix/backend-cpu-avx` brings: the set the size target is about */
const MINIMAL = ['@ix/core', '@ix/llm', '@ix/cli', '@ix/native-common', '@ix/cpu-engine', '@ix/backend-cpu-avx'];
/** every other published package */
const OPTIONAL = ['@ix/server', '@ix/backend-vulkan', '@ix/backend-cuda', '@ix/backend-wasm', '@ix/backend-webgpu', '@ix/backend-npu'];
/** Chromium's SwiftShader Vulkan driver (Debian's chromium): CI's WebGPU adapter */
const SWIFTSHADER = '/usr/lib/chromium/vk_swiftshader_icd.json';
const MODEL = join(REPO, 'models/stories260K/stories260K.gguf');
/** Published greedy output of stories260K (llama2.c's test_all.py) */
const EXPECTED = readFileSync(join(REPO, 'models/stories260K/greedy-200.txt'), 'utf8');
/** the target for core + model library + CPU backend + CLI, installed with their dependencies */
const INSTALLED_LIMIT = 15e6;
const ARM64_NODE = join(REPO, 'tools/arm64/node');
const arm64Ready = existsSync(join(process.env.IX_CACHE_DIR ?? join(homedir(), '.cache/ix'), 'arm64-sysroot/.ix-sysroot-ok'));

interface Packed {
  name: string;
  filename: string;
  size: number;
  unpackedSize: number;
}

let work: string;
let app: string;
let env: NodeJS.ProcessEnv;
let packed: Packed[];
let installLog: string;
let tgz: string;

/** npm install the tarballs of `names` into the app, approving the install scripts of the backends among them */
function install(names: string[]): string {
  const files = names.map((n) => join(tgz, packed.find((p) => p.name === n)!.filename));
  const pkg = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8'));
  // npm 11 runs a dependency's install script only when approved: approve the backends', so the path
  // where it runs is tested too (it must find the prebuild and build nothing)
  for (const f of files.filter((f) => f.includes('backend'))) pkg.allowScripts[`file:${f}`] = true;
  writeFileSync(join(app, 'package.json'), JSON.stringify(pkg));
  const r = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--foreground-scripts', ...files], { cwd: app, env, encoding: 'utf8' });
  const log = r.stdout + r.stderr;
  if (r.status !== 0) throw new Error(`npm install of the tarballs failed:\n${log}`);
  return log;
}

/** bytes of the files under `dir`, symlinks not followed */
function treeBytes(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) total += treeBytes(p);
    else if (e.isFile()) total += lstatSync(p).size;
  }
  return total;
}

function ix(args: string[], extra: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [join(app, 'node_modules/@ix/cli/bin/ix.js'), ...args], { cwd: app, env: { ...env, ...extra }, encoding: 'utf8', maxBuffer: 16 << 20 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'ix-pack-'));
  tgz = join(work, 'tgz');
  mkdirSync(tgz);
  packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', tgz, ...[...MINIMAL, ...OPTIONAL].flatMap((p) => ['-w', p])], { cwd: REPO, encoding: 'utf8' }));
  // PATH with node, npm and a shell only
  const bin = join(work, 'bin');
  mkdirSync(bin);
  symlinkSync(process.execPath, join(bin, 'node'));
  for (const tool of ['npm', 'npx', 'sh', 'env']) {
    const at = execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim();
    symlinkSync(at, join(bin, tool));
  }
  env = { ...process.env, PATH: bin };
  app = join(work, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, allowScripts: {} }));
  installLog = install(MINIMAL);
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the npm tarballs, installed with no compiler', () => {
  it('the PATH of the install really has no compiler, cmake or make', () => {
    for (const tool of ['cc', 'c++', 'g++', 'gcc', 'clang++', 'cmake', 'make']) {
      expect(spawnSync(tool, ['--version'], { env }).error, tool).toBeDefined();
    }
  });

  it('the CPU backend ships its prebuilds; its install script found one and built nothing', () => {
    const backend = join(app, 'node_modules/@ix/backend-cpu-avx');
    // linux-arm64 too where the cross compiler is installed (CI: required, IX_PREBUILD_REQUIRED=1)
    const shipped = readdirSync(join(backend, 'prebuilds'));
    expect(shipped).toContain('linux-x64');
    if (process.env.IX_PREBUILD_REQUIRED === '1') expect(shipped).toContain('linux-arm64');
    expect(installLog).toContain('> @ix/backend-cpu-avx@0.1.0 install');
    expect(installLog).not.toMatch(/building ix_cpu_avx from source|could not be built/);
    expect(existsSync(join(backend, 'build'))).toBe(false);
  });

  it(`core + model library + CPU backend + CLI take under ${INSTALLED_LIMIT / 1e6} MB installed, dependencies included`, () => {
    const installed = treeBytes(join(app, 'node_modules'));
    const rows = packed.map((p) => `  ${p.name.padEnd(22)} tarball ${(p.size / 1e6).toFixed(2)} MB, unpacked ${(p.unpackedSize / 1e6).toFixed(2)} MB`);
    console.log(`npm tarballs:\n${rows.join('\n')}\ninstalled (${MINIMAL.join(', ')} with all dependencies): ${(installed / 1e6).toFixed(2)} MB`);
    expect(installed).toBeLessThan(INSTALLED_LIMIT);
  });

  it('ix probe chooses the CPU backend, on the prebuilt addon', () => {
    const r = ix(['probe', '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.chosen).toBe('cpu-avx');
    const cpu = out.backends.find((b: { name: string }) => b.name === 'cpu-avx');
    expect(cpu.details.addon).toMatch(/[/]prebuilds[/]linux-x64[/]ix_cpu_avx\.node$/);
  });

  it('ix run prints the published greedy text of the bundled model', () => {
    const r = ix(['run', MODEL, '--temp', '0', '-n', '200']);
    expect(r.stderr).toContain('backend "cpu-avx"');
    expect(r.stdout).toBe(EXPECTED + '\n');
  });

  it('ix doctor finds no problem and names the prebuilt addon', () => {
    const r = ix(['doctor']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('backend cpu-avx is available (prebuilt addon)');
    expect(r.stdout).toContain('no problems found');
  });

  it('ix serve without the optional server package says what to install', () => {
    const r = ix(['serve', MODEL]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('ix: ix serve needs the server package: npm install @ix/server (beside @ix/cli)\n');
  });
});

describe('then the server, the GPU backends and the WebAssembly backend, from their tarballs', () => {
  let log: string;
  beforeAll(() => {
    log = install(OPTIONAL);
  });

  it('the GPU backends install from their prebuilds too: a missing driver is their only excuse', () => {
    expect(log).not.toMatch(/from source|could not be built/);
    const out = JSON.parse(ix(['probe', '--json']).stdout);
    for (const [name, addon] of [['vulkan', 'ix_vulkan'], ['cuda', 'ix_cuda']] as const) {
      const b = out.backends.find((x: { name: string }) => x.name === name);
      expect(b, name).toBeDefined();
      if (b.available) expect(b.details.addon).toMatch(new RegExp(`[/]prebuilds[/]linux-x64[/]${addon}\\.node$`));
      else expect(b.reason, name).not.toMatch(/native addon/);
    }
    // CI installs lavapipe (IX_VULKAN_REQUIRED=1): there the Vulkan backend must come up
    if (process.env.IX_VULKAN_REQUIRED === '1') expect(out.backends.find((x: { name: string }) => x.name === 'vulkan').available).toBe(true);
  });

  it('the WebAssembly backend runs the bundled model from its shipped module', () => {
    const out = JSON.parse(ix(['probe', '--json']).stdout);
    const wasm = out.backends.find((x: { name: string }) => x.name === 'wasm');
    expect(wasm.available, wasm.reason).toBe(true);
    expect(wasm.details.module).toMatch(/node_modules[/]@ix[/]backend-wasm[/]wasm[/]ix_cpu\.wasm$/);
    const r = ix(['run', MODEL, '--temp', '0', '-n', '200', '--backend', 'wasm']);
    expect(r.stderr).toContain('backend "wasm"');
    expect(r.stdout).toBe(EXPECTED + '\n');
  });

  it('the WebGPU backend finds Dawn in the webgpu package and prints the published text (on SwiftShader without a GPU)', () => {
    const extra = existsSync(SWIFTSHADER) ? { VK_ICD_FILENAMES: SWIFTSHADER } : {};
    const out = JSON.parse(ix(['probe', '--json'], extra).stdout);
    const webgpu = out.backends.find((x: { name: string }) => x.name === 'webgpu');
    expect(webgpu.details.source).toBe('webgpu (Dawn)');
    if (!webgpu.available) {
      // only a machine without any adapter may excuse it, never a package that does not load
      expect(process.env.IX_WEBGPU_REQUIRED, webgpu.reason).not.toBe('1');
      expect(webgpu.reason).toMatch(/no WebGPU adapter/);
      return;
    }
    // 50 tokens (a software adapter is slow): the start of the published text
    const r = ix(['run', MODEL, '--temp', '0', '-n', '50', '--backend', 'webgpu'], extra);
    expect(r.stderr).toContain('backend "webgpu"');
    expect(r.stdout.length).toBeGreaterThan(150);
    expect(EXPECTED.startsWith(r.stdout.slice(0, -1)), r.stdout).toBe(true);
  });

  it('the npu backend loads ONNX Runtime from the onnxruntime-node package (its CPU EP ships inside) and prints the published text', () => {
    const out = JSON.parse(ix(['probe', '--json']).stdout);
    const npu = out.backends.find((x: { name: string }) => x.name === 'npu');
    expect(npu.available, npu.reason).toBe(true);
    expect(npu.features).toContain('ep:cpu');
    const r = ix(['run', MODEL, '--temp', '0', '-n', '200', '--backend', 'npu']);
    expect(r.stderr).toContain('backend "npu"');
    expect(r.stdout).toBe(EXPECTED + '\n');
  });

  it('ix serve answers an OpenAI completion with the published text', async () => {
    const server = spawn(process.execPath, [join(app, 'node_modules/@ix/cli/bin/ix.js'), 'serve', MODEL, '--port', '0', '--backend', 'cpu-avx'], { cwd: app, env });
    try {
      const address = await new Promise<string>((resolve, reject) => {
        let err = '';
        server.stderr.on('data', (d: Buffer) => {
          err += d.toString();
          const m = err.match(/ at (http:\/\/\S+)/);
          if (m) resolve(m[1]!);
        });
        server.on('exit', (code) => reject(new Error(`ix serve exited (${code}): ${err}`)));
      });
      const res = await fetch(`${address}/v1/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'stories260K', prompt: 'Once upon a time', max_tokens: 20, temperature: 0 }),
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { choices: { text: string }[] };
      expect(EXPECTED.startsWith('Once upon a time' + body.choices[0]!.text)).toBe(true);
    } finally {
      server.kill('SIGTERM');
    }
  });
});

describe('the same install on linux-arm64 (qemu-user)', () => {
  // CI prepares the sysroot and sets IX_ARM64_REQUIRED=1: there a missing sysroot fails instead of skipping
  const skip = !arm64Ready && process.env.IX_ARM64_REQUIRED !== '1';
  const arm64Ix = (args: string[], cpu: string) =>
    spawnSync(ARM64_NODE, [join(app, 'node_modules/@ix/cli/bin/ix.js'), ...args], { cwd: app, env: { ...process.env, QEMU_CPU: cpu }, encoding: 'utf8', maxBuffer: 16 << 20 });

  // cortex-a53: ARMv8.0 without dotprod; max: dotprod and i8mm
  it.skipIf(skip).each([
    ['cortex-a53', 'neon'],
    ['max', 'neon-i8mm'],
  ])('QEMU_CPU=%s: the linux-arm64 prebuild runs on the %s kernels and prints the published text', (cpu, isa) => {
    const probe = arm64Ix(['probe', '--json'], cpu);
    expect(probe.status, probe.stderr).toBe(0);
    const backend = JSON.parse(probe.stdout).backends.find((b: { name: string }) => b.name === 'cpu-avx');
    expect(backend.details.addon).toMatch(/[/]prebuilds[/]linux-arm64[/]ix_cpu_avx\.node$/);
    expect(backend.details.isa).toBe(isa);
    const r = arm64Ix(['run', MODEL, '--temp', '0', '-n', '200'], cpu);
    expect(r.stderr).toContain('backend "cpu-avx"');
    expect(r.stdout).toBe(EXPECTED + '\n');
  });
});

describe('a platform with no prebuild and no compiler (last: it breaks the install)', () => {
  it('npm rebuild says why the addon cannot be built and succeeds; probe, the fallback backend and ix doctor say what to do', () => {
    const backend = join(app, 'node_modules/@ix/backend-cpu-avx');
    rmSync(join(backend, 'prebuilds/linux-x64'), { recursive: true, force: true });
    const r = spawnSync('npm', ['rebuild', '@ix/backend-cpu-avx', '--foreground-scripts'], { cwd: app, env, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toMatch(/no prebuild fits linux-x64; building ix_cpu_avx from source/);
    expect(r.stdout + r.stderr).toMatch(/the native addon could not be built \(cmake-js is not installed beside it/);
    const out = JSON.parse(ix(['probe', '--json']).stdout);
    const cpu = out.backends.find((b: { name: string }) => b.name === 'cpu-avx');
    expect(cpu.available).toBe(false);
    expect(cpu.reason).toMatch(/no native addon ix_cpu_avx for linux-x64.*ix doctor/);
    // another backend installed above takes over (Vulkan where a driver is, else WebAssembly)
    expect(['vulkan', 'wasm']).toContain(out.chosen);
    const doctor = ix(['doctor']);
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toMatch(/PROBLEM backend cpu-avx has no prebuilt addon for linux-x64 \(it ships (prebuilds for linux-arm64|no prebuilds)\)/);
    expect(doctor.stdout).toMatch(/fix: install cmake \(3\.15 or newer\) and a C\+\+17 compiler .*npx cmake-js compile/);
    expect(ix(['run', MODEL, '--temp', '0', '-n', '200', '--backend', 'wasm']).stdout).toBe(EXPECTED + '\n');
  });
});
