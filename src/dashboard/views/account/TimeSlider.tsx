/**
 * The balance as of any past instant (?asOf=), on a slider from a second before the oldest
 * transaction listed (what the account was before it) to now (the engine's clock: when it applied each change), one step a second.
 * At the right end it reads "now" and shows the live figure.
 */
import { useQuery, type UseQueryResult } from "@tanstack/react-query";
import { useState } from "react";
import { api, dataOf } from "../../api.ts";
import { QueryState } from "../../QueryState.tsx";
import { useTransactionsPage } from "./Transactions.tsx";

const MARGIN_SECONDS = 1;

export function TimeSlider({ accountId }: { accountId: string }) {
  const page = useTransactionsPage(accountId, null);
  const [nowSeconds] = useState(() => Math.floor(Date.now() / 1000));
  const oldest = page.data?.items.at(-1)?.appliedAt;
  const minSeconds = oldest === undefined ? nowSeconds - 3600 : Math.floor(Date.parse(oldest) / 1000) - MARGIN_SECONDS;
  const [chosen, setChosen] = useState<number | null>(null);
  const atSeconds = chosen === null || chosen >= nowSeconds ? null : Math.max(chosen, minSeconds);
  const asOf = useQuery({
    queryKey: ["balance", accountId, "asOf", atSeconds],
    queryFn: () => readAsOf(accountId, atSeconds!),
    enabled: atSeconds !== null,
  });
  const label = atSeconds === null ? "now" : new Date(atSeconds * 1000).toLocaleString();
  return (
    <section aria-labelledby="asof-title">
      <h2 id="asof-title">As of an instant</h2>
      <div className="slider">
        <label htmlFor="asof">Balance as of <output htmlFor="asof" id="asof-label">{label}</output></label>
        <input id="asof" type="range" min={minSeconds} max={nowSeconds} step={1} value={atSeconds ?? nowSeconds}
          aria-valuetext={label} onChange={(event) => setChosen(Number(event.target.value))} />
      </div>
      {atSeconds === null ? <p className="muted">Move the slider to see the balance the engine had then.</p> : <AsOfFigures query={asOf} />}
    </section>
  );
}

const readAsOf = (accountId: string, atSeconds: number) =>
  dataOf(api.v1.accounts({ accountId }).balance.get({ query: { asOf: new Date(atSeconds * 1000).toISOString() } }));

function AsOfFigures({ query }: { query: UseQueryResult<Awaited<ReturnType<typeof readAsOf>>> }) {
  const body = query.data;
  if (body === undefined) return <QueryState query={query} what="the balance at that instant" />;
  return (
    <p id="asof-figures" data-amount={body.currentBalance}>
      Current <strong>{body.currentBalance} {body.currency}</strong>, available {body.availableBalance ?? "unknown"} · version {body.version}
    </p>
  );
}
