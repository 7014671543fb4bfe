import { InvalidArgumentError } from 'commander';

export function int(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError(`expected an integer, got "${value}"`);
  return n;
}

export function num(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n)) throw new InvalidArgumentError(`expected a number, got "${value}"`);
  return n;
}

/** llama.cpp uses -1 for "random seed" */
export function seedOption(value: string): number | undefined {
  const n = int(value);
  return n < 0 ? undefined : n >>> 0;
}

const UNITS: Record<string, number> = { '': 1, b: 1, k: 2 ** 10, kib: 2 ** 10, kb: 1e3, m: 2 ** 20, mib: 2 ** 20, mb: 1e6, g: 2 ** 30, gib: 2 ** 30, gb: 1e9, t: 2 ** 40, tib: 2 ** 40, tb: 1e12 };

/** A memory size: bytes, or a number with a unit (512M, 1.5GiB, 2GB; K/M/G alone are binary, as in llama.cpp's flags) */
export function byteSize(value: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value);
  const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined) throw new InvalidArgumentError(`expected a size such as 512M, 2GiB or a byte count, got "${value}"`);
  const bytes = Math.round(Number(m[1]) * unit);
  if (!(bytes > 0) || !Number.isSafeInteger(bytes)) throw new InvalidArgumentError(`expected a positive size, got "${value}"`);
  return bytes;
}

/** --precision: max, eco or bits per weight (nested models; checked again by the model) */
export function precisionOption(value: string): 'max' | 'eco' | 'auto' | number {
  if (value === 'max' || value === 'eco' || value === 'auto') return value;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`expected max, eco, auto or bits per weight (4.5 to 9), got "${value}"`);
  return n;
}

export const PRECISION_HELP = 'nested models (ix quantize --nested): max (8 bits, the default), eco (4 bits), auto (per step, from the request) or an average of bits per weight read (4.5 to 9)';

export const SENSITIVITY_HELP = 'nested models: the sensitivity table (ix calibrate) that orders layers for a bit budget (default: <model>.sensitivity.json when present)';
