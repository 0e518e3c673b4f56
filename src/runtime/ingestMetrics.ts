/**
 * The per-message metrics of ingest: `messages_total{topic,outcome}`, `messages_invalid_total`
 * and `apply_duration_seconds`. Label lookups cost more than the increment, so one child per
 * (topic, outcome) is kept.
 */
import type { InvalidReason, Outcome } from "../domain/reasons.ts";
import type { Metrics } from "../observability/metrics.ts";

export class IngestMetrics {
  private readonly counters = new Map<string, { inc(): void }>();

  constructor(private readonly metrics: Metrics) {}

  invalid(reason: InvalidReason): void {
    this.metrics.messagesInvalidTotal.inc({ reason });
  }

  processed(topic: string, outcome: Outcome, startedAt: number): void {
    this.metrics.applyDurationSeconds.observe((performance.now() - startedAt) / 1000);
    this.counter(topic, outcome).inc();
  }

  private counter(topic: string, outcome: Outcome): { inc(): void } {
    const key = `${topic}|${outcome}`;
    let child = this.counters.get(key);
    if (child === undefined) {
      child = this.metrics.messagesTotal.labels(topic, outcome);
      this.counters.set(key, child);
    }
    return child;
  }
}
