import { readFileSync } from 'node:fs';
import type * as Ort from 'onnxruntime-node';

import { epTweak } from './ep-tweaks.js';

export type OrtModule = typeof Ort;

/**
 * ONNX Runtime for Node, loaded on first use: a machine where its prebuilt binary does not load
 * (an unsupported platform, a missing shared library) gets a probe that says why instead of a
 * backend package that fails to import.
 */
let loading: Promise<{ ort: OrtModule } | { error: string }> | undefined;

export function loadOrt(): Promise<{ ort: OrtModule } | { error: string }> {
  loading ??= (() => {
    const emulated = emulatedOn();
    if (emulated) return Promise.resolve({ error: `onnxruntime-node is not loaded under user-mode emulation (an ${process.arch} process on an ${emulated} CPU, e.g. qemu-user): its CPU detection reads the host's /sys and crashed the process there` });
    return import('onnxruntime-node').then(
      (mod) => ({ ort: ((mod as { default?: OrtModule }).default ?? mod) as OrtModule }),
      (err: unknown) => ({ error: `onnxruntime-node does not load here: ${err instanceof Error ? err.message : String(err)}` }),
    );
  })();
  return loading;
}

/**
 * The host's architecture when this process runs emulated (qemu-user: an arm64 Node on an x86-64
 * machine, whose /proc/cpuinfo and /sys describe the x86 host). onnxruntime's CPU detection
 * (cpuinfo) parses the host's cache topology as ARM's there and segfaults on load on some hosts
 * (seen on AMD Zen 4), which no try/catch survives.
 */
function emulatedOn(): string | undefined {
  if (process.platform !== 'linux' || process.arch !== 'arm64') return undefined;
  try {
    const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
    return /^vendor_id\s*:\s*(GenuineIntel|AuthenticAMD)/m.test(cpuinfo) ? 'x86-64' : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Execution providers, best first. NPUs lead (they are why this backend exists), then GPU EPs a user
 * may ask for, then the CPU EP every build has. Names as onnxruntime-node's listSupportedBackends()
 * and its executionProviders option spell them.
 */
export const NPU_EPS = ['qnn', 'vitisai', 'openvino', 'coreml'] as const;
export const EP_PREFERENCE = [...NPU_EPS, 'dml', 'cpu'] as const;

export interface EpFacts {
  /** every EP this build of onnxruntime-node names, with whether its library ships in the package */
  listed: { name: string; bundled: boolean }[];
  /** the EPs ix would use, in order (the first NPU EP the build bundles, then cpu) */
  chosen: string[];
}

export function epFacts(ort: OrtModule, requested?: readonly string[]): EpFacts {
  const listed = (ort.listSupportedBackends?.() ?? [{ name: 'cpu', bundled: true }]).map((b) => ({ name: b.name, bundled: b.bundled }));
  if (requested?.length) return { listed, chosen: [...requested] };
  const usable = new Set(listed.filter((b) => b.bundled).map((b) => b.name));
  const npus = [...EP_PREFERENCE.filter((name) => usable.has(name) && isNpuEp(name)), ...[...usable].filter((name) => !(EP_PREFERENCE as readonly string[]).includes(name) && isNpuEp(name))];
  return { listed, chosen: [...npus.slice(0, 1), 'cpu'] };
}

export function isNpuEp(name: string): boolean {
  return epTweak(name).npu ?? (NPU_EPS as readonly string[]).includes(name);
}
