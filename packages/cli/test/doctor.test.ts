import { describe, expect, it } from 'vitest';

import { diagnose, gatherFacts, type Facts } from '../src/commands/doctor.js';

/** A machine with every backend package installed and working, as a base the cases below break. */
function healthy(): Facts {
  return {
    node: '20.20.2',
    platform: 'linux',
    arch: 'x64',
    glibc: '2.36',
    discovered: [{ packageName: '@ix/backend-cpu-avx', packageDir: '/app/node_modules/@ix/backend-cpu-avx' }],
    probed: [
      { name: 'cpu-avx', available: true, addon: '/app/node_modules/@ix/backend-cpu-avx/prebuilds/linux-x64/ix_cpu_avx.node' },
      { name: 'reference', available: true },
    ],
    chosen: 'cpu-avx',
    packages: { '@ix/backend-cpu-avx': { prebuilds: ['linux-arm64', 'linux-x64'], buildable: true } },
    tools: { cmake: 'cmake version 3.25.1', cxx: 'c++ (Debian 12.2.0-14) 12.2.0' },
  };
}

const problems = (f: Facts) => diagnose(f).filter((x) => x.level === 'problem');

describe('ix doctor: diagnose', () => {
  it('a working install has no problems and says where the addon came from', () => {
    const findings = diagnose(healthy());
    expect(problems(healthy())).toEqual([]);
    expect(findings.map((f) => f.what)).toContain('backend cpu-avx is available (prebuilt addon)');
    expect(findings.map((f) => f.what)).toContain('ix runs models on backend cpu-avx');
  });

  it('no prebuild for this platform and no build tools: says which prebuilds exist, what to install and how to build', () => {
    const f = healthy();
    f.arch = 'riscv64';
    f.tools = {};
    f.probed[0] = { name: 'cpu-avx', available: false, reason: 'no native addon ix_cpu_avx for linux-riscv64: neither a source build (build/Release) nor a prebuild (prebuilds/linux-riscv64). Build it ...' };
    f.chosen = 'reference';
    const p = problems(f);
    expect(p[0]!.what).toBe('backend cpu-avx has no prebuilt addon for linux-riscv64 (it ships prebuilds for linux-arm64, linux-x64)');
    expect(p[0]!.fix).toMatch(/^install cmake \(3\.15 or newer\) and a C\+\+17 compiler .* then build it: cd \/app\/node_modules\/@ix\/backend-cpu-avx && npm install --no-save cmake-js@8 node-addon-api@8 && npx cmake-js compile$/);
    // running on the JavaScript reference is a problem worth fixing, not a failure to run
    expect(p[1]!.what).toMatch(/^ix runs models on backend reference — the slow JavaScript reference/);
  });

  it('a prebuild that exists but does not load (musl libc) is told apart from a missing one', () => {
    const f = healthy();
    f.glibc = undefined;
    f.tools = { cmake: 'cmake version 3.25.1' };
    f.probed[0] = { name: 'cpu-avx', available: false, reason: 'native addon ix_cpu_avx failed to load (prebuilds/linux-x64/ix_cpu_avx.node: Error relocating: __memcpy_chk: symbol not found). Build ...' };
    const findings = diagnose(f);
    expect(findings.find((x) => x.level === 'note')?.what).toMatch(/does not use glibc/);
    const p = problems(f)[0]!;
    expect(p.what).toMatch(/^backend cpu-avx: its prebuilt addon for linux-x64 does not load here \(native addon ix_cpu_avx failed to load/);
    expect(p.fix).toMatch(/^install a C\+\+17 compiler/);
  });

  it('old Node.js, a package that fails to import, and no backend at all are problems with fixes', () => {
    const f = healthy();
    f.node = '18.19.0';
    f.discovered[0]!.error = 'Cannot find module @ix/core';
    f.probed = [];
    f.chosen = undefined;
    f.chooseError = 'no available backend';
    const p = problems(f);
    expect(p.map((x) => x.what)).toEqual([
      'Node.js 18.19.0 is older than ix needs (20 or newer)',
      '@ix/backend-cpu-avx is installed but failed to load: Cannot find module @ix/core',
      'no backend can run: no available backend',
    ]);
    expect(p.every((x) => x.fix)).toBe(true);
  });

  it('a GPU backend without its driver is a note with the driver to install, not a problem', () => {
    const f = healthy();
    f.probed.push({ name: 'cuda', available: false, reason: 'cannot open the NVIDIA driver library libcuda.so.1 (no NVIDIA driver installed?)' });
    expect(problems(f)).toEqual([]);
    expect(diagnose(f).find((x) => x.what.startsWith('backend cuda'))?.fix).toMatch(/NVIDIA driver/);
  });
});

describe('ix doctor: this checkout', () => {
  it('finds the CPU backend built here and no problem', async () => {
    const facts = await gatherFacts();
    expect(facts.probed.find((p) => p.name === 'cpu-avx')).toMatchObject({ available: true });
    expect(facts.packages['@ix/backend-cpu-avx']?.buildable).toBe(true);
    expect(problems(facts)).toEqual([]);
  });
});
