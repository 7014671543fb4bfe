import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { discoverBackends } from '../src/discover.js';
import { chooseBackend, getBackendFactory, registeredBackends, unregisterBackend } from '../src/registry.js';

const root = mkdtempSync(join(tmpdir(), 'ix-discover-'));
afterAll(() => {
  for (const n of ['fake-discovered', 'acme-npu', 'second-copy', 'listed-only']) unregisterBackend(n);
  rmSync(root, { recursive: true, force: true });
});

/** write a package (package.json + files) under <root>/<dir>/node_modules/<name> */
function pkg(dir: string, name: string, json: object, files: Record<string, string>): string {
  const nodeModules = join(root, dir, 'node_modules');
  const p = join(nodeModules, name);
  mkdirSync(p, { recursive: true });
  writeFileSync(join(p, 'package.json'), JSON.stringify({ name, version: '1.0.0', type: 'module', ...json }));
  for (const [file, text] of Object.entries(files)) writeFileSync(join(p, file), text);
  return nodeModules;
}

/** a tiny ESM module exporting a backend factory under `exportAs` */
function factoryModule(name: string, priority: number, exportAs: 'default' | 'backend'): string {
  const factory = `{ name: ${JSON.stringify(name)}, priority: ${priority},
    probe() { return { available: true, device: { kind: 'npu', name: 'fake' }, features: ['test'], ops: {} }; },
    create() { return { name: ${JSON.stringify(name)} }; } }`;
  return exportAs === 'default' ? `export default ${factory};\n` : `export const backend = ${factory};\n`;
}

describe('discoverBackends', () => {
  it('finds @ix/backend-* packages and packages declaring "ix.backend", registers them, reports a broken one', async () => {
    pkg('app', '@ix/backend-fake', { exports: { '.': { import: './index.js' } } }, { 'index.js': factoryModule('fake-discovered', 3, 'default') });
    pkg('app', 'acme-npu', { ix: { backend: './entry.js' }, main: './not-the-backend.js' }, { 'entry.js': factoryModule('acme-npu', 7, 'backend') });
    pkg('app', '@ix/backend-broken', { main: './index.js' }, { 'index.js': "throw new Error('driver library missing');\n" });
    pkg('app', 'left-pad', { main: './index.js' }, { 'index.js': 'export default 1;\n' });
    const nodeModules = pkg('app', '@ix/cli', { main: './index.js' }, { 'index.js': 'export default 1;\n' });

    const found = await discoverBackends({ nodeModules: [nodeModules] });

    expect(found.map((d) => d.packageName).sort()).toEqual(['@ix/backend-broken', '@ix/backend-fake', 'acme-npu']);
    const byName = Object.fromEntries(found.map((d) => [d.packageName, d]));
    expect(byName['@ix/backend-fake']!.entry).toBe(join(nodeModules, '@ix/backend-fake', 'index.js'));
    expect(byName['acme-npu']!.entry).toBe(join(nodeModules, 'acme-npu', 'entry.js'));
    expect(byName['@ix/backend-fake']!.error).toBeUndefined();
    expect(byName['acme-npu']!.error).toBeUndefined();
    expect(byName['@ix/backend-broken']!.error).toMatch(/driver library missing/);

    expect(getBackendFactory('fake-discovered').priority).toBe(3);
    expect(getBackendFactory('acme-npu').priority).toBe(7);
    expect((await chooseBackend({ env: {} })).factory.name).toBe('acme-npu');
    expect((await chooseBackend({ env: { IX_BACKEND: 'fake-discovered' } })).probe.device.kind).toBe('npu');
  });

  it('the first node_modules that has a package wins; load: false only lists', async () => {
    const first = pkg('first', '@ix/backend-dup', { main: './index.js' }, { 'index.js': factoryModule('listed-only', 1, 'default') });
    const second = pkg('second', '@ix/backend-dup', { main: './index.js' }, { 'index.js': factoryModule('second-copy', 1, 'default') });
    const found = await discoverBackends({ nodeModules: [first, join(root, 'missing', 'node_modules'), second], load: false });
    expect(found).toEqual([{ packageName: '@ix/backend-dup', packageDir: join(first, '@ix/backend-dup'), entry: join(first, '@ix/backend-dup', 'index.js') }]);
    expect(registeredBackends().map((f) => f.name)).not.toContain('listed-only');
  });

  it('a package.json that is not JSON is skipped without throwing', async () => {
    const nodeModules = pkg('bad-json', '@ix/backend-garbled', {}, {});
    writeFileSync(join(nodeModules, '@ix/backend-garbled', 'package.json'), '{ not json');
    await expect(discoverBackends({ nodeModules: [nodeModules] })).resolves.toEqual([]);
  });
});
