/**
 * The per-message metrics of ingest: `messages_total{topic,outcome}`, `messages_invalid_total`
 * and `apply_duration_seconds`. A message only adds to plain arrays: its outcome to the counts
 * of its topic, its time to a BatchedHistogram. The counts go to the labelled counter when
 * /metrics is scraped (its collect hook), one label lookup per (topic, outcome) per scrape
 * instead of one per message (the apply profile: 0.6 µs a message for both metrics before).
 */
import { OUTCOMES, type InvalidReason, type Outcome } from "../domain/reasons.ts";
import type { Metrics } from "../observability/metrics.ts";

const OUTCOME_INDEX: Readonly<Record<Outcome, number>> = Object.fromEntries(OUTCOMES.map((outcome, i) => [outcome, i])) as Record<Outcome, number>;

export class IngestMetrics {
  /** topic → messages per outcome (OUTCOMES' order) not yet added to the counter. */
  private readonly pending = new Map<string, Float64Array>();
  private lastTopic = "";
  private lastCounts: Float64Array | null = null;

  constructor(private readonly metrics: Metrics) {
    metrics.sources.flushIngestCounts = () => this.flush();
  }

  invalid(reason: InvalidReason): void {
    this.metrics.messagesInvalidTotal.inc({ reason });
  }

  processed(topic: string, outcome: Outcome, startedAt: number): void {
    this.metrics.applyDurationSeconds.observe((performance.now() - startedAt) / 1000);
    this.countsOf(topic)[OUTCOME_INDEX[outcome]]! += 1;
  }

  /** Adds the pending counts to `messages_total` (at scrape time). */
  flush(): void {
    for (const [topic, counts] of this.pending) {
      for (let i = 0; i < OUTCOMES.length; i++) {
        if (counts[i] === 0) continue;
        this.metrics.messagesTotal.inc({ topic, outcome: OUTCOMES[i]! }, counts[i]);
        counts[i] = 0;
      }
    }
  }

  private countsOf(topic: string): Float64Array {
    if (topic === this.lastTopic && this.lastCounts !== null) return this.lastCounts;
    let counts = this.pending.get(topic);
    if (counts === undefined) {
      counts = new Float64Array(OUTCOMES.length);
      this.pending.set(topic, counts);
    }
    this.lastTopic = topic;
    this.lastCounts = counts;
    return counts;
  }
}
