/** The in-memory DLQ is bounded by count and by bytes, newest first, and counts what it pushes out. */
import { expect, test } from "bun:test";
import type { DeadLetter } from "../../src/runtime/deadLetter.ts";
import { DeadLetterRing } from "../../src/runtime/deadLetterRing.ts";

const letter = (messageId: string, payload = "{}"): DeadLetter =>
  ({ messageId, reason: "invalid_json", source: { kind: "http" }, at: "2026-11-23T00:00:00.000Z", payload });

test("keeps at most `capacity` letters, newest first, and counts each one pushed out", () => {
  let evicted = 0;
  const ring = new DeadLetterRing(3, 1_000_000, () => evicted++);
  for (const id of ["a", "b", "c", "d", "e"]) ring.push(letter(id));
  expect(ring.newest(10).map((l) => l.messageId)).toEqual(["e", "d", "c"]);
  expect(ring.newest(2).map((l) => l.messageId)).toEqual(["e", "d"]);
  expect(evicted).toBe(2);
});

test("keeps its payloads within `bytesMax`, pushing out the oldest first", () => {
  let evicted = 0;
  const ring = new DeadLetterRing(100, 25, () => evicted++);
  ring.push(letter("a", "x".repeat(10)));
  ring.push(letter("b", "x".repeat(10)));
  ring.push(letter("c", "x".repeat(10)));
  expect(ring.newest(10).map((l) => l.messageId)).toEqual(["c", "b"]);
  expect(evicted).toBe(1);
});

test("a letter larger than the whole budget is still kept, alone, so that the newest is never lost", () => {
  const ring = new DeadLetterRing(100, 25);
  ring.push(letter("a", "x"));
  ring.push(letter("huge", "x".repeat(100)));
  expect(ring.newest(10).map((l) => l.messageId)).toEqual(["huge"]);
});
