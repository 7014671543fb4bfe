import { readFileSync } from 'node:fs';
import { InvalidArgumentError } from '@ix/core';

/** Texts for a command: its arguments, else the non-empty lines of `file`, else of stdin. */
export function linesOf(args: string[], file: string | undefined, what: string): string[] {
  if (args.length && file) throw new InvalidArgumentError(`give ${what} as arguments or --file, not both`);
  if (args.length) return args;
  let text: string;
  try {
    text = readFileSync(file ?? 0, 'utf8');
  } catch (err) {
    throw new InvalidArgumentError(`cannot read ${file ?? 'stdin'}: ${(err as Error).message}`);
  }
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (!lines.length) throw new InvalidArgumentError(`no ${what}: ${file ?? 'stdin'} has no non-empty line`);
  return lines;
}
