/**
 * The history rules of the contract (section 9 there, "History" in docs/contract.md), written
 * once and run against each event log: the embedded store and ClickHouse. Each test uses its own
 * accounts, so they share one engine.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { parseAmount } from "../../src/domain/money.ts";
import { bodyOf, eod, txn, type EngineUnderTest } from "../support/engineUnderTest.ts";

const minor = (amount: string) => {
  const parsed = parseAmount(amount, 2);
  if (!parsed.ok) throw new Error(`not an amount: ${amount}`);
  return parsed.minor;
};

/** Polls with a generous bound: the log is written asynchronously, so delivery is checked for, never timed. */
export async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await Bun.sleep(20);
  }
}

let accountSequence = 0;
const newAccount = (label: string) => `${label}-${Date.now().toString(36)}-${++accountSequence}`;

async function postOk(engine: EngineUnderTest, messages: unknown[]): Promise<void> {
  const response = await engine.post("/v1/events", messages);
  expect(response.status).toBe(200);
  const { results } = await bodyOf(response);
  for (const result of results) expect(result.outcome).toBe("applied");
}

export function describeHistoryRules(mode: string, start: () => Promise<EngineUnderTest>) {
  describe(`history in ${mode}`, () => {
    let engine: EngineUnderTest;
    beforeAll(async () => {
      engine = await start();
      expect((await engine.put("/v1/admin/facilities/hist-fac", { limit: "500.00", currency: "USD" })).status).toBe(200);
    }, 120_000);
    afterAll(() => engine.stop());

    test("explain: eod.balance + the days' totals = currentBalance; facilityLimit + currentBalance - holds = availableBalance", async () => {
      const accountId = newAccount("explain");
      const fix = eod({ accountId, facilityId: "hist-fac", balance: "990.10", asOfDate: "2026-11-21", timestamp: "2026-11-22T00:06:00.5Z" });
      await postOk(engine, [
        eod({ accountId, facilityId: "hist-fac", balance: "1000.00", asOfDate: "2026-11-21" }), fix,
        txn({ accountId, amount: "100.25", bookingDate: "2026-11-22" }),
        txn({ accountId, amount: "-40.00", bookingDate: "2026-11-23" }),
        txn({ accountId, amount: "7.00", bookingDate: "2026-11-22", eventType: "TRANSACTION_REMOVED" }),
      ]);
      const body = await bodyOf(await engine.get(`/v1/accounts/${accountId}/balance?explain=true`));
      const { explain } = body;
      expect(explain.eod).toEqual({ balance: "990.10", date: "2026-11-21", messageId: fix.messageId, timestamp: "2026-11-22T00:06:00.5Z" });
      expect(explain.days).toEqual([{ bookingDate: "2026-11-22", total: "93.25" }, { bookingDate: "2026-11-23", total: "-40.00" }]);
      expect(explain.holds).toEqual([]);
      const daysMinor = explain.days.reduce((sum: number, day: { total: string }) => sum + minor(day.total), 0);
      expect(minor(explain.eod.balance) + daysMinor).toBe(minor(body.currentBalance));
      const holdsMinor = explain.holds.reduce((sum: number, hold: { amount: string }) => sum + minor(hold.amount), 0);
      expect(minor(body.facilityLimit) + minor(body.currentBalance) - holdsMinor).toBe(minor(body.availableBalance));
      const { explain: _, ...plain } = body;
      expect(plain).toEqual(await bodyOf(await engine.get(`/v1/accounts/${accountId}/balance`)));
    });

    test("paging through an account's transactions while new ones arrive returns each applied item exactly once", async () => {
      const accountId = newAccount("paging");
      await postOk(engine, [eod({ accountId, facilityId: "hist-fac" })]);
      const first = Array.from({ length: 45 }, (_, i) => txn({ accountId, amount: `${i + 1}.00` }));
      for (const message of first) await postOk(engine, [message]);
      const url = (cursor?: string) => `/v1/accounts/${accountId}/transactions?limit=7${cursor === undefined ? "" : `&cursor=${cursor}`}`;
      let page = await eventually(async () => bodyOf(await engine.get(url())), (b) => b.items?.[0]?.messageId === first.at(-1)!.messageId, "the newest item");
      const seen: string[] = [];
      let arrived = 0;
      for (;;) {
        seen.push(...page.items.map((item: { messageId: string }) => item.messageId));
        // New items arrive between the pages (and are logged before the next page is read).
        await postOk(engine, [txn({ accountId, amount: "0.01" }), txn({ accountId, amount: "0.02" })]);
        arrived += 2;
        await Bun.sleep(60);
        if (page.nextCursor === null) break;
        page = await bodyOf(await engine.get(url(page.nextCursor)));
      }
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen).toEqual(first.map((m) => m.messageId as string).reverse());
      const all = await eventually(async () => bodyOf(await engine.get(`/v1/accounts/${accountId}/transactions?limit=1000`)),
        (b) => b.items.length === 45 + arrived, "every item");
      expect(all.items[all.items.length - 1]).toMatchObject({ messageId: first[0]!.messageId, amount: "1.00", eventType: "TRANSACTION_CREATED" });
    });

    test("asOf at the instant of each of a sequence of updates returns exactly the figures pushed then (same version)", async () => {
      const accountId = newAccount("asof");
      const pushed: any[] = [];
      const bodies = async () => pushed.push(await bodyOf(await engine.get(`/v1/accounts/${accountId}/balance`)));
      await postOk(engine, [txn({ accountId, amount: "5.00", bookingDate: "2026-11-22" })]); // before the first EOD
      await Bun.sleep(3);
      const beforeEod = new Date().toISOString();
      await Bun.sleep(3);
      for (const message of [
        eod({ accountId, facilityId: "hist-fac", balance: "100.00" }),
        txn({ accountId, amount: "10.00" }), txn({ accountId, amount: "-2.50", bookingDate: "2026-11-23" }),
        eod({ accountId, facilityId: "hist-fac", balance: "101.00", timestamp: "2026-11-22T00:09:00Z" }),
      ]) {
        await postOk(engine, [message]);
        await bodies();
        await Bun.sleep(3);
      }
      // A facility change is an update too (pushed, with a version of its own).
      expect((await engine.put("/v1/admin/facilities/hist-fac-2", { limit: "0", currency: "USD" })).status).toBe(200);
      await postOk(engine, [eod({ accountId, facilityId: "hist-fac-2", balance: "101.00", timestamp: "2026-11-22T00:10:00Z" })]);
      await bodies();
      await Bun.sleep(3);
      expect((await engine.put("/v1/admin/facilities/hist-fac-2", { limit: "70.00", currency: "USD" })).status).toBe(200);
      await bodies();
      expect(pushed.map((b) => b.version)).toEqual([2, 3, 4, 5, 6, 7]);
      const asOf = (instant: string) => engine.get(`/v1/accounts/${accountId}/balance?asOf=${encodeURIComponent(instant)}`);
      await eventually(async () => (await asOf(new Date().toISOString())).json(), (b: any) => b.version === 7, "the last update in the log");
      for (const body of pushed) expect(await bodyOf(await asOf(body.updatedAt))).toEqual(body);
      const notYet = await asOf(beforeEod);
      expect(notYet.status).toBe(404);
      expect((await bodyOf(notYet)).error.code).toBe("account_not_found");
    });

    test("a statement's opening + items = closing, and a difference with the core EOD is shown", async () => {
      const accountId = newAccount("statement");
      await postOk(engine, [
        eod({ accountId, facilityId: "hist-fac", balance: "1000.00", asOfDate: "2026-11-20", timestamp: "2026-11-21T00:05:00Z" }),
        txn({ accountId, amount: "20.00", bookingDate: "2026-11-21" }), // between the EOD and the day: in the opening
        txn({ accountId, amount: "100.00", bookingDate: "2026-11-22" }),
        txn({ accountId, amount: "-30.55", bookingDate: "2026-11-22" }),
        txn({ accountId, amount: "4.00", bookingDate: "2026-11-22", eventType: "TRANSACTION_REMOVED" }),
        txn({ accountId, amount: "9.00", bookingDate: "2026-11-23" }), // after the day: not in it
      ]);
      const url = `/v1/accounts/${accountId}/statement?date=2026-11-22`;
      const open = await eventually(async () => bodyOf(await engine.get(url)), (b) => b.items?.length === 3, "the day's items");
      expect(open).toMatchObject({ accountId, currency: "USD", date: "2026-11-22", openingBalance: "1020.00", closingBalance: "1085.45", coreEod: null });
      const itemsMinor = open.items.reduce((sum: number, item: any) => sum + (item.eventType === "TRANSACTION_REMOVED" ? -1 : 1) * minor(item.amount), 0);
      expect(minor(open.openingBalance) + itemsMinor).toBe(minor(open.closingBalance));

      await postOk(engine, [eod({ accountId, facilityId: "hist-fac", balance: "1080.00", asOfDate: "2026-11-22", timestamp: "2026-11-23T00:05:00Z" })]);
      const closed = await eventually(async () => bodyOf(await engine.get(url)), (b) => b.coreEod !== null, "the core EOD");
      expect(closed.closingBalance).toBe("1085.45");
      expect(closed.coreEod).toEqual({ balance: "1080.00", difference: "-5.45" });

      const csv = await engine.get(url, { accept: "text/csv" });
      expect(csv.headers.get("content-type")).toStartWith("text/csv");
      const lines = (await csv.text()).trimEnd().split("\r\n").map((line) => line.split(","));
      expect(lines.map((line) => line[3])).toEqual(["line", "opening", "item", "item", "item", "closing", "core_eod"]);
      expect(lines.map((line) => line[8])).toEqual(["balance", "1020.00", "1120.00", "1089.45", "1085.45", "1085.45", "1080.00"]);
      expect(lines.at(-1)![7]).toBe("-5.45");
    });

    test("history parameters that are wrong are 400s naming the field", async () => {
      const cases: [string, string][] = [
        ["/v1/accounts/x/balance?asOf=yesterday", "query.asOf"],
        ["/v1/accounts/x/balance?asOf=2999-01-01T00:00:00Z", "query.asOf"],
        ["/v1/accounts/x/balance?asOf=2026-11-22T00:00:00Z&explain=true", "query.explain"],
        ["/v1/accounts/x/transactions?cursor=bm9wZQ", "query.cursor"],
        ["/v1/accounts/x/transactions?limit=1001", "query.limit"],
        ["/v1/accounts/x/transactions?from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z", "query.from"],
        ["/v1/accounts/x/statement?date=2026-02-30", "query.date"],
        ["/v1/accounts/x/statement", "query.date"],
      ];
      for (const [path, field] of cases) {
        const response = await engine.get(path);
        expect({ path, status: response.status }).toEqual({ path, status: 400 });
        expect((await bodyOf(response)).error).toMatchObject({ code: "invalid_request", field });
      }
      expect((await engine.get("/v1/accounts/nobody/statement?date=2026-11-22")).status).toBe(404);
      expect(await bodyOf(await engine.get("/v1/accounts/nobody/transactions"))).toEqual({ items: [], nextCursor: null });
    });
  });
}
