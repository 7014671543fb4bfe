import { afterEach, describe, expect, it } from 'vitest';
import type { Backend, BackendFactory, BackendOptions, ProbeResult } from '../src/backend.js';
import { BackendUnavailableError, InvalidArgumentError, UnknownBackendError } from '../src/errors.js';
import { chooseBackend, probeBackends, registerBackend, registeredBackends, selectBackend, unregisterBackend } from '../src/registry.js';

const created: { name: string; options?: BackendOptions }[] = [];

function fakeFactory(name: string, priority: number, probe: () => ProbeResult | Promise<ProbeResult> = () => available()): BackendFactory {
  return {
    name,
    priority,
    probe,
    create(options) {
      created.push({ name, options });
      return { name } as Backend;
    },
  };
}

function available(): ProbeResult {
  return { available: true, device: { kind: 'cpu', name: 'test' }, features: [], ops: {} };
}

function unavailable(reason: string): ProbeResult {
  return { ...available(), available: false, reason };
}

const names: string[] = [];
function register(...factories: BackendFactory[]): void {
  for (const f of factories) {
    registerBackend(f);
    names.push(f.name);
  }
}

afterEach(() => {
  for (const n of names.splice(0)) unregisterBackend(n);
  created.length = 0;
});

describe('registry: priority order', () => {
  it('lists backends highest priority first and picks the best available', async () => {
    register(fakeFactory('low', 1), fakeFactory('high', 10), fakeFactory('mid', 5));
    expect(registeredBackends().map((f) => f.name)).toEqual(['high', 'mid', 'low']);
    expect((await chooseBackend({ env: {} })).factory.name).toBe('high');
  });

  it('skips an unavailable backend and one whose probe throws, keeping their reasons', async () => {
    register(
      fakeFactory('no-driver', 30, () => unavailable('no driver found')),
      fakeFactory('crashy', 20, () => {
        throw new Error('boom');
      }),
      fakeFactory('async-ok', 10, async () => available()),
    );
    expect((await chooseBackend({ env: {} })).factory.name).toBe('async-ok');
    const probed = await probeBackends();
    expect(probed.map((p) => [p.factory.name, p.probe.available, p.probe.reason])).toEqual([
      ['no-driver', false, 'no driver found'],
      ['crashy', false, 'probe failed: boom'],
      ['async-ok', true, undefined],
    ]);
  });

  it('with nothing available, BackendUnavailableError names every reason', async () => {
    register(fakeFactory('a', 2, () => unavailable('reason A')), fakeFactory('b', 1, () => Promise.reject(new Error('reason B'))));
    const err = await chooseBackend({ env: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendUnavailableError);
    expect(String(err)).toMatch(/a: reason A; b: probe failed: reason B/);
  });

  it('a probe that reports its own priority is ranked by it (WebGPU learns only from its adapter that it is software)', async () => {
    register(fakeFactory('webgpu-like', 150, async () => ({ ...available(), priority: 5 })), fakeFactory('wasm-like', 10), fakeFactory('gpu', 120, async () => ({ ...available(), priority: 130 })));
    expect(registeredBackends().map((f) => f.name).slice(0, 3)).toEqual(['webgpu-like', 'gpu', 'wasm-like']);
    expect((await probeBackends()).map((p) => p.factory.name).filter((n) => names.includes(n))).toEqual(['gpu', 'wasm-like', 'webgpu-like']);
    unregisterBackend('gpu');
    expect((await chooseBackend({ env: {} })).factory.name).toBe('wasm-like');
  });

  it('re-registering a name replaces the factory', async () => {
    register(fakeFactory('same', 1), fakeFactory('same', 1, () => unavailable('replaced')));
    expect(registeredBackends().filter((f) => f.name === 'same')).toHaveLength(1);
    expect((await probeBackends()).find((p) => p.factory.name === 'same')!.probe.reason).toBe('replaced');
  });
});

describe('registry: forcing a backend', () => {
  it('IX_BACKEND (from the env option) picks a lower-priority backend', async () => {
    register(fakeFactory('high', 10), fakeFactory('low', 1));
    expect((await chooseBackend({ env: { IX_BACKEND: 'low' } })).factory.name).toBe('low');
  });

  it('the backend option overrides IX_BACKEND', async () => {
    register(fakeFactory('high', 10), fakeFactory('low', 1));
    expect((await chooseBackend({ backend: 'high', env: { IX_BACKEND: 'low' } })).factory.name).toBe('high');
  });

  it('forcing an unknown name is UnknownBackendError listing the registered ones', async () => {
    register(fakeFactory('real', 1));
    await expect(chooseBackend({ env: { IX_BACKEND: 'nope' } })).rejects.toThrow(UnknownBackendError);
    await expect(chooseBackend({ backend: 'nope', env: {} })).rejects.toThrow(/unknown backend "nope" \(registered: .*real/);
  });

  it('forcing an unavailable backend is BackendUnavailableError with its reason', async () => {
    register(fakeFactory('ok', 1), fakeFactory('broken', 5, () => unavailable('needs AVX2')), fakeFactory('crashy', 5, () => { throw new Error('segv'); }));
    await expect(chooseBackend({ env: { IX_BACKEND: 'broken' } })).rejects.toThrow(BackendUnavailableError);
    await expect(chooseBackend({ backend: 'broken', env: {} })).rejects.toThrow(/"broken" is unavailable: needs AVX2/);
    await expect(chooseBackend({ backend: 'crashy', env: {} })).rejects.toThrow(/probe failed: segv/);
  });
});

describe('registry: selectBackend and registration checks', () => {
  it('creates the chosen backend, passing the options on', async () => {
    register(fakeFactory('high', 10), fakeFactory('low', 1));
    const b = await selectBackend({ env: { IX_BACKEND: 'low' }, threads: 3 });
    expect(b.name).toBe('low');
    expect(created).toEqual([{ name: 'low', options: { env: { IX_BACKEND: 'low' }, threads: 3 } }]);
  });

  it('rejects malformed factories', () => {
    expect(() => registerBackend({ name: '', priority: 1 } as unknown as BackendFactory)).toThrow(InvalidArgumentError);
    expect(() => registerBackend({ ...fakeFactory('x', 1), priority: NaN })).toThrow(/priority/);
    expect(() => registerBackend(undefined as unknown as BackendFactory)).toThrow(InvalidArgumentError);
  });

  it('unregisterBackend reports whether the name was registered', () => {
    register(fakeFactory('gone', 1));
    expect(unregisterBackend('gone')).toBe(true);
    expect(unregisterBackend('gone')).toBe(false);
  });
});
