import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

import type { Command } from 'commander';
import { chooseBackend, discoverBackends, probeBackends, type DiscoveredBackend, type ProbedBackend } from '@ix/core';

/**
 * `ix doctor`: for a user whose install or `ix probe` fails, what is missing and how to fix it.
 * The facts are gathered first (gatherFacts), then judged by a pure function (diagnose) that the
 * tests drive with made-up machines.
 */

export interface Facts {
  node: string; // process.versions.node
  platform: string;
  arch: string;
  /** glibc version where Linux uses glibc; undefined on musl (Alpine) and other systems */
  glibc?: string;
  discovered: Pick<DiscoveredBackend, 'packageName' | 'packageDir' | 'error'>[];
  probed: { name: string; available: boolean; reason?: string; addon?: string }[];
  chosen?: string;
  chooseError?: string;
  /** per discovered package: the prebuild folders it ships (e.g. linux-x64) and whether it has sources to build */
  packages: Record<string, { prebuilds: string[]; buildable: boolean }>;
  /** build tools on PATH: their first output line, or undefined when missing */
  tools: { cmake?: string; cxx?: string };
}

export type Level = 'ok' | 'note' | 'problem';
export interface Finding {
  level: Level;
  what: string;
  /** how to fix it, when there is something to do */
  fix?: string;
}

const MIN_NODE = 20;

export function diagnose(f: Facts): Finding[] {
  const out: Finding[] = [];
  const tag = `${f.platform}-${f.arch}`;
  const major = Number(f.node.split('.')[0]);
  out.push(
    major >= MIN_NODE
      ? { level: 'ok', what: `Node.js ${f.node} on ${tag}${f.glibc ? ` (glibc ${f.glibc})` : ''}` }
      : { level: 'problem', what: `Node.js ${f.node} is older than ix needs (${MIN_NODE} or newer)`, fix: `install Node.js ${MIN_NODE} LTS or newer (https://nodejs.org, or your package manager)` },
  );
  if (f.platform === 'linux' && !f.glibc) {
    out.push({ level: 'note', what: 'this Linux does not use glibc (musl, e.g. Alpine): the shipped prebuilds need glibc, so native backends must be built from source' });
  }
  if (f.discovered.length === 0) {
    out.push({ level: 'problem', what: 'no backend package is installed beside ix', fix: 'npm install @ix/backend-cpu-avx (the CPU backend)' });
  }
  for (const d of f.discovered) {
    if (d.error) out.push({ level: 'problem', what: `${d.packageName} is installed but failed to load: ${d.error}`, fix: `reinstall it: npm install ${d.packageName}` });
  }
  for (const p of f.probed) {
    if (p.available) {
      const origin = p.addon ? (/[\\/]prebuilds[\\/]/.test(p.addon) ? ' (prebuilt addon)' : ' (addon built from source)') : '';
      out.push({ level: 'ok', what: `backend ${p.name} is available${origin}` });
      continue;
    }
    const reason = p.reason ?? 'unavailable';
    const pkg = f.discovered.find((d) => d.packageName === `@ix/backend-${p.name}`) ?? f.discovered.find((d) => d.packageName.endsWith(p.name));
    const files = pkg ? f.packages[pkg.packageName] : undefined;
    if (/native addon/.test(reason) && pkg && files) out.push(addonFinding(p.name, reason, pkg.packageDir, files, tag, f.tools));
    else if (p.name === 'reference') out.push({ level: 'problem', what: `the reference backend is unavailable: ${reason}` });
    else out.push({ level: 'note', what: `backend ${p.name} is unavailable: ${reason}`, fix: driverHint(p.name, reason) });
  }
  if (f.chosen) {
    const slow = f.chosen === 'reference' ? ' — the slow JavaScript reference: fix the problems above for real speed' : '';
    out.push({ level: f.chosen === 'reference' ? 'problem' : 'ok', what: `ix runs models on backend ${f.chosen}${slow}` });
  } else {
    out.push({ level: 'problem', what: `no backend can run: ${f.chooseError ?? 'none available'}`, fix: 'fix the problems above, then run `ix probe`' });
  }
  return out;
}

