/**
 * Run as its own process (`bun embeddedTemplateMaker.ts <file>`): initializes an empty PGlite
 * database and writes its data directory, gzipped, to <file>. initdb inside PGlite peaks near
 * 900 MiB of memory; here that peak is this short-lived process's, not the engine's.
 */
import { renameSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";

const target = process.argv[2];
if (target === undefined) throw new Error("usage: bun embeddedTemplateMaker.ts <file>");
const db = new PGlite();
await db.waitReady;
const partial = `${target}.${process.pid}.partial`;
await Bun.write(partial, await db.dumpDataDir("gzip"));
await db.close();
renameSync(partial, target); // whole or absent: a concurrent maker's file is as good as ours
