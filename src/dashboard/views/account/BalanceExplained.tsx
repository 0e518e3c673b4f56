/**
 * The balance and why it is what it is (?explain=true): the EOD, each intraday day's total, the
 * current balance they add up to; the facility limit and each hold, the available balance. Every
 * figure is the engine's own decimal string: the page does no arithmetic on money.
 */
import { useQuery } from "@tanstack/react-query";
import { api, dataOf } from "../../api.ts";
import { QueryState } from "../../QueryState.tsx";

export function BalanceExplained({ accountId }: { accountId: string }) {
  const query = useQuery({
    queryKey: ["balance", accountId, "explain"],
    queryFn: () => dataOf(api.v1.accounts({ accountId }).balance.get({ query: { explain: "true" } })),
    refetchInterval: 2000,
  });
  const body = query.data;
  return (
    <section aria-labelledby="balance-title">
      <h2 id="balance-title">Balance of {accountId}</h2>
      <QueryState query={query} what="the balance" />
      {body === undefined || !("explain" in body) ? null : (
        <div className="scroll">
          <table className="explain">
            <caption>Version {body.version}, updated {new Date(body.updatedAt).toLocaleString()}</caption>
            <tbody>
              <tr data-part="eod"><th scope="row">EOD balance of {body.explain.eod.date}</th><td className="amount" data-amount={body.explain.eod.balance}>{body.explain.eod.balance}</td></tr>
              {body.explain.days.map((day) => (
                <tr key={day.bookingDate} data-part="day"><th scope="row">+ transactions booked {day.bookingDate}</th><td className="amount" data-amount={day.total}>{day.total}</td></tr>
              ))}
              <tr className="total" data-figure="current"><th scope="row">= current balance</th><td className="amount" data-amount={body.currentBalance}>{body.currentBalance} {body.currency}</td></tr>
              <tr data-part="facility"><th scope="row">Facility limit{body.facilityLimitKnown ? "" : " (unknown)"}</th><td className="amount" data-amount={body.facilityLimit ?? ""}>{body.facilityLimit ?? "–"}</td></tr>
              {body.explain.holds.map((hold) => (
                <tr key={hold.transferId} data-part="hold"><th scope="row">− hold of transfer {hold.transferId}</th><td className="amount" data-amount={hold.amount}>{hold.amount}</td></tr>
              ))}
              <tr className="total" data-figure="available"><th scope="row">= available balance</th><td className="amount" data-amount={body.availableBalance ?? ""}>{body.availableBalance ?? "unknown"} {body.currency}</td></tr>
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
