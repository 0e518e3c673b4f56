/** The dedupe window: exact, per namespace, bounded by the EOD, and the same after a snapshot. */
import { describe, expect, test } from "bun:test";
import { DedupeWindow, WindowKind, WindowNamespace } from "../../src/domain/account/dedupeWindow.ts";

const DAY = "2026-11-22";

function windowWith(...entries: [WindowKind, string, string][]): DedupeWindow {
  const window = new DedupeWindow();
  for (const [kind, id, date] of entries) window.add(kind, id, date);
  return window;
}

function windowOf(count: number, prefix = "m-"): DedupeWindow {
  const window = new DedupeWindow();
  for (let i = 0; i < count; i++) window.add(WindowKind.transactionMessage, `${prefix}${i}`, DAY);
  return window;
}

describe("the dedupe window", () => {
  test("every id added is found, and no other: detection is exact, not probabilistic", () => {
    const window = windowOf(5000);
    for (let i = 0; i < 5000; i++) expect(window.has(WindowNamespace.message, `m-${i}`)).toBe(true);
    // Same lengths, other characters: a hash may meet them, the comparison of characters refuses them.
    for (let i = 0; i < 5000; i++) expect(window.has(WindowNamespace.message, `n-${i}`)).toBe(false);
    expect(window.has(WindowNamespace.message, "m-")).toBe(false);
    expect(window.has(WindowNamespace.message, "m-50000")).toBe(false);
    expect(window.size).toBe(5000);
  });

  test("message ids and the transaction ids of each event type are separate namespaces", () => {
    const window = new DedupeWindow();
    window.add(WindowKind.created, "x", DAY);
    expect(window.has(WindowNamespace.created, "x")).toBe(true);
    expect(window.has(WindowNamespace.removed, "x")).toBe(false);
    expect(window.has(WindowNamespace.message, "x")).toBe(false);
    window.add(WindowKind.eodMessage, "e", "2026-11-21");
    expect(window.has(WindowNamespace.message, "e")).toBe(true);
  });

  test("any well-formed id is kept as it is: non-ASCII, astral, a leading U+FEFF, 128 characters", () => {
    const ids = ["é-ü", "💶-1", "\uFEFFbom", "x".repeat(128)];
    const window = new DedupeWindow();
    for (const id of ids) window.add(WindowKind.transactionMessage, id, DAY);
    expect(window.list().map((entry) => entry.id)).toEqual(ids);
    const [text, words, dates] = window.toParts();
    expect((DedupeWindow.fromParts(text, words, dates) as DedupeWindow).list()).toEqual(window.list());
    expect(window.has(WindowNamespace.message, "bom")).toBe(false);
  });

  test("an EOD forgets the transaction ids of the days it closes and the EOD ids of earlier days", () => {
    const window = windowWith(
      [WindowKind.eodMessage, "e-21", "2026-11-21"], [WindowKind.transactionMessage, "m-22", "2026-11-22"],
      [WindowKind.created, "t-22", "2026-11-22"], [WindowKind.removed, "t-23", "2026-11-23"], [WindowKind.eodMessage, "e-22", "2026-11-22"],
    );
    window.forgetClosedDays("2026-11-22");
    expect(window.list()).toEqual([
      { kind: WindowKind.removed, id: "t-23", date: "2026-11-23" },
      { kind: WindowKind.eodMessage, id: "e-22", date: "2026-11-22" },
    ]);
    expect(window.has(WindowNamespace.message, "m-22")).toBe(false);
    expect(window.has(WindowNamespace.removed, "t-23")).toBe(true);
  });

  test("the applied EOD's id is the last EOD id of its date", () => {
    const window = windowWith(
      [WindowKind.eodMessage, "e-1", "2026-11-21"], [WindowKind.transactionMessage, "m-1", "2026-11-21"], [WindowKind.eodMessage, "e-fix", "2026-11-21"],
    );
    expect(window.lastEodMessageIdOf("2026-11-21")).toBe("e-fix");
    expect(window.lastEodMessageIdOf("2026-11-20")).toBeNull();
  });

  test("a window rebuilt from its parts equals the original, also after an EOD shrank it", () => {
    const window = windowOf(300);
    window.add(WindowKind.created, "t-late", "2026-11-23");
    const shrunk = windowOf(300);
    shrunk.add(WindowKind.created, "t-late", "2026-11-23");
    shrunk.forgetClosedDays(DAY);
    for (const original of [window, shrunk]) {
      const rebuilt = DedupeWindow.fromParts(...original.toParts());
      expect(rebuilt).toEqual(original);
    }
    expect(shrunk).toEqual((() => {
      const fresh = new DedupeWindow();
      fresh.add(WindowKind.created, "t-late", "2026-11-23");
      return fresh;
    })());
  });

  test("parts that are not a window are refused with the reason", () => {
    const [text, words, dates] = windowOf(3).toParts();
    expect(DedupeWindow.fromParts(text.slice(1), words, dates)).toMatch(/out of its parts|longer/);
    expect(DedupeWindow.fromParts(`${text}x`, words, dates)).toMatch(/longer/);
    expect(DedupeWindow.fromParts(text, [...words, words[0]], dates)).toMatch(/out of its parts|twice/);
    expect(DedupeWindow.fromParts(text, words, [])).toMatch(/out of its parts/);
    expect(DedupeWindow.fromParts(text, [1.5], dates)).toMatch(/32-bit/);
    expect(DedupeWindow.fromParts(1, words, dates)).toMatch(/not \[string/);
  });

  test("an id longer than an entry can hold is refused, never cut", () => {
    expect(() => new DedupeWindow().add(WindowKind.transactionMessage, "x".repeat(256), DAY)).toThrow(RangeError);
  });
});

describe("the dedupe window's JSON for snapshots", () => {
  /** The parts' JSON as the snapshot codec writes it: `"ids",[words],dates`. */
  const partsText = (parts: { ids: string; words: string; dates: string }) => `"${parts.ids}",[${parts.words}],${parts.dates}`;
  const IDS = ['quote"d', "back\\slash", "tab\t", "é", "💶", "\u2028", "plain"];

  test("is the JSON of its parts, also when kept from one snapshot to the next and after an EOD shrank it", () => {
    const window = new DedupeWindow();
    for (const [i, id] of IDS.entries()) {
      window.add(i % 2 === 0 ? WindowKind.transactionMessage : WindowKind.created, id, i < 4 ? DAY : "2026-11-23");
      expect(JSON.parse(`[${partsText(window.partsJson())}]`)).toEqual(window.toParts());
    }
    window.forgetClosedDays(DAY);
    expect(JSON.parse(`[${partsText(window.partsJson())}]`)).toEqual(window.toParts());
    expect(partsText(new DedupeWindow().partsJson())).toBe('"",[],[]');
  });

  test("what was added since a mark, appended to the parts at the mark, is the parts now", () => {
    const window = new DedupeWindow();
    for (const [i, id] of IDS.entries()) {
      const before = window.partsJson();
      const mark = window.mark();
      window.add(i % 2 === 0 ? WindowKind.transactionMessage : WindowKind.removed, id, i < 3 ? DAY : "2026-11-23");
      const added = window.partsSince(mark)!;
      expect(partsText({ ids: before.ids + added.ids, words: before.words + added.words, dates: added.dates })).toBe(partsText(window.partsJson()));
    }
  });

  test("after an EOD started the window again, nothing can be appended to a mark taken before it", () => {
    const window = new DedupeWindow();
    for (const id of IDS) window.add(WindowKind.transactionMessage, id, DAY);
    const mark = window.mark();
    window.forgetClosedDays(DAY);
    expect(window.partsSince(mark)).toBeNull();
    expect(window.partsSince(window.mark())).toEqual({ ids: "", words: "", dates: "[]" });
  });
});
