/**
 * The dashboard's one WebSocket: the `activity` channel (every account's balance and transfer
 * changes) and the `alerts` channel, kept as a bounded list of the latest events for the views.
 * Listeners are told at most every FLUSH_MS, so a busy engine does not re-render the page per
 * message. A closed socket is opened again after a growing pause (at most 10 s).
 */
import { useSyncExternalStore } from "react";
import type { ServerMessage } from "../ws/wsMessages.ts";
import { webSocketUrl } from "./credential.ts";

export type FeedEvent = Exclude<ServerMessage, { type: "error" }> & { readonly receivedAt: number; readonly seq: number };
export type AlertEvent = Extract<FeedEvent, { type: "alert" }>;

const EVENTS_MAX = 300;
/** Alerts are rare beside balance changes: kept apart, so that the busy feed does not push them out. */
const ALERTS_MAX = 50;
const FLUSH_MS = 200;

export interface FeedSnapshot {
  readonly connected: boolean;
  readonly events: readonly FeedEvent[];
  /** The latest high-value alerts, newest first. */
  readonly alerts: readonly AlertEvent[];
  /** Messages received since the page opened, and the last error the engine sent. */
  readonly received: number;
  readonly lastError: string | null;
}

let snapshot: FeedSnapshot = { connected: false, events: [], alerts: [], received: 0, lastError: null };
const listeners = new Set<() => void>();
let pending: FeedEvent[] = [];
let flushTimer: ReturnType<typeof setTimeout> | null = null;
let retryMs = 500;
let seq = 0;

function publish(change: Partial<FeedSnapshot>): void {
  snapshot = { ...snapshot, ...change };
  for (const listener of listeners) listener();
}

function flush(): void {
  flushTimer = null;
  const fresh = pending.reverse();
  const events = [...fresh, ...snapshot.events].slice(0, EVENTS_MAX);
  const alerts = [...fresh.filter((event): event is AlertEvent => event.type === "alert"), ...snapshot.alerts].slice(0, ALERTS_MAX);
  publish({ events, alerts, received: snapshot.received + pending.length });
  pending = [];
}

function onMessage(data: string): void {
  const message = JSON.parse(data) as ServerMessage;
  if (message.type === "error") return publish({ lastError: message.error.message });
  pending.push({ ...message, receivedAt: Date.now(), seq: ++seq });
  if (pending.length > EVENTS_MAX) pending = pending.slice(-EVENTS_MAX);
  flushTimer ??= setTimeout(flush, FLUSH_MS);
}

function connect(): void {
  const socket = new WebSocket(webSocketUrl("/v1/ws"));
  socket.onopen = () => {
    retryMs = 500;
    socket.send(JSON.stringify({ op: "subscribe", channels: ["activity", "alerts"] }));
    publish({ connected: true });
  };
  socket.onmessage = (event) => onMessage(String(event.data));
  socket.onclose = () => {
    publish({ connected: false });
    setTimeout(connect, retryMs);
    retryMs = Math.min(retryMs * 2, 10_000);
  };
}

let started = false;

function subscribe(listener: () => void): () => void {
  if (!started) {
    started = true;
    connect();
  }
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useLiveFeed(): FeedSnapshot {
  return useSyncExternalStore(subscribe, () => snapshot);
}
