/**
 * Streams generated text while holding back any tail that could still become a stop string, so a
 * stop string is never partly emitted.
 */
export class StopStringFilter {
  private text = '';
  private emitted = 0;
  private readonly longest: number;

  constructor(private readonly stops: readonly string[]) {
    this.longest = Math.max(0, ...stops.map((s) => s.length));
  }

  /** add text; returns what may be emitted now and whether a stop string was hit */
  push(chunk: string): { text: string; stopped: boolean } {
    this.text += chunk;
    const from = Math.max(0, this.emitted - this.longest);
    let hit = -1;
    for (const s of this.stops) {
      if (!s) continue;
      const i = this.text.indexOf(s, from);
      if (i >= 0 && (hit < 0 || i < hit)) hit = i;
    }
    if (hit >= 0) return { text: this.take(hit), stopped: true };
    return { text: this.take(this.text.length - this.heldBack()), stopped: false };
  }

  /** everything not yet emitted (at the end of generation) */
  flush(): string {
    return this.take(this.text.length);
  }

  /** the whole emitted text */
  get output(): string {
    return this.text.slice(0, this.emitted);
  }

  private heldBack(): number {
    for (let n = Math.min(this.longest - 1, this.text.length - this.emitted); n > 0; n--) {
      const tail = this.text.slice(this.text.length - n);
      if (this.stops.some((s) => s.startsWith(tail))) return n;
    }
    return 0;
  }

  private take(end: number): string {
    const out = this.text.slice(this.emitted, Math.max(end, this.emitted));
    this.emitted = Math.max(end, this.emitted);
    return out;
  }
}
