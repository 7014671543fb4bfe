/**
 * Memory bandwidth as memcpy of a buffer far larger than the caches sees it (read + write bytes
 * per second), best of a few runs. Decode reads every weight once per token, so
 * weightBytes / bandwidth is the floor on the time per generated token.
 */
export function measureBandwidth(bytes = 512 * 2 ** 20, runs = 5): number {
  const src = Buffer.alloc(bytes, 1);
  const dst = Buffer.alloc(bytes);
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    src.copy(dst);
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return (2 * bytes) / best;
}
