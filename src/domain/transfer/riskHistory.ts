/**
 * What an account's actor remembers of its own outgoing transfers, for the risk score: hourly
 * buckets over 7 days (count and sum) and the counterparties paid in 7 days. Bounded: at most
 * 168 buckets and `COUNTERPARTIES_MAX` counterparties (the least recently paid is forgotten).
 */
export const HOUR_MS = 3_600_000;
export const HISTORY_HOURS = 7 * 24;
export const COUNTERPARTIES_MAX = 1000;

export interface HourBucket {
  count: number;
  sumMinor: number;
}

export interface RiskHistory {
  /** Hour index (epoch ms / 1 h) → the transfers authorized in that hour. */
  readonly hours: Map<number, HourBucket>;
  /** Counterparty account id → when it was last paid (epoch ms), least recent first. */
  readonly counterparties: Map<string, number>;
}

/** What the score reads (a history is one): `NO_RISK_HISTORY` stands for an account that never sent a transfer. */
export interface RiskHistoryView {
  readonly hours: ReadonlyMap<number, Readonly<HourBucket>>;
  readonly counterparties: ReadonlyMap<string, number>;
}

/** The history of an account without transfers: scored against, never written (no Maps made per first transfer). */
export const NO_RISK_HISTORY: RiskHistoryView = { hours: new Map(), counterparties: new Map() };

export function newRiskHistory(): RiskHistory {
  return { hours: new Map(), counterparties: new Map() };
}

/** Counts an authorized transfer and forgets what is older than 7 days. */
export function recordTransfer(history: RiskHistory, toAccountId: string, amountMinor: number, atMs: number): void {
  const hour = Math.floor(atMs / HOUR_MS);
  const bucket = history.hours.get(hour);
  if (bucket === undefined) history.hours.set(hour, { count: 1, sumMinor: amountMinor });
  else {
    bucket.count += 1;
    bucket.sumMinor += amountMinor;
  }
  history.counterparties.delete(toAccountId); // re-inserted last: the map stays least recent first
  history.counterparties.set(toAccountId, atMs);
  if (history.counterparties.size > COUNTERPARTIES_MAX) history.counterparties.delete(history.counterparties.keys().next().value!);
  forgetBefore(history, atMs - HISTORY_HOURS * HOUR_MS);
}

function forgetBefore(history: RiskHistory, sinceMs: number): void {
  const firstHour = Math.floor(sinceMs / HOUR_MS);
  for (const hour of history.hours.keys()) if (hour < firstHour) history.hours.delete(hour);
  for (const [id, atMs] of history.counterparties) {
    if (atMs >= sinceMs) break; // least recent first: the rest are newer
    history.counterparties.delete(id);
  }
}

/** Count and sum of the transfers in the last `hours` hours (the current hour included). */
export function windowOf(history: RiskHistoryView, nowMs: number, hours: number): HourBucket {
  const lastHour = Math.floor(nowMs / HOUR_MS);
  const window = { count: 0, sumMinor: 0 };
  for (const [hour, bucket] of history.hours) {
    if (hour > lastHour - hours && hour <= lastHour) {
      window.count += bucket.count;
      window.sumMinor += bucket.sumMinor;
    }
  }
  return window;
}

export function paidWithin7Days(history: RiskHistoryView, toAccountId: string, nowMs: number): boolean {
  const atMs = history.counterparties.get(toAccountId);
  return atMs !== undefined && atMs > nowMs - HISTORY_HOURS * HOUR_MS;
}
