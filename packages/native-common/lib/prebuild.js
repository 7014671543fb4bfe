#!/usr/bin/env node
// `ix-prebuild <addon name> [--arch arm64]`: a backend package's prebuilds, the files its npm tarball
// ships so that installing needs no compiler (layout: prebuilds/<platform>-<arch>/<name>.node).
//   without --arch: the host's addon, already built by cmake-js into build/Release, copied and stripped
//   --arch arm64:   cross-compiled on an x86-64 Linux host with Debian's g++-aarch64-linux-gnu
// A missing cross compiler skips that prebuild with a note, or fails when IX_PREBUILD_REQUIRED=1 (CI).
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

import { platformTag } from './load.js';

/** Cross toolchains by Node's arch name: GNU triplet prefix, CMake's processor name, Debian package */
const CROSS = {
  arm64: { prefix: 'aarch64-linux-gnu-', cmakeProcessor: 'aarch64', apt: 'g++-aarch64-linux-gnu' },
};

const args = process.argv.slice(2);
const name = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--arch');
const archAt = args.indexOf('--arch');
const arch = archAt >= 0 ? args[archAt + 1] : process.arch;
if (!name || !arch) {
  console.error('usage: ix-prebuild <addon name> [--arch arm64]');
  process.exit(2);
}
const packageDir = process.cwd();

function has(cmd) {
  return spawnSync(cmd, ['--version'], { stdio: 'ignore' }).status === 0;
}

/** copy `from` to prebuilds/<tag>/<name>.node without its symbol tables (a third of the size) */
function install(from, tag, strip) {
  const dir = path.join(packageDir, 'prebuilds', tag);
  mkdirSync(dir, { recursive: true });
  const to = path.join(dir, `${name}.node`);
  if (has(strip)) {
    const r = spawnSync(strip, ['--strip-unneeded', '-o', to, from], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`${strip} failed on ${from}`);
  } else {
    copyFileSync(from, to);
  }
  console.log(`prebuild: ${path.relative(packageDir, to)}`);
}

if (arch === process.arch) {
  const built = path.join(packageDir, 'build', 'Release', `${name}.node`);
  if (!existsSync(built)) {
    console.error(`prebuild: ${built} is missing: build the addon first (cmake-js compile)`);
    process.exit(1);
  }
  // a stub (an addon built without its toolchain, e.g. no nvcc) must not ship as a prebuild
  const stub = createRequire(import.meta.url)(built).stubReason;
  if (stub !== undefined) {
    rmSync(path.join(packageDir, 'prebuilds', platformTag()), { recursive: true, force: true });
    console.log(`prebuild: none for ${platformTag()}: the addon was ${stub}`);
    process.exit(0);
  }
  install(built, platformTag(), 'strip');
} else {
  const cross = CROSS[arch];
  if (!cross || process.platform !== 'linux') {
    console.error(`prebuild: cross-compiling for ${arch} on ${platformTag()} is not set up (known: ${Object.keys(CROSS).join(', ')}, on linux)`);
    process.exit(2);
  }
  const cxx = `${cross.prefix}g++`;
  if (!has(cxx)) {
    const msg = `prebuild: ${cxx} not found, so no linux-${arch} prebuild (apt install ${cross.apt})`;
    if (process.env.IX_PREBUILD_REQUIRED === '1') {
      console.error(msg);
      process.exit(1);
    }
    console.log(msg);
    process.exit(0);
  }
  const out = path.join(packageDir, `build-linux-${arch}`);
  const cmakeJs = createRequire(path.join(packageDir, 'package.json')).resolve('cmake-js/bin/cmake-js');
  const r = spawnSync(
    process.execPath,
    [
      cmakeJs, 'compile', '--log-level', 'warn', '--parallel', '2', '--out', out, '--arch', arch, '--cxx', cxx,
      '--CDCMAKE_SYSTEM_NAME=Linux', `--CDCMAKE_SYSTEM_PROCESSOR=${cross.cmakeProcessor}`,
    ],
    { cwd: packageDir, stdio: 'inherit' },
  );
  if (r.status !== 0) process.exit(r.status ?? 1);
  install(path.join(out, 'Release', `${name}.node`), platformTag('linux', arch), `${cross.prefix}strip`);
}
