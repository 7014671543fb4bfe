import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/**
 * Physical cores this process may use: ONNX Runtime's own default (intra-op threads = 0) left one of
 * this project's 2-core VMs idle, so the backend sets the count itself. Linux: distinct
 * (package, core) pairs in sysfs, at most the CPUs this process may run on; elsewhere Node's count.
 */
export function physicalCores(): number {
  const logical = availableParallelism();
  try {
    const root = '/sys/devices/system/cpu';
    const cores = new Set<string>();
    for (const cpu of readdirSync(root).filter((d) => /^cpu\d+$/.test(d))) {
      const topo = `${root}/${cpu}/topology`;
      cores.add(`${readFileSync(`${topo}/physical_package_id`, 'utf8').trim()}:${readFileSync(`${topo}/core_id`, 'utf8').trim()}`);
    }
    return Math.max(1, Math.min(logical, cores.size || logical));
  } catch {
    return logical;
  }
}
