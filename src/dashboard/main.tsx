/**
 * The operator dashboard: one page, a view per hash (#live, #fraud, …) so that every view has an
 * address, the browser's back button works and the links are plain, keyboard-reachable anchors.
 */
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { useEffect, useState, type ComponentType } from "react";
import { createRoot } from "react-dom/client";
import { Account } from "./views/Account.tsx";
import { Audit } from "./views/Audit.tsx";
import { Dlq } from "./views/Dlq.tsx";
import { Fraud } from "./views/Fraud.tsx";
import { Health } from "./views/Health.tsx";
import { LiveMonitor } from "./views/LiveMonitor.tsx";
import { Reconciliation } from "./views/Reconciliation.tsx";

const VIEWS: readonly { id: string; title: string; View: ComponentType }[] = [
  { id: "live", title: "Live monitor", View: LiveMonitor },
  { id: "fraud", title: "Fraud", View: Fraud },
  { id: "account", title: "Account", View: Account },
  { id: "reconciliation", title: "Reconciliation", View: Reconciliation },
  { id: "dlq", title: "DLQ", View: Dlq },
  { id: "audit", title: "Audit log", View: Audit },
  { id: "health", title: "Health", View: Health },
];

const viewOf = (hash: string) => VIEWS.find((view) => `#${view.id}` === hash) ?? VIEWS[0]!;

function useHash(): string {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const changed = () => setHash(location.hash);
    addEventListener("hashchange", changed);
    return () => removeEventListener("hashchange", changed);
  }, []);
  return hash;
}

function Dashboard() {
  const current = viewOf(useHash());
  useEffect(() => {
    document.title = `${current.title} · Balance engine`;
    document.getElementById("view-title")?.focus();
  }, [current]);
  return (
    <>
      <a className="skip" href="#main">Skip to the view</a>
      <header>
        <p className="brand">Balance engine · operations</p>
        <nav aria-label="Views">
          <ul>{VIEWS.map((view) => (
            <li key={view.id}><a href={`#${view.id}`} aria-current={view === current ? "page" : undefined}>{view.title}</a></li>
          ))}</ul>
        </nav>
      </header>
      <main id="main" data-view={current.id}>
        <h1 id="view-title" tabIndex={-1}>{current.title}</h1>
        <current.View />
      </main>
    </>
  );
}

const client = new QueryClient({ defaultOptions: { queries: { retry: 1, staleTime: 1000 } } });

createRoot(document.getElementById("root")!).render(
  <QueryClientProvider client={client}>
    <Dashboard />
  </QueryClientProvider>,
);
