/**
 * Debian's Chromium (installed by scripts/browser-up.sh), driven by playwright-core: no browser
 * is ever downloaded. Each page records its console errors and uncaught exceptions, so that a
 * test can say there were none.
 */
import { chromium, type Browser, type Page } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";
const ROOT = new URL("../..", import.meta.url).pathname;

/** Installs Chromium when missing (idempotent), then launches it headless. */
export async function launchChromium(): Promise<Browser> {
  const install = Bun.spawnSync(["bash", "scripts/browser-up.sh"], { cwd: ROOT, stdout: "inherit", stderr: "inherit" });
  if (install.exitCode !== 0) throw new Error("scripts/browser-up.sh failed: Chromium is not installed");
  return chromium.launch({ executablePath: CHROMIUM, args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"] });
}

export interface CheckedPage {
  readonly page: Page;
  /** Console errors and uncaught exceptions, in order. */
  readonly errors: string[];
}

export async function checkedPage(browser: Browser, viewport = { width: 1280, height: 900 }): Promise<CheckedPage> {
  const page = await browser.newPage({ viewport });
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`console: ${message.text()}`);
  });
  page.on("pageerror", (error) => errors.push(`exception: ${error.message}`));
  return { page, errors };
}

/** A decimal string of a two-digit currency as an integer of minor units, for sums without floats. */
export function minorOf(amount: string): number {
  const match = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(amount.trim());
  if (match === null) throw new Error(`not a decimal amount of two digits at most: ${amount}`);
  const minor = Number(match[2]) * 100 + Number((match[3] ?? "").padEnd(2, "0"));
  return match[1] === "-" ? -minor : minor;
}
