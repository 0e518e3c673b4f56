/**
 * DLQ: the dead letters kept in memory, newest first, filtered by reason, a page at a time, each
 * with its payload. Read on demand, not polled: every page read is an audited admin action.
 */
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { DEAD_LETTER_REASONS, type DeadLetterReason } from "../../domain/reasons.ts";
import { api, dataOf } from "../api.ts";
import { Pager, useCursorPages } from "../Pager.tsx";
import { QueryState } from "../QueryState.tsx";

const PAGE_SIZE = 25;

export function Dlq() {
  const [reason, setReason] = useState<DeadLetterReason | "">("");
  const pages = useCursorPages();
  const cursor = pages.cursor;
  const query = useQuery({
    queryKey: ["dlq", reason, cursor],
    queryFn: () => dataOf(api.v1.dlq.get({ query: { limit: PAGE_SIZE, ...(reason === "" ? {} : { reason }), ...(cursor === null ? {} : { cursor }) } })),
  });
  const next = query.data?.nextCursor ?? null;
  return (
    <section aria-labelledby="dlq-title">
      <h2 id="dlq-title">Dead letters</h2>
      <div className="row">
        <label htmlFor="dlq-reason">Reason</label>
        <select id="dlq-reason" value={reason} onChange={(event) => { setReason(event.target.value as DeadLetterReason | ""); pages.reset(); }}>
          <option value="">every reason</option>
          {DEAD_LETTER_REASONS.map((value) => <option key={value} value={value}>{value}</option>)}
        </select>
        <button type="button" onClick={() => void query.refetch()}>Refresh</button>
      </div>
      <QueryState query={query} what="the dead letters" />
      {query.data?.items.length === 0 ? <p className="muted">No dead letter{reason === "" ? "" : ` with reason ${reason}`}.</p> : null}
      <ol className="letters">{(query.data?.items ?? []).map((letter) => (
        <li key={letter.sequence} data-reason={letter.reason}>
          <p><strong className="reason">{letter.reason}</strong> · #{letter.sequence} · {new Date(letter.at).toLocaleString()} · {letter.messageId ?? "no messageId"}{letter.detail === undefined ? "" : ` · ${letter.detail}`}</p>
          <details><summary>Payload ({letter.payloadBytes} bytes{letter.payloadTruncated ? ", cut" : ""})</summary><pre>{letter.payload}</pre></details>
        </li>
      ))}</ol>
      <Pager pages={pages} next={next} />
    </section>
  );
}
