/**
 * Prometheus histograms and counters whose hot-path call is a few array or number increments,
 * read by the registry at scrape time. For the per-message and per-request paths: prom-client
 * converts and hashes the labels on every `observe`/`inc`, even on a child got from `labels()`
 * (~0.3 µs a call in the apply profile; in rest-read's, two such calls per request). A child is
 * looked up once per label set by the caller and kept. Exposed in prom-client's text format.
 */
import type { Metric, Registry } from "prom-client";

interface ExportedValue {
  readonly labels: Record<string, string | number>;
  readonly value: number;
  readonly metricName: string;
}

type Labels = Readonly<Record<string, string>>;

export class HistogramChild {
  /** Per bucket (the last is +Inf), not cumulative: summed at export. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(readonly labels: Labels, private readonly upperBounds: readonly number[]) {
    this.counts = new Float64Array(upperBounds.length + 1);
  }

  observe(value: number): void {
    let bucket = 0;
    while (bucket < this.upperBounds.length && value > this.upperBounds[bucket]!) bucket++;
    this.counts[bucket]! += 1;
    this.sum += value;
    this.count += 1;
  }
}

export class CounterChild {
  value = 0;

  constructor(readonly labels: Labels) {}

  inc(by = 1): void {
    this.value += by;
  }
}

/** What both metrics share: children by label values, registration, reset. */
abstract class BatchedMetric<Child> {
  abstract readonly type: "histogram" | "counter";
  readonly aggregator = "sum";
  protected readonly children = new Map<string, Child>();

  constructor(readonly name: string, readonly help: string, registers: readonly Registry[], private readonly labelNames: readonly string[]) {
    for (const registry of registers) registry.registerMetric(this as unknown as Metric);
  }

  /** The child of one label set (created on first use): keep it, and call it per event. */
  labels(labels: Labels = {}): Child {
    const key = this.labelNames.map((name) => labels[name] ?? "").join("\u0000");
    let child = this.children.get(key);
    if (child === undefined) {
      child = this.newChild(labels);
      this.children.set(key, child);
    }
    return child;
  }

  reset(): void {
    this.children.clear();
  }

  get(): { name: string; help: string; type: string; aggregator: string; values: ExportedValue[] } {
    const values: ExportedValue[] = [];
    for (const child of this.children.values()) this.export(child, values);
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  protected abstract newChild(labels: Labels): Child;
  protected abstract export(child: Child, into: ExportedValue[]): void;
}

export class BatchedHistogram extends BatchedMetric<HistogramChild> {
  readonly type = "histogram";
  private readonly unlabeled: HistogramChild | null;

  constructor(name: string, help: string, private readonly upperBounds: readonly number[], registers: readonly Registry[], labelNames: readonly string[] = []) {
    super(name, help, registers, labelNames);
    // Without labels the series exists from the start, as prom-client's does.
    this.unlabeled = labelNames.length === 0 ? this.labels() : null;
  }

  /** For a histogram without labels. */
  observe(value: number): void {
    this.unlabeled!.observe(value);
  }

  protected newChild(labels: Labels): HistogramChild {
    return new HistogramChild(labels, this.upperBounds);
  }

  /** prom-client's shape: cumulative buckets, then the sum and the count. */
  protected export(child: HistogramChild, into: ExportedValue[]): void {
    let cumulative = 0;
    for (let bucket = 0; bucket <= this.upperBounds.length; bucket++) {
      cumulative += child.counts[bucket]!;
      const le = bucket < this.upperBounds.length ? this.upperBounds[bucket]! : "+Inf";
      into.push({ labels: { ...child.labels, le }, value: cumulative, metricName: `${this.name}_bucket` });
    }
    into.push({ labels: child.labels, value: child.sum, metricName: `${this.name}_sum` }, { labels: child.labels, value: child.count, metricName: `${this.name}_count` });
  }
}

export class BatchedCounter extends BatchedMetric<CounterChild> {
  readonly type = "counter";

  protected newChild(labels: Labels): CounterChild {
    return new CounterChild(labels);
  }

  protected export(child: CounterChild, into: ExportedValue[]): void {
    into.push({ labels: child.labels, value: child.value, metricName: this.name });
  }
}
