import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BackendFactory } from './backend.js';
import { registerBackend } from './registry.js';

/**
 * Finds backend packages installed beside ix so a vendor can publish one without ix knowing it:
 * every package named `@ix/backend-*`, and every package whose package.json declares
 * `"ix": { "backend": "./path/to/entry.js" }`. The entry module either calls registerBackend
 * itself on import or exports the factory as `default` or `backend`.
 */
export interface DiscoveredBackend {
  packageName: string;
  packageDir: string;
  entry: string;
  /** set when importing the package failed; discovery goes on with the others */
  error?: string;
}

export interface DiscoverOptions {
  /** node_modules folders to scan; default: every node_modules above the cwd and above ix itself */
  nodeModules?: string[];
  /** import the entries (default true); false only lists them */
  load?: boolean;
}

export async function discoverBackends(options: DiscoverOptions = {}): Promise<DiscoveredBackend[]> {
  const dirs = options.nodeModules ?? [...new Set([...nodeModulesChain(process.cwd()), ...nodeModulesChain(dirname(fileURLToPath(import.meta.url)))])];
  const found = new Map<string, DiscoveredBackend>();
  for (const dir of dirs) {
    for (const pkgDir of await packageDirs(dir)) {
      const candidate = await backendEntry(pkgDir);
      if (candidate && !found.has(candidate.packageName)) found.set(candidate.packageName, candidate);
    }
  }
  const list = [...found.values()];
  if (options.load !== false) {
    for (const d of list) {
      try {
        const mod = (await import(pathToFileURL(d.entry).href)) as Record<string, unknown>;
        const factory = (mod.backend ?? mod.default) as BackendFactory | undefined;
        if (factory && typeof factory === 'object' && 'probe' in factory) registerBackend(factory);
      } catch (err) {
        d.error = err instanceof Error ? err.message : String(err);
      }
    }
  }
  return list;
}

function nodeModulesChain(start: string): string[] {
  const out: string[] = [];
  let dir = resolve(start);
  for (;;) {
    out.push(join(dir, 'node_modules'));
    const up = dirname(dir);
    if (up === dir) return out;
    dir = up;
  }
}

async function packageDirs(nodeModules: string): Promise<string[]> {
  const entries = await readdir(nodeModules, { withFileTypes: true }).catch(() => []);
  const out: string[] = [];
  for (const e of entries) {
    if (!e.isDirectory() && !e.isSymbolicLink()) continue;
    if (e.name.startsWith('@')) {
      const scoped = await readdir(join(nodeModules, e.name), { withFileTypes: true }).catch(() => []);
      for (const s of scoped) if (s.isDirectory() || s.isSymbolicLink()) out.push(join(nodeModules, e.name, s.name));
    } else if (!e.name.startsWith('.')) {
      out.push(join(nodeModules, e.name));
    }
  }
  return out;
}

async function backendEntry(pkgDir: string): Promise<DiscoveredBackend | undefined> {
  let pkg: { name?: string; main?: string; exports?: unknown; ix?: { backend?: string } };
  try {
    pkg = JSON.parse(await readFile(join(pkgDir, 'package.json'), 'utf8'));
  } catch {
    return undefined;
  }
  const name = pkg.name ?? pkgDir;
  const declared = typeof pkg.ix?.backend === 'string' ? pkg.ix.backend : undefined;
  if (!declared && !name.startsWith('@ix/backend-')) return undefined;
  const entry = resolve(pkgDir, declared ?? mainOf(pkg));
  return { packageName: name, packageDir: pkgDir, entry };
}

function mainOf(pkg: { main?: string; exports?: unknown }): string {
  const exp = pkg.exports as Record<string, unknown> | string | undefined;
  const dot = typeof exp === 'string' ? exp : (exp?.['.'] as Record<string, unknown> | string | undefined);
  const fromExports = typeof dot === 'string' ? dot : (dot?.import ?? dot?.default);
  return typeof fromExports === 'string' ? fromExports : (pkg.main ?? 'index.js');
}
