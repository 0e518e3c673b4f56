/** Memory of a process, read from /proc (Linux). */
import { readFileSync } from "node:fs";

function statusField(pid: number, field: string): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status);
  return match === null ? NaN : Number(match[1]) / 1024;
}

/** Peak resident set size in MiB (VmHWM). */
export const peakRssMb = (pid: number = process.pid) => statusField(pid, "VmHWM");
/** Current resident set size in MiB (VmRSS). */
export const rssMb = (pid: number = process.pid) => statusField(pid, "VmRSS");
