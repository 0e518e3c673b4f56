/** A day's statement (opening + items = closing, beside the core system's EOD), and its CSV to download. */
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { api, ApiError, dataOf } from "../../api.ts";
import { QueryState } from "../../QueryState.tsx";

const today = () => new Date().toISOString().slice(0, 10);

async function downloadCsv(accountId: string, date: string): Promise<void> {
  const { data, error } = await api.v1.accounts({ accountId }).statement.get({ query: { date }, headers: { accept: "text/csv" } });
  if (error !== null) throw new ApiError(error.status, `the CSV: HTTP ${error.status}`);
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([String(data)], { type: "text/csv" }));
  link.download = `statement-${accountId}-${date}.csv`;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}

export function Statement({ accountId }: { accountId: string }) {
  const [date, setDate] = useState(today);
  const [csvError, setCsvError] = useState<string | null>(null);
  const query = useQuery({
    queryKey: ["statement", accountId, date],
    queryFn: () => dataOf(api.v1.accounts({ accountId }).statement.get({ query: { date } })),
  });
  const body = query.data;
  return (
    <section aria-labelledby="statement-title">
      <h2 id="statement-title">Statement of a day</h2>
      <div className="row">
        <label htmlFor="statement-date">Day</label>
        <input id="statement-date" type="date" value={date} onChange={(event) => setDate(event.target.value)} required />
        <button type="button" onClick={() => downloadCsv(accountId, date).then(() => setCsvError(null), (error: Error) => setCsvError(error.message))}>Download CSV</button>
      </div>
      {csvError !== null ? <p className="error" role="alert">{csvError}</p> : null}
      <QueryState query={query} what="the statement" />
      {body === undefined ? null : (
        <div className="scroll">
          <table>
            <caption>{body.items.length} transactions booked {body.date}</caption>
            <tbody>
              <tr><th scope="row">Opening balance</th><td className="amount">{body.openingBalance}</td></tr>
              {body.items.map((item) => <tr key={item.messageId}><th scope="row">{item.transactionId}</th><td className="amount">{item.amount}</td></tr>)}
              <tr className="total"><th scope="row">Closing balance</th><td className="amount">{body.closingBalance} {body.currency}</td></tr>
              <tr><th scope="row">Core system's EOD</th><td className="amount">{body.coreEod === null ? "not yet" : `${body.coreEod.balance} (difference ${body.coreEod.difference})`}</td></tr>
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
