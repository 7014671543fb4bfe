import { parseArgs, type ParseArgsConfig } from 'node:util';

/**
 * The command-line plumbing the tools share (model-gen, bench, kl, sampling, serve-load): their
 * options plus --help/-h; a bad flag is one line and the usage on stderr, exit 2, not a stack trace.
 */
export function toolArgs<T extends NonNullable<ParseArgsConfig['options']>>(options: T, usage: string) {
  let values: Record<string, unknown>;
  try {
    values = parseArgs({ options: { ...options, help: { type: 'boolean', short: 'h' } } }).values as Record<string, unknown>;
  } catch (err) {
    if (!String((err as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS')) throw err;
    process.stderr.write(`error: ${(err as Error).message}\n${usage}\n`);
    process.exit(2);
  }
  if (values.help) {
    process.stdout.write(usage + '\n');
    process.exit(0);
  }
  return values as ReturnType<typeof parseArgs<{ options: T }>>['values'];
}

/**
 * Progress of `total` steps on stderr: one line rewritten in place on a terminal; elsewhere (a
 * log, CI) nothing until the end, then one line, so logs do not fill with carriage returns.
 */
export function toolProgress(label: string): (done: number, total: number, what?: string) => void {
  const tty = process.stderr.isTTY === true;
  return (done, total, what = '') => {
    if (tty) process.stderr.write(`\r${label} ${done}/${total} ${what.padEnd(40)}${done === total ? '\n' : ''}`);
    else if (done === total) process.stderr.write(`${label} ${done}/${total}\n`);
  };
}
