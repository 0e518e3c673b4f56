/**
 * Live monitor: every balance and transfer change and every high-value alert as the engine
 * pushes it (the WebSocket's activity and alerts channels), and messages/s, dead letters/s and
 * the consumer lag per partition as charts (GET /metrics every two seconds).
 */
import { useLiveFeed, type FeedEvent } from "../liveFeed.ts";
import { useMetricHistory } from "../metricHistory.ts";
import { TimeSeriesChart } from "../TimeSeriesChart.tsx";

const ROWS_SHOWN = 50;

export function LiveMonitor() {
  const feed = useLiveFeed();
  return (
    <>
      <Charts />
      <section aria-labelledby="feed-title">
        <h2 id="feed-title">As it happens</h2>
        <p role="status" className="muted">
          WebSocket {feed.connected ? "connected" : "connecting…"} · {feed.received} messages since this page opened
          {feed.lastError !== null ? ` · engine said: ${feed.lastError}` : ""}
        </p>
        <div className="scroll">
          <table className="feed">
            <caption className="sr-only">The latest {ROWS_SHOWN} changes, newest first</caption>
            <thead><tr><th scope="col">Received</th><th scope="col">Kind</th><th scope="col">Account</th><th scope="col">What</th><th scope="col">Version</th></tr></thead>
            <tbody>{feed.events.slice(0, ROWS_SHOWN).map((event) => <FeedRow key={event.seq} event={event} />)}</tbody>
          </table>
        </div>
      </section>
    </>
  );
}

function Charts() {
  const metrics = useMetricHistory();
  const lag = [...metrics.lagByPartition].map(([partition, values]) => ({ label: `partition ${partition}`, values }));
  return (
    <section aria-labelledby="charts-title">
      <h2 id="charts-title">Throughput</h2>
      {metrics.error !== null ? <p className="error" role="alert">{metrics.error}</p> : null}
      <div className="charts">
        <TimeSeriesChart title="Messages" unit="per second" times={metrics.times} series={[{ label: "messages", values: metrics.messagesPerSecond }]} />
        <TimeSeriesChart title="Dead letters" unit="per second" times={metrics.times} series={[{ label: "DLQ", values: metrics.dlqPerSecond }]} />
        {lag.length > 0
          ? <TimeSeriesChart title="Consumer lag" unit="messages" times={metrics.times} series={lag} />
          : <TimeSeriesChart title="Waiting in mailboxes (no Kafka partitions in embedded mode)" unit="messages" times={metrics.times} series={[{ label: "queued", values: metrics.mailboxQueued }]} />}
      </div>
    </section>
  );
}

function FeedRow({ event }: { event: FeedEvent }) {
  const time = new Date(event.receivedAt).toLocaleTimeString();
  if (event.type === "balance") {
    return <tr data-kind="balance"><td>{time}</td><td>balance</td><td>{event.accountId}</td><td>current {event.currentBalance} {event.currency}, available {event.availableBalance ?? "unknown"}</td><td>{event.version}</td></tr>;
  }
  if (event.type === "transfer") {
    return <tr data-kind="transfer"><td>{time}</td><td>transfer</td><td>{event.fromAccountId}</td><td>{event.status}: {event.amount} {event.currency} to {event.toAccountId} (risk {event.riskScore})</td><td>–</td></tr>;
  }
  return <tr data-kind="alert" className="alert"><td>{time}</td><td>alert</td><td>{event.accountId}</td><td>high value: {event.amount} {event.currency} ({event.transactionId})</td><td>–</td></tr>;
}
