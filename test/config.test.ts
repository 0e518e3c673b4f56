/** Configuration is validated once at start: a bad value is refused with the variable named. */
import { expect, test } from "bun:test";
import { loadConfig } from "../src/config.ts";

test("an alert threshold beyond what minor units can hold is refused at configuration, naming ALERT_THRESHOLD", () => {
  const result = loadConfig({ ALERT_THRESHOLD: "99999999999999999999.00" });
  expect(result.ok).toBe(false);
  if (!result.ok) expect(result.errors.join("\n")).toContain("ALERT_THRESHOLD");
  expect(loadConfig({ ALERT_THRESHOLD: "10000.00" }).ok).toBe(true);
});

test("a LOG_LEVEL that is not one of the levels is refused with the levels listed", () => {
  const result = loadConfig({ LOG_LEVEL: "verbose" });
  expect(result.ok).toBe(false);
  if (!result.ok) expect(result.errors).toEqual(["LOG_LEVEL: must be one of debug, info, warn, error"]);
});
