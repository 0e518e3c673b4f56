/** Audit log: who did what to what (GET /v1/admin/audit), newest first, filtered by action or actor, a page at a time. */
import { useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Pager, useCursorPages } from "../Pager.tsx";
import { api, dataOf } from "../api.ts";
import { QueryState } from "../QueryState.tsx";

const PAGE_SIZE = 50;

interface Filter {
  readonly action: string;
  readonly actor: string;
}

function queryOf(filter: Filter, cursor: string | null) {
  return {
    limit: PAGE_SIZE,
    ...(filter.action === "" ? {} : { action: filter.action }),
    ...(filter.actor === "" ? {} : { actor: filter.actor }),
    ...(cursor === null ? {} : { cursor }),
  };
}

export function Audit() {
  const [filter, setFilter] = useState<Filter>({ action: "", actor: "" });
  const pages = useCursorPages();
  const cursor = pages.cursor;
  const query = useQuery({
    queryKey: ["audit", filter, cursor],
    queryFn: () => dataOf(api.v1.admin.audit.get({ query: queryOf(filter, cursor) })),
    refetchInterval: cursor === null ? 5000 : false,
  });
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setFilter({ action: String(form.get("action") ?? "").trim(), actor: String(form.get("actor") ?? "").trim() });
    pages.reset();
  };
  const next = query.data?.nextCursor ?? null;
  return (
    <section aria-labelledby="audit-title">
      <h2 id="audit-title">Who did what</h2>
      <form className="row" onSubmit={submit}>
        <label htmlFor="audit-action">Action</label>
        <input id="audit-action" name="action" placeholder="transfer.confirm" maxLength={64} />
        <label htmlFor="audit-actor">Actor</label>
        <input id="audit-actor" name="actor" placeholder="jwt:alice" maxLength={200} />
        <button type="submit">Filter</button>
      </form>
      <QueryState query={query} what="the audit log" />
      <div className="scroll">
        <table className="audit">
          <caption className="sr-only">Audit rows, newest first</caption>
          <thead><tr><th scope="col">At</th><th scope="col">Actor</th><th scope="col">Action</th><th scope="col">Target</th><th scope="col">Status</th><th scope="col">Detail</th></tr></thead>
          <tbody>{(query.data?.items ?? []).map((row) => (
            <tr key={row.eventId} data-action={row.action}><td>{new Date(row.at).toLocaleString()}</td><td className="actor">{row.actor}</td><td>{row.action}</td><td className="target">{row.target}</td><td>{row.status}</td><td><code>{JSON.stringify(row.detail)}</code></td></tr>
          ))}</tbody>
        </table>
      </div>
      <Pager pages={pages} next={next} />
    </section>
  );
}
