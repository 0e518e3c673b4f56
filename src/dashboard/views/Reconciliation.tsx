/**
 * Reconciliation (GET /v1/admin/reconciliation): the engine's accounts against datalake.account,
 * and its transfers against the ledger, each drift with both figures.
 */
import { useQuery } from "@tanstack/react-query";
import { api, dataOf } from "../api.ts";
import { QueryState } from "../QueryState.tsx";

type Figures = { currentBalance: string; availableBalance: string | null; eodDate: string; version: number };
type Report = Awaited<ReturnType<typeof readReport>>;
type TransferFigures = { status: string; amount: string; currency: string; fromAccountId: string; toAccountId: string };

const readReport = () => dataOf(api.v1.admin.reconciliation.get());
const transferFigures = (side: TransferFigures | null) => side === null ? "no transaction" : `${side.status} · ${side.amount} ${side.currency} · ${side.fromAccountId} → ${side.toAccountId}`;

const figures = (side: Figures | null) => side === null ? "no row" : `${side.currentBalance} / ${side.availableBalance ?? "–"} · EOD ${side.eodDate} · v${side.version}`;

export function Reconciliation() {
  const query = useQuery({ queryKey: ["reconciliation"], queryFn: readReport, refetchInterval: 5000 });
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
          <LedgerDrifts ledger={report.ledger} />
        </>
      )}
    </section>
  );
}

function LedgerDrifts({ ledger }: { ledger: Report["ledger"] }) {
  if (ledger === null) return <p className="muted">This engine has no ledger to compare its transfers with.</p>;
  return (
    <>
      <h3>Transfers against the ledger</h3>
      <dl className="facts">
        <div><dt>Transfers checked</dt><dd>{ledger.transfersChecked}</dd></div>
        <div><dt>Drifting transfers</dt><dd>{ledger.driftTransfers}</dd></div>
        <div><dt>ledger.transactions</dt><dd>{ledger.unavailable ? "could not be read (figures of the pass before)" : "read"}</dd></div>
      </dl>
      <div className="scroll">
        <table>
          <caption>Drifts (status, amount, accounts), at most 1000</caption>
          <thead><tr><th scope="col">Transfer</th><th scope="col">Engine</th><th scope="col">Ledger</th></tr></thead>
          <tbody>{ledger.drifts.map((drift) => (
            <tr key={drift.transferId}><td>{drift.transferId}</td><td>{transferFigures(drift.engine)}</td><td>{transferFigures(drift.ledger)}</td></tr>
          ))}</tbody>
        </table>
      </div>
    </>
  );
}
