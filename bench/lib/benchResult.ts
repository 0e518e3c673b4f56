/** What every benchmark reports: its figure and its baseline's, measured in the same run. */
export interface Measurement {
  readonly label: string;
  /** Operations (messages, requests, rows) per second. */
  readonly throughputPerSec?: number;
  readonly p50Ms?: number;
  readonly p99Ms?: number;
  readonly p999Ms?: number;
  readonly peakRssMb?: number;
  /** Anything else worth printing: name → value (units in the name). */
  readonly extra?: Readonly<Record<string, number | string>>;
}

export interface BenchResult {
  readonly benchmark: string;
  /** What it measures, in a line. */
  readonly measures: string;
  /** The target from the issue, as text. */
  readonly target: string;
  readonly subject: Measurement;
  readonly baseline?: Measurement;
  /** subject ÷ baseline on the figure the target is about (throughput unless said otherwise). */
  readonly ratio?: number;
  readonly targetMet: boolean;
  /** Why a target is missed, what bounds it, and anything a reader must know about the run. */
  readonly notes: readonly string[];
}

export interface Benchmark {
  readonly name: string;
  run(): Promise<BenchResult>;
}
