import { execFileSync } from 'node:child_process';

import { chooseBackend, getBackendFactory } from '@ix/core';
import { describe, expect, it } from 'vitest';

import vulkanDefault, { SUPPORTED_OPS, vulkanBackend, WEIGHT_DTYPES } from '../src/index.js';
import { pickDevice, priorityOf } from '../src/devices.js';
import type { NativeDevice } from '../src/native.js';
import { hasDevice, skipReason } from './helpers.js';

/** vulkaninfo's view of the devices, when vulkan-tools is installed: an independent witness */
function vulkaninfoDevices(): { name: string; type: string }[] | undefined {
  let out: string;
  try {
    out = execFileSync('vulkaninfo', ['--summary'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return undefined;
  }
  const names = [...out.matchAll(/deviceName\s*=\s*(.*)/g)].map((m) => m[1]!.trim());
  const types = [...out.matchAll(/deviceType\s*=\s*PHYSICAL_DEVICE_TYPE_(\w+)/g)].map((m) => m[1]!);
  return names.map((name, i) => ({ name, type: types[i]! }));
}

describe('registration', () => {
  it('registers itself on import and is the default export', () => {
    expect(getBackendFactory('vulkan')).toBe(vulkanBackend);
    expect(vulkanDefault).toBe(vulkanBackend);
  });

  it('ranks below cpu-avx (100) on a CPU implementation, above it on a GPU', () => {
    const dev = (type: NativeDevice['type'], index = 0) => ({ index, name: type, type }) as NativeDevice;
    expect(priorityOf(dev('cpu'))).toBe(50);
    expect(priorityOf(undefined)).toBe(50);
    expect(priorityOf(dev('discrete'))).toBe(200);
    expect(priorityOf(dev('integrated'))).toBe(200);
    expect(pickDevice([dev('cpu', 0), dev('integrated', 1), dev('discrete', 2)]).device?.type).toBe('discrete');
    expect(pickDevice([dev('cpu', 0), { ...dev('discrete', 1), unusable: 'no compute queue' }]).device?.type).toBe('cpu');
    expect(pickDevice([dev('cpu', 0)], 3).error).toMatch(/device 3 was requested but there are 1/);
    expect(pickDevice([]).error).toMatch(/no physical device/);
  });
});

describe.skipIf(!hasDevice)(`probe with a device${skipReason ? ` (${skipReason})` : ''}`, () => {
  it('reports the device, its features, limits and ops', async () => {
    const p = await vulkanBackend.probe();
    expect(p.available).toBe(true);
    const info = vulkaninfoDevices();
    if (info) {
      const chosen = info[Number(p.details?.deviceIndex)]!;
      expect(p.device.name).toBe(chosen.name);
      expect(p.details?.deviceType).toBe(chosen.type.replace('_GPU', '').toLowerCase());
      expect(p.details?.devices).toBe(info.length);
    }
    expect(p.device.kind).toBe(p.details?.deviceType === 'cpu' ? 'cpu' : 'gpu');
    expect(vulkanBackend.priority).toBe(p.details?.deviceType === 'cpu' ? 50 : 200);
    expect(p.device.memoryBytes).toBeGreaterThan(0);
    expect(p.features[0]).toMatch(/^vulkan-1\.\d$/);
    expect(p.features).toContain('subgroupArithmetic');
    expect([1, 4, 8, 16, 32, 64, 128]).toContain(p.details?.subgroupSize);
    expect(Number(p.details?.maxStorageBufferRange)).toBeGreaterThanOrEqual(1 << 27);
    expect(p.ops).toBe(SUPPORTED_OPS);
    expect(p.ops.matmul).toEqual(WEIGHT_DTYPES);
  });

  it('is selectable by name', async () => {
    expect((await chooseBackend({ backend: 'vulkan' })).factory).toBe(vulkanBackend);
  });

  it('a forced device index that does not exist is reported, not thrown', async () => {
    const prev = process.env.IX_VULKAN_DEVICE;
    process.env.IX_VULKAN_DEVICE = '99';
    try {
      const p = await vulkanBackend.probe();
      expect(p.available).toBe(false);
      expect(p.reason).toMatch(/Vulkan device 99 was requested/);
      expect(() => vulkanBackend.create()).toThrow(/Vulkan device 99 was requested/);
    } finally {
      if (prev === undefined) delete process.env.IX_VULKAN_DEVICE;
      else process.env.IX_VULKAN_DEVICE = prev;
    }
  });
});
