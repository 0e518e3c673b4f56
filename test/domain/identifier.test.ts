/** What an identifier may contain: decided once, the same rule on the message path and at the HTTP boundary. */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { IDENTIFIER_PATTERN, ID_LENGTH_MAX, isIdentifier } from "../../src/domain/identifier.ts";
import { validateMessage } from "../../src/domain/account/validateMessage.ts";
import { eod, txn } from "./builders.ts";

const pattern = new RegExp(IDENTIFIER_PATTERN);

describe("identifiers", () => {
  test("a NUL anywhere makes an id invalid", () => {
    expect(isIdentifier("f\u0000")).toBe(false);
    expect(isIdentifier("\u0000x")).toBe(false);
  });

  test("a lone UTF-16 surrogate (high or low) makes an id invalid; a surrogate pair is fine", () => {
    expect(isIdentifier("x\ud800")).toBe(false);
    expect(isIdentifier("x\udbff")).toBe(false);
    expect(isIdentifier("\udc00x")).toBe(false);
    expect(isIdentifier("a\ud83d\ude00")).toBe(true);
  });

  test(`an id is 1 to ${ID_LENGTH_MAX} characters`, () => {
    expect(isIdentifier("")).toBe(false);
    expect(isIdentifier("x".repeat(ID_LENGTH_MAX))).toBe(true);
    expect(isIdentifier("x".repeat(ID_LENGTH_MAX + 1))).toBe(false);
  });

  test("the schema pattern (HTTP and WebSocket) and the message-path check agree on every string", () => {
    const anyCodeUnits = fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 1, maxLength: 12 })
      .map((units) => String.fromCharCode(...units));
    fc.assert(fc.property(fc.oneof(anyCodeUnits, fc.string({ unit: "grapheme", minLength: 1 })), (text) => {
      expect(pattern.test(text)).toBe(isIdentifier(text));
    }), { numRuns: 5000 });
  });

  test("each id field of each message with a NUL or a lone surrogate is invalid_schema", () => {
    const fields: [Record<string, unknown>, string][] = [
      [eod(), "messageId"], [eod(), "accountId"], [eod(), "facilityId"],
      [txn(), "messageId"], [txn(), "accountId"], [txn(), "transactionId"],
    ];
    for (const [message, field] of fields) {
      for (const bad of ["f\u0000", "x\ud800", "x\udbff"]) {
        expect(validateMessage({ ...message, [field]: bad })).toMatchObject({ ok: false, reason: "invalid_schema" });
      }
    }
  });

  test("an invalid message echoes its ids only when they are usable ones", () => {
    expect(validateMessage({ ...txn({ messageId: "m\u0000", accountId: "ok" }), amount: 1 })).toEqual({
      ok: false, reason: "invalid_schema", accountId: "ok", type: "TRANSACTION",
      detail: "messageId: must be 1 to 128 characters of well-formed text without NUL",
    });
  });
});
