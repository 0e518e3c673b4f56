/**
 * The operator dashboard (issue 15) in a real browser: Debian's Chromium driven by playwright-core
 * against real engine processes. One engine is open (auth off) and runs the simulator, as
 * `bun start --simulate` does; one requires JWTs, for who-did-what and for refusals. The engine's
 * own typed client (Eden Treaty over its app type) posts the tests' events and transfers. Each
 * view's screenshot goes to docs/screenshots/ (the README shows them).
 */
import { treaty } from "@elysiajs/eden";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import type { App } from "../../src/http/app.ts";
import { signHs256, TEST_AUDIENCE, TEST_ISSUER, TEST_JWT_SECRET } from "../support/auth.ts";
import { checkedPage, launchChromium, minorOf } from "../support/browser.ts";
import { eod, txn } from "../support/engineUnderTest.ts";
import { spawnEngine, type EngineProcess } from "../support/engineProcess.ts";
import { eventually } from "../support/services.ts";

const SCREENSHOTS = new URL("../../docs/screenshots/", import.meta.url).pathname;
const VIEWS = ["live", "fraud", "account", "reconciliation", "dlq", "audit", "health"] as const;
const OPERATOR_SCOPES = "ops:read admin balances:read events:write transfers:write transfers:confirm";

const directory = mkdtempSync(join(tmpdir(), "dashboard-test-"));
let browser: Browser;
let open: EngineProcess;
let guarded: EngineProcess;
let operatorToken: string;

