/**
 * The layering rules of docs/architecture.md, checked on the sources: no import circles inside any
 * package (type-only imports count: a circle of types is still a circle of knowledge), core imports
 * no @ix package, a backend imports only @ix/core (and the shared layers under backends:
 * @ix/native-common, the native-addon boilerplate, which imports no @ix package, and @ix/cpu-engine,
 * the CPU engine's host side, which imports only core), and the packages form no circle either.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const PACKAGE_DIRS = ['packages', 'tools'].flatMap((d) => readdirSync(join(ROOT, d)).map((p) => join(ROOT, d, p)));

function sources(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : /\.ts$/.test(e.name) && !e.name.endsWith('.d.ts') ? [join(dir, e.name)] : []));
}

/** every module a file imports or re-exports (static and dynamic), as written */
function specifiers(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g)].map((m) => m[1] ?? m[2]!);
}

function packageName(dir: string): string {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name as string;
}

/** a circle in a directed graph, as a list of nodes, or undefined */
function findCircle(edges: Map<string, string[]>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (n: string): string[] | undefined => {
    if (state.get(n) === 'done') return undefined;
    if (state.get(n) === 'open') return [...path.slice(path.indexOf(n)), n];
    state.set(n, 'open');
    path.push(n);
    for (const m of edges.get(n) ?? []) {
      const found = visit(m);
      if (found) return found;
    }
    path.pop();
    state.set(n, 'done');
    return undefined;
  };
  for (const n of edges.keys()) {
    const found = visit(n);
    if (found) return found;
  }
  return undefined;
}

const packages = PACKAGE_DIRS.filter((d) => {
  try {
    return Boolean(packageName(d));
  } catch {
    return false;
  }
});

describe('layering', () => {
  it('finds the packages and their sources', () => {
    const names = packages.map(packageName);
    expect(names).toEqual(expect.arrayContaining(['@ix/core', '@ix/llm', '@ix/backend-cpu-avx', '@ix/server', '@ix/cli']));
    expect(sources(join(ROOT, 'packages/core/src')).length).toBeGreaterThan(10);
  });

  it.each(packages.map((d) => [relative(ROOT, d), d]))('%s: no import circles between its files', (_, dir) => {
    const edges = new Map<string, string[]>();
    for (const file of sources(join(dir, 'src'))) {
      const local = specifiers(file)
        .filter((s) => s.startsWith('.'))
        .map((s) => resolve(dirname(file), s).replace(/\.js$/, '.ts'));
      edges.set(file, local);
    }
    const circle = findCircle(edges);
    expect(circle?.map((f) => relative(ROOT, f)).join(' -> ')).toBeUndefined();
  });

  it('core imports no other ix package; backends import only core and the shared backend layers; packages form no circle', () => {
    const edges = new Map<string, string[]>();
    for (const dir of packages) {
      const name = packageName(dir);
      const used = new Set(sources(join(dir, 'src')).flatMap(specifiers).filter((s) => s.startsWith('@ix/')).map((s) => s.split('/').slice(0, 2).join('/')));
      used.delete(name);
      edges.set(name, [...used]);
      if (name === '@ix/core') expect([...used], name).toEqual([]);
      if (name.startsWith('@ix/backend-')) expect([...used].filter((u) => !['@ix/core', '@ix/native-common', '@ix/cpu-engine'].includes(u)), name).toEqual([]);
      if (name === '@ix/cpu-engine') expect([...used], name).toEqual(['@ix/core']);
    }
    // native-common is plain JavaScript (lib/): it must not know core's API, or any other ix package
    const nativeCommon = readdirSync(join(ROOT, 'packages/native-common/lib')).filter((f) => f.endsWith('.js'));
    expect(nativeCommon.length).toBeGreaterThan(0);
    for (const f of nativeCommon) expect(readFileSync(join(ROOT, 'packages/native-common/lib', f), 'utf8'), f).not.toMatch(/from '@ix\//);
    expect(findCircle(edges)).toBeUndefined();
  });
});
