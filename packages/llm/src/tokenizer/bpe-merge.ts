/**
 * The BPE merge loop shared by every BPE flavour: repeatedly merge the adjacent pair with the
 * lowest rank (ties: leftmost pair first) until no adjacent pair has a rank.
 * HF/GPT-2 ranks are positions in the merges list; SentencePiece ranks are negated piece scores.
 * A heap over candidate pairs with lazy invalidation keeps this O(n log n) per word.
 * bpeMergeSteps is the same loop as steps, so one very long word (a SentencePiece text that cannot
 * be split into words) can be merged in turns with the event loop.
 */
export type PairRank = (left: string, right: string) => number | undefined;

/** merges between two yields of bpeMergeSteps (a few milliseconds of work) */
const MERGES_PER_STEP = 16384;

export function bpeMerge(symbols: string[], rankOf: PairRank): string[] {
  return runSteps(bpeMergeSteps(symbols, rankOf));
}

/** run a stepwise computation to its end at once */
export function runSteps<T>(work: Generator<void, T>): T {
  for (let r = work.next(); ; r = work.next()) if (r.done) return r.value;
}

/** bpeMerge as steps: yields every MERGES_PER_STEP candidates, returns the pieces */
export function* bpeMergeSteps(symbols: string[], rankOf: PairRank): Generator<void, string[]> {
  const n = symbols.length;
  if (n < 2) return symbols;
  const text = symbols.slice();
  const prev = new Int32Array(n);
  const next = new Int32Array(n);
  const version = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    prev[i] = i - 1;
    next[i] = i + 1 < n ? i + 1 : -1;
  }
  const heap = new PairHeap();
  const consider = (left: number) => {
    const right = next[left];
    if (left < 0 || right < 0) return;
    const rank = rankOf(text[left], text[right]);
    if (rank !== undefined) heap.push({ rank, left, leftVersion: version[left], rightVersion: version[right] });
  };
  for (let i = 0; i + 1 < n; i++) consider(i);

  let budget = MERGES_PER_STEP;
  for (let c = heap.pop(); c; c = heap.pop()) {
    if (--budget === 0) {
      budget = MERGES_PER_STEP;
      yield;
    }
    const right = next[c.left];
    // stale: one side was merged away or changed since this candidate was queued
    if (right < 0 || text[c.left] === '' || version[c.left] !== c.leftVersion || version[right] !== c.rightVersion) continue;
    text[c.left] += text[right];
    text[right] = '';
    version[c.left]++;
    version[right]++;
    next[c.left] = next[right];
    if (next[right] >= 0) prev[next[right]] = c.left;
    consider(prev[c.left]);
    consider(c.left);
  }
  const out: string[] = [];
  for (let i = 0; i >= 0; i = next[i]) out.push(text[i]);
  return out;
}

interface Candidate {
  rank: number;
  left: number;
  leftVersion: number;
  rightVersion: number;
}

/** Binary min-heap ordered by (rank, left position). */
class PairHeap {
  private readonly items: Candidate[] = [];

  push(c: Candidate): void {
    const a = this.items;
    a.push(c);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(a[i], a[parent])) break;
      [a[i], a[parent]] = [a[parent], a[i]];
      i = parent;
    }
  }

  pop(): Candidate | undefined {
    const a = this.items;
    if (a.length === 0) return undefined;
    const top = a[0];
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && before(a[l], a[m])) m = l;
        if (r < a.length && before(a[r], a[m])) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m], a[i]];
        i = m;
      }
    }
    return top;
  }
}

function before(x: Candidate, y: Candidate): boolean {
  return x.rank < y.rank || (x.rank === y.rank && x.left < y.left);
}
