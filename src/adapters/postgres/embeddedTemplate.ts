/**
 * An empty PGlite database, initialized once and kept (gzipped, ~4.5 MB) in
 * node_modules/.cache/balance-engine/, so that an in-memory embedded store starts by loading it
 * instead of running initdb in the engine's process: the engine's start-up peak falls from
 * ~960 MiB to ~350 MiB (README, "Memory"). Made by a child process the first time; any failure
 * leaves the caller to initialize in process as before.
 */
import { existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";

const PGLITE_ENTRY = Bun.resolveSync("@electric-sql/pglite", import.meta.dir);
const MAKER = join(import.meta.dir, "embeddedTemplateMaker.ts");
const MAKE_TIMEOUT_MS = 120_000;

/** The path, found once per process (every in-memory store of a test run opens through here). */
let pathOnce: Promise<string | null> | null = null;

export async function embeddedTemplate(): Promise<Blob | null> {
  const path = await (pathOnce ??= templatePath());
  if (path === null) return null;
  if (!existsSync(path)) await make(path);
  return existsSync(path) ? Bun.file(path) : null;
}

/** Keyed by PGlite's version: another version's data directory is not ours to load. */
async function templatePath(): Promise<string | null> {
  const packageDir = join(dirname(PGLITE_ENTRY), "..");
  const version = ((await Bun.file(join(packageDir, "package.json")).json()) as { version?: string }).version;
  if (version === undefined) return null;
  const cache = join(packageDir, "..", "..", ".cache", "balance-engine");
  try {
    mkdirSync(cache, { recursive: true });
  } catch {
    return null;
  }
  return join(cache, `pglite-${version}-empty.tgz`);
}

async function make(path: string): Promise<void> {
  const child = Bun.spawn([process.execPath, MAKER, path], { stdout: "ignore", stderr: "ignore" });
  const timer = setTimeout(() => child.kill(9), MAKE_TIMEOUT_MS);
  await child.exited;
  clearTimeout(timer);
}
