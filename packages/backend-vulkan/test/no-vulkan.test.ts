import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';

import { BackendUnavailableError } from '@ix/core';
import { describe, expect, it } from 'vitest';

import { vulkanBackend } from '../src/index.js';
import { loadNativeAddon } from '@ix/native-common';

import { checkStub, loadAddon } from '../src/native.js';
import { probeWith } from '../src/probe.js';

/** Machines without Vulkan: probe() says why, create() throws a typed error, nothing crashes. */
function withEnv<T>(vars: Record<string, string | undefined>, fn: () => T): T {
  const prev = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(vars)) v === undefined ? delete process.env[k] : (process.env[k] = v);
  try {
    return fn();
  } finally {
    for (const [k, v] of Object.entries(prev)) v === undefined ? delete process.env[k] : (process.env[k] = v);
  }
}

const addonBuilt = !!loadAddon().addon;

describe.skipIf(!addonBuilt)(`no Vulkan at run time${addonBuilt ? '' : ` (${loadAddon().error})`}`, () => {
  it('no loader library: probe reports the dlopen failure', async () => {
    const p = await withEnv({ IX_VULKAN_LIBRARY: '/nonexistent/libvulkan.so.1' }, () => vulkanBackend.probe());
    expect(p.available).toBe(false);
    expect(p.reason).toMatch(/cannot load the Vulkan loader \/nonexistent\/libvulkan\.so\.1/);
    expect(() => withEnv({ IX_VULKAN_LIBRARY: '/nonexistent/libvulkan.so.1' }, () => vulkanBackend.create())).toThrow(BackendUnavailableError);
  });

  it('a library that is not a Vulkan loader is reported too', async () => {
    const p = await withEnv({ IX_VULKAN_LIBRARY: 'libc.so.6' }, () => vulkanBackend.probe());
    expect(p.available).toBe(false);
    expect(p.reason).toMatch(/libc\.so\.6 has no vkGetInstanceProcAddr/);
  });

  it.each([['VK_ICD_FILENAMES'], ['VK_DRIVER_FILES']])('no driver (%s points nowhere): probe says no ICD was found', async (variable) => {
    const vars = { VK_ICD_FILENAMES: undefined, VK_DRIVER_FILES: undefined, [variable]: '/nonexistent/icd.json' };
    const p = await withEnv(vars, () => vulkanBackend.probe());
    expect(p.available).toBe(false);
    expect(p.reason).toMatch(/no Vulkan driver \(ICD\) found|found no physical device/);
    expect(() => withEnv(vars, () => vulkanBackend.create())).toThrow(BackendUnavailableError);
  });
});

describe('no usable addon', () => {
  it('a missing addon file becomes a reason', () => {
    const load = checkStub(loadNativeAddon(tmpdir(), 'no_such_addon'));
    expect(load.addon).toBeUndefined();
    const p = probeWith(load);
    expect(p.available).toBe(false);
    expect(p.reason).toMatch(/no native addon no_such_addon for .*ix doctor/);
  });

  it('the stub built without Vulkan headers or glslc reports what was missing', () => {
    // the stub addon exports only stubReason (native/stub.cpp); a CommonJS module stands in for it
    const dir = mkdtempSync(join(tmpdir(), 'ix-vulkan-'));
    const file = join(dir, 'stub.cjs');
    writeFileSync(file, 'module.exports = { stubReason: "built without the glslc shader compiler (glslc)" };');
    const p = probeWith(checkStub({ addon: createRequire(import.meta.url)(file), file }));
    expect(p.available).toBe(false);
    expect(p.reason).toBe('the native addon was built without the glslc shader compiler (glslc)');
  });

  it('a bad IX_VULKAN_DEVICE is a reason, not a crash', () => {
    const p = probeWith(loadAddon(), { IX_VULKAN_DEVICE: 'first' });
    expect(p.available).toBe(false);
    expect(p.reason).toMatch(/device must be a non-negative integer/);
  });
});
