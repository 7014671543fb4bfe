import { Command } from 'commander';
import { discoverBackends, IxError } from '@ix/core';
import { registerBench } from './commands/bench.js';
import { registerCalibrate } from './commands/calibrate.js';
import { registerDoctor } from './commands/doctor.js';
import { registerEmbed } from './commands/embed.js';
import { registerInfo } from './commands/info.js';
import { registerProbe } from './commands/probe.js';
import { registerQuantize } from './commands/quantize.js';
import { registerRerank } from './commands/rerank.js';
import { registerRun } from './commands/run.js';
import { registerServe } from './commands/serve.js';
import { registerTune } from './commands/tune.js';

// output piped into a reader that closed early (`ix run ... | head`): stop quietly, not with a stack
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

const program = new Command('ix')
  .description('ix: a universal AI inference engine')
  .version('0.1.0')
  .showHelpAfterError();

// installed backend packages (@ix/backend-*, or "ix": {"backend"} in package.json) register themselves
program.hook('preAction', async (_root, command) => {
  const found = await discoverBackends();
  if (command.name() === 'probe' || command.name() === 'doctor') return; // they report load errors themselves
  for (const d of found.filter((x) => x.error)) process.stderr.write(`ix: warning: backend package ${d.packageName} failed to load: ${d.error}\n`);
});

registerRun(program);
registerInfo(program);
registerProbe(program);
registerBench(program);
registerServe(program);
registerEmbed(program);
registerRerank(program);
registerTune(program);
registerDoctor(program);
registerQuantize(program);
registerCalibrate(program);

// `ix frobnicate --help` would print the main help and exit 0 (commander reads --help first): an
// unknown command is an error that names the commands, whatever flags follow it
const commandNames = program.commands.map((c) => c.name());
const first = process.argv.slice(2).find((a) => !a.startsWith('-'));
if (first !== undefined && first !== 'help' && !commandNames.includes(first)) {
  process.stderr.write(`ix: unknown command '${first}' (commands: ${commandNames.join(', ')}; ix --help for more)\n`);
  process.exit(1);
}

program.parseAsync(process.argv).catch((err: unknown) => {
  // typed ix errors are user errors: one clear line, no stack
  if (err instanceof IxError) process.stderr.write(`ix: ${err.message}\n`);
  else process.stderr.write(`ix: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
