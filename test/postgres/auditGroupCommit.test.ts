/**
 * audit.events by group commit: rows recorded at once share INSERTs, yet each `record` resolves
 * only once its own row is stored, and the rows keep the order they were recorded in.
 */
import { afterAll, expect, test } from "bun:test";
import { SqlAuditLog } from "../../src/adapters/postgres/auditLog.ts";
import { openEmbeddedStore } from "../../src/adapters/postgres/embeddedStore.ts";

const store = await openEmbeddedStore("");
afterAll(() => store.close());

test("500 concurrent audit rows: each record resolves with its row stored, in the order recorded, in fewer statements than rows", async () => {
  const audit = new SqlAuditLog(store);
  let statements = 0;
  const counting = { ...store, query: (sql: string, params?: unknown[]) => {
    if (sql.includes("INSERT INTO audit.events")) statements += 1;
    return store.query(sql, params);
  } } as typeof store;
  const grouped = new SqlAuditLog(counting);
  const stored = Array.from({ length: 500 }, (_, i) => grouped.record({ atMs: 1_796_000_000_000 + i, actor: "key:t", action: "transfer.decide", target: `t-${i}`, status: 201, detail: { i } }));
  await Promise.all(stored);
  const { rows } = await store.query<{ target: string; detail: { i: number } }>("SELECT target, detail FROM audit.events ORDER BY event_id");
  expect(rows.map((row) => row.target)).toEqual(Array.from({ length: 500 }, (_, i) => `t-${i}`));
  expect(rows[499]!.detail).toEqual({ i: 499 });
  expect(statements).toBeGreaterThan(0);
  expect(statements).toBeLessThan(500);
  const page = await audit.page({ limit: 1 });
  expect(page.items[0]!.target).toBe("t-499");
});
