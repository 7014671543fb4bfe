import type { EmbedOutput, EmbedRequestOptions } from './engine.js';

type Input = string | readonly number[];

interface Pending {
  inputs: readonly Input[];
  options: EmbedRequestOptions;
  resolve: (out: EmbedOutput) => void;
  reject: (err: unknown) => void;
}

/**
 * Embedding requests that arrive while a pass runs wait, and then go into one call together (one
 * packed forward for many small requests, as a server with many clients each embedding a query
 * sees). Requests go together only with the same options, up to `maxInputs` inputs. When a merged
 * call fails, each of its requests is run alone, so a bad input fails only its own request (and its
 * error names the input by its index in that request).
 */
export class EmbedBatcher {
  private pending: Pending[] = [];
  private running = false;

  constructor(
    private readonly run: (inputs: readonly Input[], options: EmbedRequestOptions) => Promise<EmbedOutput>,
    private readonly maxInputs = 2048,
  ) {}

  /** requests waiting for the running call to end */
  get waiting(): number {
    return this.pending.length;
  }

  embed(inputs: readonly Input[], options: EmbedRequestOptions): Promise<EmbedOutput> {
    return new Promise((resolve, reject) => {
      this.pending.push({ inputs, options, resolve, reject });
      this.next();
    });
  }

  private next(): void {
    if (this.running || this.pending.length === 0) return;
    this.running = true;
    const key = optionsKey(this.pending[0]!.options);
    const group: Pending[] = [];
    let count = 0;
    for (const p of this.pending) {
      if (optionsKey(p.options) !== key || (group.length > 0 && count + p.inputs.length > this.maxInputs)) continue;
      group.push(p);
      count += p.inputs.length;
    }
    this.pending = this.pending.filter((p) => !group.includes(p));
    void this.serve(group).finally(() => {
      this.running = false;
      this.next();
    });
  }

  private async serve(group: Pending[]): Promise<void> {
    if (group.length === 1) {
      const [p] = group;
      await this.run(p!.inputs, p!.options).then(p!.resolve, p!.reject);
      return;
    }
    let out: EmbedOutput;
    try {
      out = await this.run(group.flatMap((p) => p.inputs), group[0]!.options);
    } catch {
      for (const p of group) await this.run(p.inputs, p.options).then(p.resolve, p.reject);
      return;
    }
    let at = 0;
    for (const p of group) {
      const n = p.inputs.length;
      p.resolve({ embeddings: out.embeddings.slice(at, at + n), tokens: out.tokens.slice(at, at + n) });
      at += n;
    }
  }
}

function optionsKey(o: EmbedRequestOptions): string {
  return `${o.normalize ?? true}|${o.dimensions ?? ''}|${o.truncate ?? false}`;
}
