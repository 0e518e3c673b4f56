/** The account's applied transactions, newest first, a page of PAGE_SIZE at a time (the route's cursor). */
import { useQuery } from "@tanstack/react-query";
import { api, dataOf } from "../../api.ts";
import { Pager, useCursorPages } from "../../Pager.tsx";
import { QueryState } from "../../QueryState.tsx";

const PAGE_SIZE = 20;

export function useTransactionsPage(accountId: string, cursor: string | null) {
  return useQuery({
    queryKey: ["transactions", accountId, cursor],
    queryFn: () => dataOf(api.v1.accounts({ accountId }).transactions.get({ query: cursor === null ? { limit: PAGE_SIZE } : { limit: PAGE_SIZE, cursor } })),
    refetchInterval: cursor === null ? 5000 : false,
  });
}

export function Transactions({ accountId }: { accountId: string }) {
  const pages = useCursorPages();
  const page = useTransactionsPage(accountId, pages.cursor);
  const next = page.data?.nextCursor ?? null;
  return (
    <section aria-labelledby="transactions-title">
      <h2 id="transactions-title">Transactions</h2>
      <QueryState query={page} what="the transactions" />
      {page.data?.items.length === 0 ? <p className="muted">No applied transaction.</p> : null}
      <div className="scroll">
        <table>
          <caption className="sr-only">Page {pages.page}, newest first</caption>
          <thead><tr><th scope="col">Applied</th><th scope="col">Booked</th><th scope="col">Transaction</th><th scope="col">Event</th><th scope="col" className="amount">Amount</th></tr></thead>
          <tbody>{(page.data?.items ?? []).map((item) => (
            <tr key={item.messageId}><td>{new Date(item.appliedAt).toLocaleString()}</td><td>{item.bookingDate}</td><td>{item.transactionId}</td><td>{item.eventType === "TRANSACTION_CREATED" ? "created" : "removed"}</td><td className="amount">{item.amount}</td></tr>
          ))}</tbody>
        </table>
      </div>
      <Pager pages={pages} next={next} />
    </section>
  );
}
