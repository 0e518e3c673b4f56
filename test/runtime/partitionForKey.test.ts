import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { assertProperty } from "../support/seed.ts";
import { murmur2, murmur2OfAscii, partitionForKey } from "../../src/runtime/partitionForKey.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

describe("Kafka's default partitioner", () => {
  // org.apache.kafka.common.utils.UtilsTest#testMurmur2
  test.each([
    ["21", -973932308],
    ["foobar", -790332482],
    ["a-little-bit-long-string", -985981536],
    ["a-little-bit-longer-string", -1486304829],
    ["lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971],
    ["abc", 479470107],
  ])("murmur2(%p) is %p, as in Kafka's own test vectors", (key, hash) => {
    expect(murmur2(bytes(key))).toBe(hash);
  });

  test("the partition is the positive hash modulo the partition count (toPositive(murmur2) % n)", () => {
    expect(partitionForKey("foobar", 12)).toBe((-790332482 & 0x7fffffff) % 12);
    expect(partitionForKey("21", 7)).toBe((-973932308 & 0x7fffffff) % 7);
    expect(partitionForKey("abc", 1000)).toBe(479470107 % 1000);
  });

  test("the key is hashed as UTF-8 bytes", () => {
    expect(partitionForKey("kontö-ü", 64)).toBe((murmur2(bytes("kontö-ü")) & 0x7fffffff) % 64);
    expect(bytes("kontö-ü").length).toBeGreaterThan("kontö-ü".length);
  });

  test("partitionForKey is a whole number within [0, partitionCount) and the same for the same key", () => {
    assertProperty(
      fc.property(fc.string({ unit: "grapheme" }), fc.integer({ min: 1, max: 10_000 }), (key, count) => {
        const partition = partitionForKey(key, count);
        expect(Number.isInteger(partition) && partition >= 0 && partition < count).toBe(true);
        expect(partitionForKey(key, count)).toBe(partition);
      }),
    );
  });

  test("an ASCII key read from the string hashes as its UTF-8 bytes; any other key is not read that way", () => {
    assertProperty(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: "grapheme" }), fc.string({ unit: "binary" })), (key) => {
        const ascii = /^[\x00-\x7f]*$/.test(key);
        expect(murmur2OfAscii(key)).toBe(ascii ? murmur2(bytes(key)) : null);
        expect(partitionForKey(key, 12)).toBe((murmur2(bytes(key)) & 0x7fffffff) % 12);
      }),
    );
  });

  test("murmur2 is a signed 32-bit integer for any bytes", () => {
    assertProperty(
      fc.property(fc.uint8Array({ maxLength: 64 }), (data) => {
        const hash = murmur2(data);
        expect(hash).toBe(hash | 0);
      }),
    );
  });
});
