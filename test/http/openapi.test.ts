/**
 * The OpenAPI document at /openapi/json is valid (Spectral's OpenAPI rules, run here offline) and
 * complete, and the reference UI at /openapi loads only what the engine itself serves. Security
 * schemes are not declared yet: they come with authentication (contract section 8).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { Document, Spectral } from "@stoplight/spectral-core";
import * as Parsers from "@stoplight/spectral-parsers";
import { oas } from "@stoplight/spectral-rulesets";
import packageJson from "../../package.json" with { type: "json" };
import { bodyOf, startEngineUnderTest, type EngineUnderTest } from "../support/engineUnderTest.ts";

let engine: EngineUnderTest;
let document: any;
beforeAll(async () => {
  engine = await startEngineUnderTest();
  document = await bodyOf(await engine.get("/openapi/json"));
});
afterAll(() => engine.stop());

test("the OpenAPI document has no error under Spectral's OpenAPI ruleset", async () => {
  const spectral = new Spectral();
  spectral.setRuleset({ extends: [oas as never] });
  const results = await spectral.run(new Document(JSON.stringify(document, null, 2), Parsers.Json));
  const errors = results.filter((result) => result.severity === 0).map((result) => `${result.code} at ${result.path.join(".")}: ${result.message}`);
  expect(errors).toEqual([]);
});

test("the document declares servers and describes the WebSocket under x-websocket, with no non-standard method", () => {
  expect(document.servers.length).toBeGreaterThan(0);
  expect(document["x-websocket"]).toMatchObject({ path: "/v1/ws" });
  const methods = Object.values(document.paths).flatMap((item) => Object.keys(item as object));
  expect(methods.filter((method) => !["get", "put", "post", "delete", "patch", "head", "options", "trace", "parameters"].includes(method))).toEqual([]);
});

test("POST /v1/events documents its messages, and ?source=db its own answer", () => {
  const body = document.paths["/v1/events"].post.requestBody.content["application/json"].schema;
  expect(JSON.stringify(body)).toContain('"title":"EodBalanceMessage"');
  expect(JSON.stringify(body)).toContain('"title":"TransactionMessage"');
  const balance = document.paths["/v1/accounts/{accountId}/balance"].get.responses["200"].content["application/json"].schema;
  const copy = balance.anyOf.find((variant: any) => variant.properties?.source?.const === "db");
  expect(Object.keys(copy.properties).sort()).toEqual(["accountId", "availableBalance", "currency", "currentBalance", "eodDate", "source", "updatedAt", "version"]);
});

test("the reference UI at /openapi loads its script and stylesheet from this engine, pinned from swagger-ui-dist", async () => {
  const html = await (await engine.get("/openapi")).text();
  const urls = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]!);
  expect(urls.length).toBeGreaterThanOrEqual(2);
  expect(urls.filter((url) => !url.startsWith("/") || url.startsWith("//"))).toEqual([]);
  const dist = dirname(Bun.resolveSync("swagger-ui-dist/package.json", import.meta.dir));
  for (const url of urls) {
    const response = await engine.get(url);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(readFileSync(join(dist, url.split("/").pop()!), "utf8"));
  }
  expect(packageJson.dependencies["swagger-ui-dist"]).toMatch(/^\d+\.\d+\.\d+$/); // an exact version
});