const today = () => new Date().toISOString().slice(0, 10);
const yesterday = () => new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The typed client of an engine, with the operator's token when it needs one. */
const clientOf = (engine: EngineProcess, token?: string) =>
  treaty<App>(engine.base, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` }, parseDate: false });

beforeAll(async () => {
  const common = { EVENT_LOG_FLUSH_MS: "50", RECONCILE_INTERVAL_MS: "1000", SYNC_MIN_INTERVAL_MS: "100", SYNC_MAX_DELAY_MS: "200", ALERT_THRESHOLD: "10000.00" };
  [browser, open, guarded] = await Promise.all([
    launchChromium(),
    spawnEngine({ ...common, PGLITE_DIR: join(directory, "open"), SIMULATE: "1", SIMULATE_ACCOUNTS: "100", SIMULATE_RATE: "50" }, join(directory, "open.log")),
    spawnEngine({ ...common, PGLITE_DIR: join(directory, "guarded"), JWT_SECRET: TEST_JWT_SECRET, JWT_ISSUER: TEST_ISSUER, JWT_AUDIENCE: TEST_AUDIENCE }, join(directory, "guarded.log")),
  ]);
  operatorToken = await signHs256({ sub: "alice", scope: OPERATOR_SCOPES, accounts: "*" });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await Promise.all([open?.terminate(), guarded?.terminate()]);
  rmSync(directory, { recursive: true, force: true });
});

/** The transfer a 201 answered (the typed answer also holds the 403's shape). */
function decided(answer: { data: unknown }): { transferId: string; status: string } {
  const body = answer.data as { transferId?: string; status?: string } | null;
  if (body?.transferId === undefined || body.status === undefined) throw new Error(`no transfer in ${JSON.stringify(answer.data)}`);
  return { transferId: body.transferId, status: body.status };
}

async function post(engine: EngineProcess, events: unknown, token?: string): Promise<void> {
  const { error } = await clientOf(engine, token).v1.events.post(events as never);
  expect(error).toBeNull();
}

/**
 * A PENDING_2FA transfer from `prefix`-1, whose EOD is 1000.00 with a facility of 0 (and `extra`
 * transactions): five small transfers build a history, then 900.00 to a new payee, most of what
 * is available, scores above 0.60. Its hold stays until it is confirmed or cancelled.
 */
async function pendingTransfer(engine: EngineProcess, prefix: string, token?: string, extra: unknown[] = []): Promise<string> {
  const api = clientOf(engine, token);
  const [from, payee, stranger] = [`${prefix}-1`, `${prefix}-PAYEE`, `${prefix}-STRANGER`];
  for (const id of [from, payee, stranger]) {
    await api.v1.admin.facilities({ facilityId: `fac-${id}` }).put({ limit: "0", currency: "USD" });
    await post(engine, eod({ accountId: id, facilityId: `fac-${id}`, balance: "1000.00", asOfDate: yesterday() }), token);
  }
  if (extra.length > 0) await post(engine, extra, token);
  for (let i = 0; i < 5; i++) {
    await api.v1.transfers.post({ fromAccountId: from, toAccountId: payee, amount: "1.00", currency: "USD" }, { headers: { "idempotency-key": `${prefix}-small-${i}` } });
  }
  const risky = await api.v1.transfers.post({ fromAccountId: from, toAccountId: stranger, amount: "900.00", currency: "USD" }, { headers: { "idempotency-key": `${prefix}-risky` } });
  expect(decided(risky).status).toBe("PENDING_2FA");
  return decided(risky).transferId;
}

async function showAccount(page: Page, accountId: string): Promise<void> {
  await page.fill("#account-id", accountId);
  await page.click("form[role=search] button[type=submit]");
  await page.waitForSelector('tr[data-figure="current"]');
}

describe("the dashboard", () => {
  test("every view loads with no console error (and its screenshot is saved)", async () => {
    const { page, errors } = await checkedPage(browser);
    await page.goto(`${open.base}/dashboard#live`);
    // The simulator gives the fraud view its work: a transfer held for 2FA, and a high-value alert.
    await eventually(async () => {
      const decisions = await clientOf(open).v1.admin.audit.get({ query: { action: "transfer.decide", limit: 1000 } });
      return decisions.data?.items.some((row) => row.detail.decision === "REQUIRE_2FA") === true;
    }, 120_000, "a simulated transfer held for 2FA");
    await eventually(async () => /alerts_total \d*[1-9]/.test(String((await clientOf(open).metrics.get()).data)), 120_000, "a simulated high-value alert");
    // Through the page's own links, so that it stays one document and keeps what its feed received.
    for (const view of VIEWS) {
      await page.click(`nav a[href="#${view}"]`);
      await page.waitForSelector(`main[data-view="${view}"]`);
      if (view === "account") await showAccount(page, "ACC-100003");
      // Let the charts gather a few samples and the simulator's traffic arrive.
      await sleep(view === "live" ? 7000 : 2500);
      await page.screenshot({ path: `${SCREENSHOTS}${view}.png`, fullPage: view !== "live" });
    }
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${open.base}/dashboard#live`);
    await sleep(3000);
    await page.screenshot({ path: `${SCREENSHOTS}live-narrow.png` });
    expect(errors).toEqual([]);
    await page.close();
  });

  test("an event posted to the engine appears in the live monitor within 1 s", async () => {
    const { page, errors } = await checkedPage(browser);
    await page.goto(`${open.base}/dashboard#live`);
    await page.waitForSelector("text=WebSocket connected");
    await post(open, eod({ accountId: "LIVE-1", facilityId: "none", balance: "500.00", asOfDate: yesterday() }));
    await page.waitForSelector('tr[data-kind="balance"]:has-text("LIVE-1")');
    const sentAt = Date.now();
    await post(open, txn({ accountId: "LIVE-1", amount: "1234.56", bookingDate: today(), timestamp: new Date().toISOString() }));
    await page.waitForSelector('tr[data-kind="balance"]:has-text("LIVE-1"):has-text("current 1734.56 USD")', { timeout: 1000 });
    expect(Date.now() - sentAt).toBeLessThan(1000);
    expect(errors).toEqual([]);
    await page.close();
  });

  test("the account view's explanation parts add up to the figures shown", async () => {
    // Two intraday days, and holds: the 2FA one stays; the small ones' until the ledger posts them.
    await pendingTransfer(open, "EXPLAIN", undefined, [
      txn({ accountId: "EXPLAIN-1", amount: "-40.25", bookingDate: today() }),
      txn({ accountId: "EXPLAIN-1", amount: "15.10", bookingDate: new Date(Date.now() + 86_400_000).toISOString().slice(0, 10) }),
    ]);
    const { page, errors } = await checkedPage(browser);
    await page.goto(`${open.base}/dashboard#account`);
    await showAccount(page, "EXPLAIN-1");
    await page.waitForSelector('tr[data-part="hold"]');
    // One reading of the table: every figure from the same answer of the engine.
    const table = await page.locator("table.explain").evaluate((element) => Object.fromEntries(
      ["eod", "day", "facility", "hold"].map((part) => [part, [...element.querySelectorAll(`tr[data-part="${part}"] td`)].map((cell) => cell.getAttribute("data-amount")!)])
        .concat(["current", "available"].map((figure) => [figure, [element.querySelector(`tr[data-figure="${figure}"] td`)!.getAttribute("data-amount")!]]))));
    const minor = (part: string) => (table[part] as string[]).map(minorOf);
    const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
    expect(minor("day").length).toBe(2);
    expect(minor("hold")).toContain(90_000);
    expect(sum([...minor("eod"), ...minor("day")])).toBe(minor("current")[0]!);
    expect(minor("facility")[0]! + minor("current")[0]! - sum(minor("hold"))).toBe(minor("available")[0]!);
    await page.screenshot({ path: `${SCREENSHOTS}account.png`, fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  test("moving the time slider shows an earlier balance", async () => {
    // The slider moves by whole seconds: the EOD comes more than two seconds before the first transaction.
    await post(open, eod({ accountId: "SLIDER-1", facilityId: "none", balance: "1000.00", asOfDate: yesterday() }));
    await sleep(3000);
    await post(open, txn({ accountId: "SLIDER-1", amount: "100.00", bookingDate: today() }));
    await sleep(1500);
    await post(open, txn({ accountId: "SLIDER-1", amount: "200.00", bookingDate: today() }));
    const { page, errors } = await checkedPage(browser);
    await page.goto(`${open.base}/dashboard#account`);
    await showAccount(page, "SLIDER-1");
    await eventually(async () => (await page.locator("section[aria-labelledby=transactions-title] tbody tr").count()) === 2, 10_000, "both transactions listed");
    expect(await page.getAttribute('tr[data-figure="current"] td', "data-amount")).toBe("1300.00");
    // Home: a second before the oldest transaction listed, when the account had only its EOD.
    await page.focus("#asof");
    await page.keyboard.press("Home");
    await page.waitForSelector("#asof-figures", { timeout: 10_000 });
    expect(await page.getAttribute("#asof-figures", "data-amount")).toBe("1000.00");
    await page.screenshot({ path: `${SCREENSHOTS}account-as-of.png`, fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  test("the statement of a day shows its closing balance, and downloads as the engine's CSV", async () => {
    await post(open, [
      eod({ accountId: "STATEMENT-1", facilityId: "none", balance: "250.00", asOfDate: yesterday() }),
      txn({ accountId: "STATEMENT-1", amount: "-20.50", bookingDate: today() }),
    ]);
    const { page, errors } = await checkedPage(browser);
    await page.goto(`${open.base}/dashboard#account`);
    await showAccount(page, "STATEMENT-1");
    const statement = page.locator("section[aria-labelledby=statement-title]");
    await statement.locator("tr.total").filter({ hasText: "229.50" }).waitFor({ timeout: 10_000 });
    const [download] = await Promise.all([page.waitForEvent("download"), statement.getByRole("button", { name: "Download CSV" }).click()]);
    expect(download.suggestedFilename()).toBe(`statement-STATEMENT-1-${today()}.csv`);
    const csv = await Bun.file((await download.path())!).text();
    const expected = await fetch(`${open.base}/v1/accounts/STATEMENT-1/statement?date=${today()}`, { headers: { accept: "text/csv" } });
    expect(csv).toBe(await expected.text());
    expect(csv.split("\n")[0]).toStartWith("accountId,currency,date,line");
    expect(errors).toEqual([]);
    await page.close();
  });

  test("a DLQ filter shows only that reason", async () => {
    await post(open, [
      txn({ accountId: "DLQ-1", amount: 12.5 }),
      txn({ accountId: "DLQ-1", currency: "XXX" }),
      txn({ accountId: "DLQ-1", eventType: "TRANSACTION_TELEPORTED" }),
    ]);
    const { page, errors } = await checkedPage(browser);
    await page.goto(`${open.base}/dashboard#dlq`);
    await page.waitForSelector("li[data-reason]");
    const reasons = () => page.locator("li[data-reason]").evaluateAll((items) => items.map((item) => item.getAttribute("data-reason")));
    expect(new Set(await reasons()).size).toBeGreaterThan(1);
    await page.selectOption("#dlq-reason", "unknown_currency");
    // Between the old page and the filtered one the list is empty for a moment: wait for letters, all of that reason.
    await eventually(async () => {
      const now = await reasons();
      return now.length > 0 && now.every((reason) => reason === "unknown_currency");
    }, 5000, "only unknown_currency letters");
    const shown = await reasons();
    expect(shown.length).toBeGreaterThan(0);
    expect(new Set(shown)).toEqual(new Set(["unknown_currency"]));
    await page.screenshot({ path: `${SCREENSHOTS}dlq-filtered.png`, fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe("the dashboard with authentication", () => {
  test("a 2FA transfer confirmed in the UI reaches POSTED, and the audit log shows who confirmed it", async () => {
    const transferId = await pendingTransfer(guarded, "RISK", operatorToken);
    const { page, errors } = await checkedPage(browser);
    const answer = await page.goto(`${guarded.base}/dashboard?access_token=${operatorToken}#fraud`);
    expect(answer?.status()).toBe(200);
    // The token leaves the address bar once the page holds it.
    expect(page.url()).not.toContain("access_token");
    const card = page.locator(`li[data-transfer-id="${transferId}"]`);
    await card.locator(".factors li").first().waitFor();
    await page.screenshot({ path: `${SCREENSHOTS}fraud-pending.png`, fullPage: true });
    await card.getByRole("button", { name: /Confirm/ }).click();
    // Confirmed, it is APPROVED; the ledger (in process in embedded mode) posts it, and its debit leg makes it POSTED.
    await card.locator('.status[data-status="POSTED"]').waitFor({ timeout: 15_000 });
    const now = await clientOf(guarded, operatorToken).v1.transfers({ transferId }).get();
    expect(now.data?.status).toBe("POSTED");
    await page.goto(`${guarded.base}/dashboard#audit`);
    await page.fill("#audit-action", "transfer.confirm");
    await page.click("form.row button[type=submit]");
    const row = page.locator(`tr[data-action="transfer.confirm"]:has(td.target:text-is("${transferId}"))`);
    await row.waitFor();
    expect(await row.locator("td.actor").textContent()).toBe("jwt:alice");
    await page.screenshot({ path: `${SCREENSHOTS}audit.png`, fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  test("a user without ops:read is refused the dashboard", async () => {
    const reader = await signHs256({ sub: "bob", scope: "balances:read admin", accounts: "*" });
    const page = await browser.newPage();
    const refused = await page.goto(`${guarded.base}/dashboard?access_token=${reader}`);
    expect(refused?.status()).toBe(403);
    expect(JSON.parse(await page.locator("body").innerText()).error.code).toBe("forbidden");
    const anonymous = await page.goto(`${guarded.base}/dashboard`);
    expect(anonymous?.status()).toBe(401);
    await page.close();
  });
});
