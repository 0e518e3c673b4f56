/**
 * Rates and gauges from GET /metrics, sampled every SAMPLE_MS while a view shows them, the last
 * POINTS_MAX samples kept (five minutes): messages/s and dead letters/s (the counters' increase
 * over the time between two samples), and per partition the Kafka consumer lag.
 */
import { useSyncExternalStore } from "react";
import { api } from "./api.ts";
import { byLabel, parsePrometheus, total, type Sample } from "./promText.ts";

const SAMPLE_MS = 2000;
const POINTS_MAX = 150;
const PREFIX = "balance_engine_";

export interface MetricHistory {
  /** Unix seconds of each point. */
  readonly times: readonly number[];
  readonly messagesPerSecond: readonly number[];
  readonly dlqPerSecond: readonly number[];
  /** Kafka mode: the consumer lag of each partition this instance reads, per point. */
  readonly lagByPartition: ReadonlyMap<string, readonly number[]>;
  readonly mailboxQueued: readonly number[];
  readonly latest: readonly Sample[];
  readonly error: string | null;
}

let history: MetricHistory = { times: [], messagesPerSecond: [], dlqPerSecond: [], lagByPartition: new Map(), mailboxQueued: [], latest: [], error: null };
let previous: { atMs: number; messages: number; dlq: number } | null = null;
const listeners = new Set<() => void>();
let timer: ReturnType<typeof setInterval> | null = null;

const keep = <T>(values: readonly T[], next: T): T[] => [...values, next].slice(-POINTS_MAX);

function append(samples: Sample[], atMs: number): void {
  const messages = total(samples, `${PREFIX}messages_total`);
  const dlq = total(samples, `${PREFIX}dlq_total`);
  // A rate needs two samples: the first after a (re)start only sets the baseline.
  if (previous === null) {
    previous = { atMs, messages, dlq };
    history = { ...history, latest: samples, error: null };
    return;
  }
  const seconds = (atMs - previous.atMs) / 1000;
  const rate = (now: number, before: number) => (seconds > 0 ? Math.max(0, (now - before) / seconds) : 0);
  const lags = byLabel(samples, `${PREFIX}kafka_consumer_lag`, "partition");
  const lagByPartition = new Map<string, readonly number[]>();
  for (const [partition, lag] of lags) {
    const before = history.lagByPartition.get(partition) ?? history.times.map(() => 0);
    lagByPartition.set(partition, keep(before, lag));
  }
  history = {
    times: keep(history.times, atMs / 1000),
    messagesPerSecond: keep(history.messagesPerSecond, rate(messages, previous.messages)),
    dlqPerSecond: keep(history.dlqPerSecond, rate(dlq, previous.dlq)),
    lagByPartition, mailboxQueued: keep(history.mailboxQueued, total(samples, `${PREFIX}mailbox_queued_messages`)),
    latest: samples, error: null,
  };
  previous = { atMs, messages, dlq };
}

async function sample(): Promise<void> {
  const { data, error } = await api.metrics.get();
  if (error !== null || typeof data !== "string") history = { ...history, error: `GET /metrics answered ${error?.status ?? "nothing"}` };
  else append(parsePrometheus(data), Date.now());
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  if (timer === null) {
    void sample();
    timer = setInterval(() => void sample(), SAMPLE_MS);
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && timer !== null) {
      clearInterval(timer);
      timer = null;
      previous = null;
    }
  };
}

export function useMetricHistory(): MetricHistory {
  return useSyncExternalStore(subscribe, () => history);
}
