/** Reconciliation: the engine's figures against datalake.account (GET /v1/admin/reconciliation), each drift with both. */
import { useQuery } from "@tanstack/react-query";
import { api, dataOf } from "../api.ts";
import { QueryState } from "../QueryState.tsx";

type Figures = { currentBalance: string; availableBalance: string | null; eodDate: string; version: number };

const figures = (side: Figures | null) => side === null ? "no row" : `${side.currentBalance} / ${side.availableBalance ?? "–"} · EOD ${side.eodDate} · v${side.version}`;

export function Reconciliation() {
  const query = useQuery({ queryKey: ["reconciliation"], queryFn: () => dataOf(api.v1.admin.reconciliation.get()), refetchInterval: 5000 });
  const report = query.data;
  return (
    <section aria-labelledby="reconciliation-title">
      <h2 id="reconciliation-title">The last pass against datalake.account</h2>
      <QueryState query={query} what="the reconciliation" />
      {report === undefined ? null : (
        <>
          <dl className="facts">
            <div><dt>Last pass</dt><dd>{report.checkedAt === null ? "not yet" : new Date(report.checkedAt).toLocaleString()}</dd></div>
            <div><dt>Accounts checked</dt><dd>{report.accountsChecked}</dd></div>
            <div><dt>Drifting accounts</dt><dd data-drifts={report.driftAccounts}>{report.driftAccounts}</dd></div>
            <div><dt>datalake.account</dt><dd>{report.copyUnavailable ? "could not be read (figures of the pass before)" : "read"}</dd></div>
          </dl>
          <div className="scroll">
            <table>
              <caption>Drifts (current / available balance, EOD date, version), at most 1000</caption>
              <thead><tr><th scope="col">Account</th><th scope="col">Engine</th><th scope="col">datalake.account</th></tr></thead>
              <tbody>{report.drifts.map((drift) => (
                <tr key={drift.accountId}><td>{drift.accountId} ({drift.currency})</td><td>{figures(drift.engine)}</td><td>{figures(drift.copy)}</td></tr>
              ))}</tbody>
            </table>
          </div>
          {report.drifts.length === 0 ? <p className="muted">No drift: every account checked matches its row.</p> : null}
        </>
      )}
    </section>
  );
}
