/**
 * Fraud: high-value alerts as they are raised, and the transfers the risk model denied or held
 * for 2FA with their factors (found through their audit rows, then read as they are now), with
 * Confirm and Cancel for those still pending: the engine's own routes, which write the audit row.
 */
import { useMutation, useQueries, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { api, dataOf } from "../api.ts";
import { useLiveFeed } from "../liveFeed.ts";
import { QueryState } from "../QueryState.tsx";

type Transfer = Awaited<ReturnType<typeof readTransfer>>;

const readTransfer = (transferId: string) => dataOf(api.v1.transfers({ transferId }).get());

export function Fraud() {
  return (
    <>
      <Alerts />
      <FlaggedTransfers />
    </>
  );
}

function Alerts() {
  const alerts = useLiveFeed().alerts;
  return (
    <section aria-labelledby="alerts-title">
      <h2 id="alerts-title">High-value alerts</h2>
      {alerts.length === 0 ? <p className="muted">No alert since this page opened.</p> : (
        <ul className="cards">{alerts.slice(0, 20).map((alert) => (
          <li key={alert.seq}><strong>{alert.amount} {alert.currency}</strong> on account {alert.accountId} · {alert.transactionId} · booked {alert.bookingDate} · {new Date(alert.at).toLocaleTimeString()}</li>
        ))}</ul>
      )}
    </section>
  );
}

function useFlaggedTransfers() {
  const decisions = useQuery({
    queryKey: ["audit", "transfer.decide"],
    queryFn: () => dataOf(api.v1.admin.audit.get({ query: { action: "transfer.decide", limit: 200 } })),
    refetchInterval: 5000,
  });
  const flagged = (decisions.data?.items ?? []).filter((row) => row.detail.decision === "DENY" || row.detail.decision === "REQUIRE_2FA");
  const transfers = useQueries({ queries: flagged.map((row) => ({ queryKey: ["transfer", row.target], queryFn: () => readTransfer(row.target) })) });
  return { decisions, transfers };
}

function FlaggedTransfers() {
  const { decisions, transfers } = useFlaggedTransfers();
  const client = useQueryClient();
  const transferEvents = useLiveFeed().events.filter((event) => event.type === "transfer").length;
  // A transfer's status changed (pushed): read the flagged ones again.
  useEffect(() => void client.invalidateQueries({ queryKey: ["transfer"] }), [transferEvents, client]);
  return (
    <section aria-labelledby="flagged-title">
      <h2 id="flagged-title">Denied and 2FA-pending transfers</h2>
      <QueryState query={decisions} what="the transfer decisions" />
      {decisions.isSuccess && transfers.length === 0 ? <p className="muted">No transfer was denied or held for 2FA.</p> : null}
      <ul className="cards">{transfers.map((query, index) => query.data === undefined
        ? <li key={index}><QueryState query={query} what="a transfer" /></li>
        : <TransferCard key={query.data.transferId} transfer={query.data} />)}</ul>
    </section>
  );
}

function TransferCard({ transfer }: { transfer: Transfer }) {
  const client = useQueryClient();
  const act = useMutation({
    mutationFn: (action: "confirm" | "cancel") => dataOf(action === "confirm"
      ? api.v1.transfers({ transferId: transfer.transferId }).confirm.post()
      : api.v1.transfers({ transferId: transfer.transferId }).cancel.post()),
    onSuccess: (changed) => {
      client.setQueryData(["transfer", changed.transferId], changed);
      void client.invalidateQueries({ queryKey: ["audit"] });
    },
  });
  const pending = transfer.status === "PENDING_2FA";
  return (
    <li className="transfer" data-transfer-id={transfer.transferId}>
      <p><strong>{transfer.amount} {transfer.currency}</strong> from {transfer.fromAccountId} to {transfer.toAccountId}</p>
      <p>Status <span className="status" data-status={transfer.status}>{transfer.status}</span> · decision {transfer.decision} · risk score {transfer.riskScore}</p>
      <ul className="factors" aria-label="Risk factors">{transfer.riskFactors.map((factor) => (
        <li key={factor.name}>{factor.name}: {factor.value} × {factor.weight}</li>
      ))}</ul>
      {pending ? (
        <div className="actions">
          <button type="button" disabled={act.isPending} onClick={() => act.mutate("confirm")}>Confirm (2FA passed)</button>
          <button type="button" className="secondary" disabled={act.isPending} onClick={() => act.mutate("cancel")}>Cancel</button>
        </div>
      ) : null}
      {act.error !== null ? <p className="error" role="alert">{act.error.message}</p> : null}
    </li>
  );
}
