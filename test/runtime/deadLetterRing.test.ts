/** The in-memory DLQ is bounded by count and by bytes, newest first, paged, and counts what it pushes out. */
import { expect, test } from "bun:test";
import type { DeadLetterReason } from "../../src/domain/reasons.ts";
import type { DeadLetter } from "../../src/runtime/deadLetter.ts";
import { DeadLetterRing } from "../../src/runtime/deadLetterRing.ts";
import type { DeadLetterPageQuery } from "../../src/runtime/ports.ts";

const letter = (messageId: string, payload = "{}", reason: DeadLetterReason = "invalid_json"): DeadLetter =>
  ({ messageId, reason, source: { kind: "http" }, at: "2026-11-23T00:00:00.000Z", payload });

const WIDE: DeadLetterPageQuery = { limit: 1000, payloadBytesMax: 1_000_000, letterPayloadBytesMax: 100_000 };
const ids = (ring: DeadLetterRing, query: Partial<DeadLetterPageQuery> = {}) => ring.page({ ...WIDE, ...query }).items.map((l) => l.messageId);

test("keeps at most `capacity` letters, newest first, and counts each one pushed out", () => {
  let evicted = 0;
  const ring = new DeadLetterRing(3, 1_000_000, () => evicted++);
  for (const id of ["a", "b", "c", "d", "e"]) ring.push(letter(id));
  expect(ids(ring)).toEqual(["e", "d", "c"]);
  expect(ids(ring, { limit: 2 })).toEqual(["e", "d"]);
  expect(evicted).toBe(2);
});

test("keeps its payloads within `bytesMax`, pushing out the oldest first", () => {
  let evicted = 0;
  const ring = new DeadLetterRing(100, 25, () => evicted++);
  ring.push(letter("a", "x".repeat(10)));
  ring.push(letter("b", "x".repeat(10)));
  ring.push(letter("c", "x".repeat(10)));
  expect(ids(ring)).toEqual(["c", "b"]);
  expect(evicted).toBe(1);
});

test("a letter larger than the whole budget is still kept, alone, so that the newest is never lost", () => {
  const ring = new DeadLetterRing(100, 25);
  ring.push(letter("a", "x"));
  ring.push(letter("huge", "x".repeat(100)));
  expect(ids(ring)).toEqual(["huge"]);
});

test("the cursor pages through every letter once, newest first, while new letters arrive and old ones go", () => {
  const ring = new DeadLetterRing(50, 1_000_000);
  for (let i = 0; i < 30; i++) ring.push(letter(`m${i}`));
  const first = ring.page({ ...WIDE, limit: 10 });
  expect(first.items.map((l) => l.messageId)).toEqual(Array.from({ length: 10 }, (_, i) => `m${29 - i}`));
  for (let i = 30; i < 60; i++) ring.push(letter(`m${i}`)); // m0..m9 are evicted meanwhile
  const second = ring.page({ ...WIDE, limit: 10, before: Number(first.nextCursor) });
  expect(second.items.map((l) => l.messageId)).toEqual(Array.from({ length: 10 }, (_, i) => `m${19 - i}`));
  const third = ring.page({ ...WIDE, limit: 10, before: Number(second.nextCursor) });
  expect(third.items).toEqual([]);
  expect(second.nextCursor).toBeNull();
});

test("a reason filter keeps only that reason, and the cursor follows it", () => {
  const ring = new DeadLetterRing(100, 1_000_000);
  for (let i = 0; i < 10; i++) ring.push(letter(`m${i}`, "{}", i % 3 === 0 ? "before_eod" : "invalid_json"));
  const page = ring.page({ ...WIDE, limit: 2, reason: "before_eod" });
  expect(page.items.map((l) => l.messageId)).toEqual(["m9", "m6"]);
  expect(ids(ring, { limit: 2, reason: "before_eod", before: Number(page.nextCursor) })).toEqual(["m3", "m0"]);
});

test("a page's payloads stay within payloadBytesMax, and a letter over letterPayloadBytesMax is cut, with its full size", () => {
  const ring = new DeadLetterRing(100, 10_000_000);
  for (let i = 0; i < 10; i++) ring.push(letter(`m${i}`, "é".repeat(1000))); // 2,000 bytes each
  const page = ring.page({ limit: 100, payloadBytesMax: 5000, letterPayloadBytesMax: 1501 });
  expect(page.items.map((l) => [l.payloadTruncated, l.payloadBytes, Buffer.byteLength(l.payload)])).toEqual([[true, 2000, 1500], [true, 2000, 1500], [true, 2000, 1500]]);
  expect(page.nextCursor).toBe(String(page.items[2]!.sequence));
});
