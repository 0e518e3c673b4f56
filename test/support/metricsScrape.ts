/** Reads series out of the engine's /metrics text (with or without the balance_engine_ prefix). */

/** The sum of every series of `name` whose labels include `labels` (0 when there is none). */
export function metricSum(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  const line = new RegExp(`^(?:balance_engine_)?${name}(?:\\{([^}]*)\\})? (\\S+)$`);
  for (const row of text.split("\n")) {
    const match = line.exec(row);
    if (match === null) continue;
    const found = Object.fromEntries([...(match[1] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([key, value]) => found[key] === value)) sum += Number(match[2]);
  }
  return sum;
}

export async function scrape(base: string): Promise<string> {
  return (await fetch(`${base}/metrics`)).text();
}
