/** Health: /ready's state, each check (the dependencies) and what is degraded, and /health. Both answered in words, not colour alone. */
import { useQuery } from "@tanstack/react-query";
import { api } from "../api.ts";
import { QueryState } from "../QueryState.tsx";
import { useMetricHistory } from "../metricHistory.ts";
import { total } from "../promText.ts";

type ReadyBody = NonNullable<Awaited<ReturnType<typeof api.ready.get>>["data"]>;

async function readReady(): Promise<ReadyBody & { httpStatus: number }> {
  // 503 not_ready carries the same body as 200: both are the answer.
  const { data, error } = await api.ready.get();
  if (data !== null) return { httpStatus: 200, ...data };
  if (error !== null && error.status === 503) return { httpStatus: 503, ...(error.value as ReadyBody) };
  throw new Error(`GET /ready answered ${error?.status ?? "nothing"}`);
}

export function Health() {
  const ready = useQuery({ queryKey: ["ready"], queryFn: readReady, refetchInterval: 3000 });
  const live = useQuery({ queryKey: ["health"], queryFn: async () => (await api.health.get()).data, refetchInterval: 3000 });
  const body = ready.data;
  return (
    <section aria-labelledby="health-title">
      <h2 id="health-title">Readiness and dependencies</h2>
      <QueryState query={ready} what="readiness" />
      {body === undefined ? null : (
        <>
          <p className={`state state-${body.status}`} data-ready={body.status}>Readiness: <strong>{body.status}</strong> (HTTP {body.httpStatus}) · liveness: {live.data?.status ?? "…"}</p>
          <table>
            <caption>Dependencies and state</caption>
            <thead><tr><th scope="col">Check</th><th scope="col">State</th></tr></thead>
            <tbody>{Object.entries(body.checks).map(([name, ok]) => (
              <tr key={name}><th scope="row">{name}</th><td>{ok ? "✓ ok" : "✗ failing"}{body.degraded.includes(name) ? " (degraded)" : ""}</td></tr>
            ))}</tbody>
          </table>
          {body.degraded.length > 0 ? <p role="alert">Degraded: {body.degraded.join(", ")}</p> : <p className="muted">Nothing degraded.</p>}
          {body.shards !== undefined ? <p>Partitions owned: {body.shards.join(", ") || "none"}</p> : null}
        </>
      )}
      <ProcessFacts />
    </section>
  );
}

function ProcessFacts() {
  const samples = useMetricHistory().latest;
  const facts: [string, string][] = [
    ["Accounts in memory", String(total(samples, "balance_engine_accounts"))],
    ["WebSocket clients", String(total(samples, "balance_engine_ws_clients"))],
    ["Resident memory", `${(total(samples, "balance_engine_process_resident_memory_bytes") / 1048576).toFixed(0)} MiB`],
    ["Drifting accounts", String(total(samples, "balance_engine_reconciliation_drift_accounts"))],
  ];
  return <dl className="facts">{facts.map(([name, value]) => <div key={name}><dt>{name}</dt><dd>{value}</dd></div>)}</dl>;
}
