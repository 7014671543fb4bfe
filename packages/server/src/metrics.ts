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
}
