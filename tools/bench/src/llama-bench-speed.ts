import { execFileSync } from 'node:child_process';
import { nativePeer } from './native-peer.js';
import type { SpeedResult } from './llamacpp-speed.js';
import { median } from './stats.js';

interface LlamaBenchRow {
  n_prompt: number;
  n_gen: number;
  samples_ts: number[];
}


/**
 * pp and tg speed from native llama-bench (built from node-llama-cpp's llama.cpp source with
 * -march=native, see native-peer.ts): its own warm-up and `repeats` runs, the median of them.
 */
export function llamaBenchSpeed(modelPath: string, threads: number, pp: number, tg: number, repeats: number): SpeedResult {
  const bin = nativePeer('llama-bench');
  const args = ['-m', modelPath, '-t', String(threads), '-p', String(pp), '-n', String(tg), '-r', String(repeats), '-o', 'json'];
  const rows = JSON.parse(execFileSync(bin, args, { stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 << 20 }).toString()) as LlamaBenchRow[];
  const of = (test: (r: LlamaBenchRow) => boolean) => {
    const row = rows.find(test);
    return row ? median(row.samples_ts) : NaN;
  };
  return { ppTokensPerSecond: of((r) => r.n_prompt === pp && r.n_gen === 0), tgTokensPerSecond: of((r) => r.n_gen === tg && r.n_prompt === 0) };
}
