/** Prints a result as a table and writes it as JSON and an SVG chart to bench/results/. */
import { mkdirSync, writeFileSync } from "node:fs";
import type { BenchResult, Measurement } from "./benchResult.ts";

const RESULTS = new URL("../results/", import.meta.url).pathname;

const fmt = (value: number | undefined, digits = 2) =>
  value === undefined || Number.isNaN(value) ? "—" : value >= 1000 ? Math.round(value).toLocaleString("en-US") : value.toFixed(digits);

function row(m: Measurement): string[] {
  const extra = Object.entries(m.extra ?? {}).map(([k, v]) => `${k}=${typeof v === "number" ? fmt(v) : v}`).join(" ");
  return [m.label, fmt(m.throughputPerSec, 0), fmt(m.p50Ms, 3), fmt(m.p99Ms, 3), fmt(m.p999Ms, 3), fmt(m.peakRssMb, 0), extra];
}

export function printResult(result: BenchResult): void {
  const header = ["", "ops/s", "p50 ms", "p99 ms", "p999 ms", "peak RSS MiB", "other"];
  const rows = [header, row(result.subject), ...(result.baseline ? [row(result.baseline)] : [])];
  const widths = header.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  console.log(`\n## ${result.benchmark}: ${result.measures}`);
  for (const r of rows) console.log(r.map((cell, i) => cell.padEnd(widths[i]!)).join("  "));
  const ratio = result.ratio === undefined ? "" : `ratio ${result.ratio.toFixed(2)}; `;
  console.log(`${ratio}target: ${result.target} → ${result.targetMet ? "MET" : "MISSED"}`);
  for (const note of result.notes) console.log(`  - ${note}`);
}

export function writeResult(result: BenchResult, machine: Record<string, string>): void {
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(`${RESULTS}${result.benchmark}.json`, `${JSON.stringify({ ...result, machine, at: new Date().toISOString() }, null, 2)}\n`);
  writeFileSync(`${RESULTS}${result.benchmark}.svg`, chart(result));
}

/** Bars: the subject's and baseline's throughput (or p99 when there is no throughput). */
function chart(result: BenchResult): string {
  const bars = [result.subject, ...(result.baseline ? [result.baseline] : [])];
  const useThroughput = bars.every((b) => b.throughputPerSec !== undefined);
  const value = (m: Measurement) => (useThroughput ? m.throughputPerSec : m.p99Ms) ?? 0;
  const max = Math.max(...bars.map(value), 1e-9);
  const unit = useThroughput ? "ops/s" : "p99 ms";
  const rows = bars.map((m, i) => {
    const width = Math.round((value(m) / max) * 380);
    const y = 40 + i * 40;
    return `<rect x="200" y="${y}" width="${width}" height="26" fill="${i === 0 ? "#2b6cb0" : "#a0aec0"}"/>` +
      `<text x="190" y="${y + 18}" text-anchor="end" font-size="13">${escape(m.label)}</text>` +
      `<text x="${205 + width}" y="${y + 18}" font-size="12">${fmt(value(m), 3)} ${unit}</text>`;
  });
  const height = 60 + bars.length * 40;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="720" height="${height}" font-family="sans-serif">` +
    `<text x="10" y="22" font-size="15" font-weight="bold">${escape(`${result.benchmark} — target: ${result.target} (${result.targetMet ? "met" : "missed"})`)}</text>` +
    `${rows.join("")}</svg>\n`;
}

function escape(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}
