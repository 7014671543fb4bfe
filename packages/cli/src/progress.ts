/** A loading progress bar on stderr; silent when stderr is not a terminal or the work is small. */
export function progressBar(label: string): { update: (done: number, total: number) => void; done: () => void } {
  const tty = process.stderr.isTTY;
  let shown = false;
  let lastPct = -1;
  return {
    update(done, total) {
      if (!tty || total < 64 * 2 ** 20) return;
      const pct = Math.floor((done / total) * 100);
      if (pct === lastPct) return;
      lastPct = pct;
      shown = true;
      const width = 30;
      const filled = Math.round((pct / 100) * width);
      process.stderr.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${pct}% ${(done / 2 ** 20).toFixed(0)}/${(total / 2 ** 20).toFixed(0)} MiB`);
    },
    done() {
      if (shown) process.stderr.write('\n');
    },
  };
}