/** A native backend whose addon does not load: a missing prebuild for this platform, or one that cannot load here. */
function addonFinding(name: string, reason: string, packageDir: string, files: { prebuilds: string[]; buildable: boolean }, tag: string, tools: Facts['tools']): Finding {
  const shipped = files.prebuilds.length ? `it ships prebuilds for ${files.prebuilds.join(', ')}` : 'it ships no prebuilds';
  const what = files.prebuilds.includes(tag)
    ? `backend ${name}: its prebuilt addon for ${tag} does not load here (${reason.split('. ')[0]})`
    : `backend ${name} has no prebuilt addon for ${tag} (${shipped})`;
  if (!files.buildable) return { level: 'problem', what, fix: `this package cannot build from source: ask for a ${tag} prebuild, or use another backend` };
  const missing = [!tools.cmake && 'cmake (3.15 or newer)', !tools.cxx && 'a C++17 compiler (g++ or clang++)'].filter(Boolean) as string[];
  // the build tools are optional peers of a backend (a prebuild needs none of them)
  const build = `cd ${packageDir} && npm install --no-save cmake-js@8 node-addon-api@8 && npx cmake-js compile`;
  const fix = missing.length
    ? `install ${missing.join(' and ')} (Debian/Ubuntu: sudo apt install cmake g++; macOS: xcode-select --install and brew install cmake), then build it: ${build}`
    : `build it from source (cmake and a C++ compiler are here): ${build}`;
  return { level: 'problem', what, fix };
}

function driverHint(name: string, reason: string): string | undefined {
  if (name === 'vulkan' && /libvulkan|loader|no .*device/i.test(reason)) return 'only needed with a GPU: install its Vulkan driver (Debian/Ubuntu: sudo apt install libvulkan1 mesa-vulkan-drivers)';
  if (name === 'cuda' && /libcuda|driver|no .*device/i.test(reason)) return 'only needed with an NVIDIA GPU: install the NVIDIA driver (it provides libcuda.so.1)';
  return undefined;
}

function firstLine(cmd: string, args: string[]): string | undefined {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 10_000 });
  return r.status === 0 ? (r.stdout || r.stderr).split('\n')[0]?.trim() : undefined;
}

export async function gatherFacts(): Promise<Facts> {
  const discovered = await discoverBackends();
  const probed: ProbedBackend[] = await probeBackends();
  let chosen: string | undefined;
  let chooseError: string | undefined;
  try {
    chosen = (await chooseBackend()).factory.name;
  } catch (err) {
    chooseError = err instanceof Error ? err.message : String(err);
  }
  const packages: Facts['packages'] = {};
  for (const d of discovered) {
    const dir = join(d.packageDir, 'prebuilds');
    packages[d.packageName] = {
      prebuilds: existsSync(dir) ? readdirSync(dir).sort() : [],
      buildable: existsSync(join(d.packageDir, 'CMakeLists.txt')),
    };
  }
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  return {
    node: process.versions.node,
    platform: process.platform,
    arch: process.arch,
    glibc: header?.glibcVersionRuntime,
    discovered: discovered.map((d) => ({ packageName: d.packageName, packageDir: d.packageDir, error: d.error })),
    probed: probed.map(({ factory, probe }) => ({
      name: factory.name,
      available: probe.available,
      reason: probe.reason,
      addon: typeof probe.details?.addon === 'string' ? probe.details.addon : undefined,
    })),
    chosen,
    chooseError,
    packages,
    tools: { cmake: firstLine('cmake', ['--version']), cxx: firstLine('c++', ['--version']) ?? firstLine('g++', ['--version']) ?? firstLine('clang++', ['--version']) },
  };
}

const MARK: Record<Level, string> = { ok: 'ok     ', note: 'note   ', problem: 'PROBLEM' };

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('check this install: Node.js, the backends and their native addons; say what is missing and how to fix it')
    .option('--json', 'print the facts and findings as JSON')
    .action(async (opts: { json?: boolean }) => {
      const facts = await gatherFacts();
      const findings = diagnose(facts);
      if (opts.json) process.stdout.write(JSON.stringify({ facts, findings }, null, 2) + '\n');
      else {
        for (const f of findings) {
          process.stdout.write(`${MARK[f.level]} ${f.what}\n`);
          if (f.fix) process.stdout.write(`        fix: ${f.fix}\n`);
        }
        const problems = findings.filter((f) => f.level === 'problem').length;
        process.stdout.write(problems ? `\n${problems} problem${problems > 1 ? 's' : ''} found\n` : '\nno problems found\n');
      }
      if (findings.some((f) => f.level === 'problem')) process.exitCode = 1;
    });
}
