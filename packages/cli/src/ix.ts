import { Command } from 'commander';
import { IxError } from '@ix/core';
import { registerProbe } from './commands/probe.js';

const program = new Command('ix')
  .description('ix: a universal AI inference engine')
  .version('0.1.0')
  .showHelpAfterError();

registerProbe(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  // typed ix errors are user errors: one clear line, no stack
  if (err instanceof IxError) process.stderr.write(`ix: ${err.message}\n`);
  else process.stderr.write(`ix: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
