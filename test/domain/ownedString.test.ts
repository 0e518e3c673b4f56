import { expect, test } from "bun:test";
import fc from "fast-check";
import { assertProperty } from "../support/seed.ts";
import { ownedString } from "../../src/domain/ownedString.ts";

test("an owned copy of an id is the same id, for any string (a dedupe key must not change)", () => {
  assertProperty(
    fc.property(fc.string({ unit: "binary", maxLength: 200 }), (id) => {
      const owned = ownedString(id);
      expect(owned).toBe(id);
      expect(new Map([[owned, 1]]).get(id)).toBe(1);
    }),
    { numRuns: 2000 },
  );
  expect(ownedString("")).toBe("");
  expect(ownedString("\ud800")).toBe("\ud800"); // a lone surrogate survives
});
