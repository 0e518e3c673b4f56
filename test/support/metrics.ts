/**
 * Reads metric values from an engine's `/metrics` (Prometheus text format), so that a test can
 * check the value of one series, not only that its name appears.
 */

/** Every metric name of the engine starts with this (src/observability/metrics.ts). */
export const METRIC_PREFIX = "balance_engine_";

export type Labels = Readonly<Record<string, string>>;

/** One scrape: the value of any series in it. */
export interface MetricsScrape {
  readonly text: string;
  /**
   * The value of the series `name` (without the prefix) whose labels are exactly `labels`.
   * A series that is absent reads 0: prom-client shows a labelled counter only once it counted.
   */
  value(name: string, labels?: Labels): number;
  /** The sum over every series of `name` whose labels include `labels` (e.g. all topics of one outcome). */
  sum(name: string, labels?: Labels): number;
}

interface Series {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

export async function scrapeMetrics(base: string): Promise<MetricsScrape> {
  const response = await fetch(`${base}/metrics`);
  if (!response.ok) throw new Error(`/metrics answered ${response.status}`);
  const text = await response.text();
  const series = parseMetrics(text);
  const named = (name: string) => series.filter((s) => s.name === METRIC_PREFIX + name);
  return {
    text,
    value(name, labels = {}) {
      const found = named(name).filter((s) => sameLabels(s.labels, labels));
      if (found.length > 1) throw new Error(`${name} ${JSON.stringify(labels)} matches ${found.length} series`);
      return found[0]?.value ?? 0;
    },
    sum(name, labels = {}) {
      return named(name)
        .filter((s) => Object.entries(labels).every(([key, value]) => s.labels[key] === value))
        .reduce((total, s) => total + s.value, 0);
    },
  };
}

/** The value of one series, in one call. */
export async function metricValue(base: string, name: string, labels: Labels = {}): Promise<number> {
  return (await scrapeMetrics(base)).value(name, labels);
}

/** How much each series moved between two scrapes. */
export function metricDelta(before: MetricsScrape, after: MetricsScrape, name: string, labels: Labels = {}): number {
  return after.value(name, labels) - before.value(name, labels);
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: \d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** The samples of a Prometheus text exposition (comments skipped). */
export function parseMetrics(text: string): Series[] {
  const series: Series[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const match = SAMPLE.exec(line);
    if (match === null) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? "").matchAll(LABEL)) {
      labels[key!] = value!.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
    }
    series.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return series;
}

function sameLabels(actual: Record<string, string>, wanted: Labels): boolean {
  const keys = Object.keys(actual);
  return keys.length === Object.keys(wanted).length && keys.every((key) => actual[key] === wanted[key]);
}
