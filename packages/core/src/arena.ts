/**
 * Offsets for a run's intermediate values inside one buffer per backend (an arena), so a step
 * makes no allocations: a value's bytes are reused once its last reader has run. First fit over a
 * sorted free list; every block starts on a 64-byte boundary (what SIMD kernels like).
 */
export const ARENA_ALIGN = 64;

export class ArenaPlanner {
  /** free [offset, end) ranges, sorted by offset, never adjacent (merged) */
  private readonly free: { offset: number; end: number }[] = [];
  private top = 0;

  /** bytes the arena needs to hold every block handed out so far */
  get size(): number {
    return this.top;
  }

  alloc(bytes: number): number {
    const need = alignUp(Math.max(bytes, 1));
    for (let i = 0; i < this.free.length; i++) {
      const f = this.free[i]!;
      if (f.end - f.offset < need) continue;
      const offset = f.offset;
      f.offset += need;
      if (f.offset === f.end) this.free.splice(i, 1);
      return offset;
    }
    // grow: a free range that ends at the top is extended rather than left as a hole
    const last = this.free[this.free.length - 1];
    if (last && last.end === this.top) {
      this.free.pop();
      this.top = last.offset + need;
      return last.offset;
    }
    const offset = this.top;
    this.top += need;
    return offset;
  }

  release(offset: number, bytes: number): void {
    const end = offset + alignUp(Math.max(bytes, 1));
    let i = 0;
    while (i < this.free.length && this.free[i]!.offset < offset) i++;
    const prev = this.free[i - 1];
    const next = this.free[i];
    if (prev && prev.end === offset) {
      prev.end = end;
      if (next && next.offset === end) {
        prev.end = next.end;
        this.free.splice(i, 1);
      }
    } else if (next && next.offset === end) {
      next.offset = offset;
    } else {
      this.free.splice(i, 0, { offset, end });
    }
  }
}

function alignUp(n: number): number {
  return Math.ceil(n / ARENA_ALIGN) * ARENA_ALIGN;
}
