/**
 * How many threads to run by default: the physical cores, as the native CPU backend runs (never
 * two threads on one core's SMT siblings). Node, Deno and Bun on Linux: the distinct (package, core)
 * pairs of /sys/devices/system/cpu, else every logical CPU. Browsers say only how many logical CPUs
 * there are: half of them (what llama.cpp's wasm build, wllama, takes for the physical cores).
 */
export async function physicalCores(): Promise<number> {
  const g = globalThis as { process?: { versions?: { node?: string } }; navigator?: { hardwareConcurrency?: number }; document?: unknown };
  if (g.process?.versions?.node && g.document === undefined) {
    try {
      const { readdir, readFile } = await import('node:fs/promises');
      const root = '/sys/devices/system/cpu';
      const cpus = (await readdir(root)).filter((d) => /^cpu\d+$/.test(d));
      const cores = new Set<string>();
      for (const cpu of cpus) {
        const [pkg, core] = await Promise.all(['physical_package_id', 'core_id'].map((f) => readFile(`${root}/${cpu}/topology/${f}`, 'utf8').catch(() => undefined)));
        if (pkg !== undefined && core !== undefined) cores.add(`${pkg.trim()}:${core.trim()}`);
      }
      if (cores.size > 0) return cores.size;
    } catch {
      // not Linux, or no /sys: count logical CPUs below
    }
    try {
      const os = await import('node:os');
      return Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
    } catch {
      return 1;
    }
  }
  return Math.max(1, Math.floor((g.navigator?.hardwareConcurrency ?? 1) / 2));
}
