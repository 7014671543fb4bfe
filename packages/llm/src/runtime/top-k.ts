import { atLeast } from './grow.js';

/**
 * The k largest entries of a Float32Array, best first (ties: the lower index first), found in one
 * pass with a bounded min-heap: a value enters only when it beats the heap's worst, which for
 * k << n happens O(k log(n/k)) times, so the cost is one compare per entry. NaN never enters
 * (it counts as -Infinity). The buffers are reused from call to call: no allocation per token.
 */
export class TopK {
  /** token ids of the selection, best first; valid up to `size` */
  ids = new Int32Array(64);
  /** their values, in the same order */
  values = new Float32Array(64);
  size = 0;

  /** Make room for n entries (the contents are not kept). */
  reserve(n: number): void {
    this.ids = atLeast(this.ids, n);
    this.values = atLeast(this.values, n);
  }

  /** Select the min(k, x.length) largest entries of `x`; returns how many were selected. */
  select(x: Float32Array, k: number): number {
    const n = Math.min(k, x.length);
    this.reserve(n);
    const ids = this.ids;
    const vals = this.values;
    this.size = n;
    if (n === 0) return 0;
    for (let i = 0; i < n; i++) {
      const v = x[i]!;
      ids[i] = i;
      vals[i] = v === v ? v : -Infinity;
    }
    for (let i = (n >> 1) - 1; i >= 0; i--) siftDown(vals, ids, i, n);
    scan(x, vals, ids, n);
    // heap sort: moving the worst to the back leaves the best at the front
    for (let end = n - 1; end > 0; end--) {
      const v = vals[0]!;
      const id = ids[0]!;
      vals[0] = vals[end]!;
      ids[0] = ids[end]!;
      vals[end] = v;
      ids[end] = id;
      siftDown(vals, ids, 0, end);
    }
    return n;
  }
}

/**
 * Offer x[n..] to the heap. The search for the next entry above the heap's worst is a loop of its
 * own that touches nothing else: V8 compiles it to a plain compare-and-branch (with the insertion
 * in the same loop, it runs 5x slower once inlined). A later index with an equal value never wins.
 */
function scan(x: Float32Array, vals: Float32Array, ids: Int32Array, n: number): void {
  const len = x.length;
  let worst = vals[0]!;
  for (let i = nextAbove(x, n, len, worst); i < len; i = nextAbove(x, i + 1, len, worst)) {
    vals[0] = x[i]!;
    ids[0] = i;
    siftDown(vals, ids, 0, n);
    worst = vals[0]!;
  }
}

/** the first index >= i whose value beats `worst` (len if none) */
export function nextAbove(x: Float32Array, i: number, len: number, worst: number): number {
  while (i < len && !(x[i]! > worst)) i++;
  return i;
}

/** a is worse than b: smaller, or equal with a higher index */
function worse(va: number, ia: number, vb: number, ib: number): boolean {
  return va < vb || (va === vb && ia > ib);
}

function siftDown(vals: Float32Array, ids: Int32Array, i: number, n: number): void {
  const v = vals[i]!;
  const id = ids[i]!;
  for (;;) {
    let c = 2 * i + 1;
    if (c >= n) break;
    if (c + 1 < n && worse(vals[c + 1]!, ids[c + 1]!, vals[c]!, ids[c]!)) c++;
    if (!worse(vals[c]!, ids[c]!, v, id)) break;
    vals[i] = vals[c]!;
    ids[i] = ids[c]!;
    i = c;
  }
  vals[i] = v;
  ids[i] = id;
}
