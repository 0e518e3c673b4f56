/**
 * Loading accounts into an engine over `POST /v1/events` (embedded mode), shared by rest-read and
 * ws-fanout: deterministic EODs and transactions whose sums the benchmark knows, posted in
 * batches of at most 10,000 with the 429 retried.
 */
export const EOD_DATE = "2026-11-21";
export const BOOKING_DATE = "2026-11-22";
export const BATCH_MAX = 10_000;

export function formatMinor(minor: number): string {
  const sign = minor < 0 ? "-" : "";
  const abs = Math.abs(minor);
  return `${sign}${Math.floor(abs / 100)}.${(abs % 100).toString().padStart(2, "0")}`;
}

export const facilityOf = (n: number) => `FAC-${n % 100}`;
export const eodMinorOf = (n: number) => 100_000 + (n % 997) * 1234;

/** The k-th transaction of account n: a few cents to ±100.00, never high-value (no alerts). */
export const transactionMinorOf = (n: number, k: number) => ((n * 7919 + k * 104_729) % 20_001) - 10_000 || 1;

export function eodMessage(run: string, accountId: string, n: number): string {
  return JSON.stringify({
    type: "EOD_BALANCE", messageId: `${run}-eod-${n}`, accountId, facilityId: facilityOf(n),
    balance: formatMinor(eodMinorOf(n)), currency: "USD", asOfDate: EOD_DATE, timestamp: "2026-11-22T00:05:00Z",
  });
}

export function transactionMessage(run: string, accountId: string, seq: number, amountMinor: number): string {
  return JSON.stringify({
    type: "TRANSACTION", messageId: `${run}-m-${seq}`, accountId, eventType: "TRANSACTION_CREATED",
    transactionId: `${run}-t-${seq}`, amount: formatMinor(amountMinor), currency: "USD", bookingDate: BOOKING_DATE,
    timestamp: new Date(Date.UTC(2026, 10, 22, 9) + (seq % 36_000_000)).toISOString(),
  });
}

export interface Outcomes {
  applied: number;
  other: number;
  /** The first few outcomes that were not `applied` (with their reason), to say what went wrong. */
  samples: string[];
}

/** Posts pre-serialized messages (≤ 10,000) as one JSON array; retries while the engine says 429. */
export async function postEvents(base: string, messages: readonly string[], into?: Outcomes, headers: Record<string, string> = {}): Promise<Outcomes> {
  const outcomes = into ?? { applied: 0, other: 0, samples: [] };
  const body = `[${messages.join(",")}]`;
  for (let attempt = 0; ; attempt++) {
    const response = await fetch(`${base}/v1/events`, { method: "POST", body, headers: { "content-type": "application/json", ...headers } });
    if (response.status === 429 && attempt < 200) {
      await response.arrayBuffer();
      await Bun.sleep(100);
      continue;
    }
    if (!response.ok) throw new Error(`POST /v1/events: ${response.status} ${await response.text()}`);
    const { results } = (await response.json()) as { results: { outcome: string; reason?: string; warning?: string }[] };
    for (const r of results) {
      if (r.outcome === "applied" && r.warning === undefined) outcomes.applied += 1;
      else {
        outcomes.other += 1;
        if (outcomes.samples.length < 5) outcomes.samples.push(`${r.outcome}${r.reason ? `:${r.reason}` : ""}${r.warning ? `:${r.warning}` : ""}`);
      }
    }
    return outcomes;
  }
}

/** Posts many messages in batches of 10,000, `parallel` requests at a time; `headers`: a credential when auth is on. */
export async function postAll(base: string, messages: readonly string[], parallel = 2, headers: Record<string, string> = {}): Promise<Outcomes> {
  const outcomes: Outcomes = { applied: 0, other: 0, samples: [] };
  let next = 0;
  const worker = async () => {
    while (next < messages.length) {
      const from = next;
      next += BATCH_MAX;
      await postEvents(base, messages.slice(from, from + BATCH_MAX), outcomes, headers);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return outcomes;
}

/** The 100 facilities the EODs name, so that no EOD is dead-lettered as facility_not_found. */
export async function putFacilities(base: string, headers: Record<string, string> = {}): Promise<void> {
  for (let f = 0; f < 100; f++) {
    const response = await fetch(`${base}/v1/admin/facilities/FAC-${f}`, {
      method: "PUT", body: JSON.stringify({ limit: "5000.00" }), headers: { "content-type": "application/json", ...headers },
    });
    if (!response.ok) throw new Error(`PUT facility FAC-${f}: ${response.status} ${await response.text()}`);
  }
}
