/**
 * The shape of the house, checked: the layers import only inward, and every function in src/ is
 * short enough to read at once. Read with the TypeScript compiler's parser, so a rule cannot be
 * dodged by formatting.
 */
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";

const ROOT = resolve(import.meta.dir, "..");
const SRC = join(ROOT, "src");
const FUNCTION_LINES_MAX = 70;

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return (entry.name.endsWith(".ts") || entry.name.endsWith(".tsx")) && !entry.name.endsWith(".d.ts") ? [path] : [];
  });
}

function parse(path: string): ts.SourceFile {
  return ts.createSourceFile(path, readFileSync(path, "utf8"), ts.ScriptTarget.ESNext, true);
}

/** The src/-relative paths a file imports (relative imports only; packages are left out); `values`: leave out `import type`. */
function importsOf(file: ts.SourceFile, values = false): string[] {
  const imports: string[] = [];
  for (const statement of file.statements) {
    if (!ts.isImportDeclaration(statement) && !ts.isExportDeclaration(statement)) continue;
    const typeOnly = ts.isImportDeclaration(statement) ? statement.importClause?.isTypeOnly === true : statement.isTypeOnly;
    if (values && typeOnly) continue;
    const specifier = statement.moduleSpecifier;
    if (specifier === undefined || !ts.isStringLiteral(specifier) || !specifier.text.startsWith(".")) continue;
    imports.push(relative(SRC, resolve(dirname(file.fileName), specifier.text)));
  }
  return imports;
}

/** Packages a file imports. */
function packagesOf(file: ts.SourceFile): string[] {
  return file.statements
    .filter(ts.isImportDeclaration)
    .map((statement) => (statement.moduleSpecifier as ts.StringLiteral).text)
    .filter((specifier) => !specifier.startsWith("."));
}

const files = sourceFiles(SRC).map(parse);
const layerOf = (file: ts.SourceFile) => relative(SRC, file.fileName).split("/")[0]!;
const inLayer = (layer: string) => files.filter((file) => layerOf(file) === layer);

function violations(layer: string, allowed: (imported: string) => boolean, values = false): string[] {
  return inLayer(layer).flatMap((file) =>
    importsOf(file, values).filter((imported) => !allowed(imported)).map((imported) => `${relative(SRC, file.fileName)} imports ${imported}`));
}

describe("layers import inward", () => {
  test("the domain imports only the domain (and TypeBox for its wire schemas)", () => {
    expect(violations("domain", (imported) => imported.startsWith("domain/"))).toEqual([]);
    const packages = inLayer("domain").flatMap(packagesOf).filter((name) => !name.startsWith("@sinclair/typebox"));
    expect(packages).toEqual([]);
  });

  test("lib (shared helpers) imports only lib", () => {
    expect(violations("lib", (imported) => imported.startsWith("lib/"))).toEqual([]);
  });

  test("the runtime imports no adapter, route, WebSocket or composition code", () => {
    const outward = ["adapters/", "http/", "ws/", "apps/"];
    expect(violations("runtime", (imported) => !outward.some((layer) => imported.startsWith(layer)))).toEqual([]);
  });

  test("no adapter imports from src/http, src/ws or src/apps", () => {
    const edges = ["http/", "ws/", "apps/"];
    expect(violations("adapters", (imported) => !edges.some((layer) => imported.startsWith(layer)))).toEqual([]);
  });

  test("routes and the WebSocket layer depend on ports and schemas, never on engine or adapter classes", () => {
    const portsAndSchemas = ["runtime/ports.ts", "runtime/inbound.ts", "runtime/deadLetter.ts"];
    const allowed = (imported: string) =>
      imported.startsWith("domain/") || imported.startsWith("http/") || imported.startsWith("ws/") ||
      imported.startsWith("observability/") || imported.startsWith("lib/") || portsAndSchemas.includes(imported);
    expect([...violations("http", allowed), ...violations("ws", allowed)]).toEqual([]);
  });
});

describe("the dashboard is browser code of its own", () => {
  const BROWSER_PACKAGES = ["react", "react-dom/client", "@tanstack/react-query", "uplot", "@elysiajs/eden"];

  test("it imports values only from itself and the pure domain; the server's types it imports as types (erased from the bundle)", () => {
    expect(violations("dashboard", (imported) => imported.startsWith("dashboard/") || imported.startsWith("domain/"), true)).toEqual([]);
    expect(inLayer("dashboard").flatMap(packagesOf).filter((name) => !BROWSER_PACKAGES.includes(name))).toEqual([]);
  });

  test("no server code imports the dashboard (the engine bundles it from its HTML file)", () => {
    const importers = files.filter((file) => layerOf(file) !== "dashboard")
      .flatMap((file) => importsOf(file).filter((imported) => imported.startsWith("dashboard/")).map((imported) => `${relative(SRC, file.fileName)} imports ${imported}`));
    expect(importers).toEqual([]);
  });
});

describe("functions are short", () => {
  test(`no function in src/ is over ${FUNCTION_LINES_MAX} lines`, () => {
    const long: string[] = [];
    for (const file of files) {
      const visit = (node: ts.Node) => {
        if (ts.isFunctionLike(node) && "body" in node && node.body !== undefined) {
          const first = file.getLineAndCharacterOfPosition(node.getStart(file)).line;
          const last = file.getLineAndCharacterOfPosition(node.getEnd()).line;
          if (last - first + 1 > FUNCTION_LINES_MAX) long.push(`${relative(SRC, file.fileName)}:${first + 1} (${last - first + 1} lines)`);
        }
        ts.forEachChild(node, visit);
      };
      visit(file);
    }
    expect(long).toEqual([]);
  });
});
