import type { ExpertUseReport } from '@ix/llm';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics of one server, in a registry of its own (several servers may share a process). */
export class Metrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'ix_requests_total',
    help: 'HTTP requests answered, by route and status code',
    labelNames: ['route', 'status'] as const,
    registers: [this.registry],
  });
  readonly promptTokens = new Counter({ name: 'ix_prompt_tokens_total', help: 'prompt tokens of completed jobs', registers: [this.registry] });
  readonly completionTokens = new Counter({ name: 'ix_completion_tokens_total', help: 'tokens generated', registers: [this.registry] });
  readonly queueDepth = new Gauge({ name: 'ix_queue_depth', help: 'jobs waiting for a slot', registers: [this.registry] });
  readonly activeSlots = new Gauge({ name: 'ix_active_slots', help: 'slots generating', registers: [this.registry] });
  readonly precisionBits = new Gauge({ name: 'ix_precision_bits', help: 'nested models: bits per weight read by requests that name no precision (4.5 eco to 9 max)', registers: [this.registry] });
  readonly timeToFirstToken = new Histogram({
    name: 'ix_time_to_first_token_seconds',
    help: 'from a job entering the scheduler to its first token',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly tokenLatency = new Histogram({
    name: 'ix_token_latency_seconds',
    help: 'time between consecutive tokens of a job',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'ix_' });
  }

  /** Mixture-of-experts models: per-layer expert uses and bytes read, and the resident bytes, read at each scrape. */
  watchExperts(read: () => ExpertUseReport | undefined): void {
    const perLayer = (name: string, help: string, value: (u: ExpertUseReport['layers'][number]) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['layer'] as const,
        registers: [this.registry],
        collect() {
          read()?.layers.forEach((u, l) => this.set({ layer: String(l) }, value(u)));
        },
      });
    perLayer('ix_moe_expert_hits', 'chosen experts that were resident, per layer, since the model loaded', (u) => u.hits);
    perLayer('ix_moe_expert_misses', 'chosen experts that were not resident (first use, or given back under --moe-memory), per layer', (u) => u.misses);
    perLayer('ix_moe_expert_read_bytes', 'bytes of experts brought in for the misses, per layer', (u) => u.bytesRead);
    const whole = (name: string, help: string, value: (r: ExpertUseReport) => number) =>
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          const r = read();
          if (r) this.set(value(r));
        },
      });
    whole('ix_moe_expert_resident_bytes', 'bytes of experts resident now', (r) => r.resident);
    whole('ix_moe_expert_budget_bytes', 'the expert memory budget (0: none)', (r) => r.budget);
  }
}
