import type { Command } from 'commander';
import { chooseBackend, discoverBackends, probeBackends, type ProbedBackend } from '@ix/core';
import { table } from '../table.js';

interface ProbeOptions {
  json?: boolean;
  backend?: string;
}

export function registerProbe(program: Command): void {
  program
    .command('probe')
    .description('list the backends ix can use, their capabilities, and the one it would choose')
    .option('--json', 'print machine-readable JSON')
    .option('--backend <name>', 'show what happens when this backend is forced (like IX_BACKEND)')
    .action(async (opts: ProbeOptions) => {
      const discovered = await discoverBackends();
      const probed = await probeBackends();
      let chosen: string | undefined;
      let chooseError: string | undefined;
      try {
        chosen = (await chooseBackend({ backend: opts.backend })).factory.name;
      } catch (err) {
        chooseError = err instanceof Error ? err.message : String(err);
      }
      if (opts.json) {
        const out = {
          chosen: chosen ?? null,
          error: chooseError ?? null,
          backends: probed.map((p) => ({ name: p.factory.name, ...p.probe, priority: p.probe.priority ?? p.factory.priority })),
          discovered: discovered.map((d) => ({ package: d.packageName, entry: d.entry, error: d.error ?? null })),
        };
        process.stdout.write(JSON.stringify(out, null, 2) + '\n');
      } else {
        process.stdout.write(renderProbe(probed, chosen) + '\n');
        for (const d of discovered.filter((x) => x.error)) process.stderr.write(`warning: ${d.packageName} failed to load: ${d.error}\n`);
        if (chooseError) process.stderr.write(`ix: ${chooseError}\n`);
      }
      if (!chosen) process.exitCode = 1;
    });
}

function renderProbe(probed: ProbedBackend[], chosen: string | undefined): string {
  const rows = probed.map(({ factory, probe }) => [
    factory.name === chosen ? `* ${factory.name}` : `  ${factory.name}`,
    String(probe.priority ?? factory.priority),
    probe.available ? 'yes' : 'no',
    `${probe.device.kind} ${probe.device.name}`,
    probe.device.memoryBytes ? `${(probe.device.memoryBytes / 2 ** 30).toFixed(1)} GiB` : '-',
    probe.available ? probe.features.join(' ') || '-' : (probe.reason ?? 'unavailable'),
    String(Object.keys(probe.ops).length),
  ]);
  const head = ['backend', 'prio', 'avail', 'device', 'memory', 'features / reason', 'ops'];
  return table(head, rows) + `\n\nchosen: ${chosen ?? 'none'}`;
}
