/**
 * Who listens to what, and delivery to them. Each send is checked: a connection whose unsent
 * bytes pass the limit (or whose message Bun had to drop) is closed at once, so a slow client
 * never grows the engine's memory and never silently misses updates while staying connected.
 * (Bun's native publish skips such a subscriber without telling, hence explicit sends.)
 */
export interface Connection {
  /** Bun's ServerWebSocket.send: bytes sent, -1 when queued under backpressure, 0 when dropped. */
  send(data: string): number;
  getBufferedAmount(): number;
  close(code?: number, reason?: string): void;
}

interface Subscriptions {
  readonly accounts: Set<string>;
}

/** 1013 "try again later": the client fell too far behind. */
const CLOSE_TOO_SLOW = 1013;

export class SubscriptionHub {
  private readonly connections = new Map<Connection, Subscriptions>();
  private readonly byAccount = new Map<string, Set<Connection>>();
  private readonly alertListeners = new Set<Connection>();

  constructor(
    private readonly bufferMaxBytes: number,
    private readonly accountsMax: number,
    private readonly onSlowClient: () => void,
  ) {}

  get size(): number {
    return this.connections.size;
  }

  add(connection: Connection): void {
    this.connections.set(connection, { accounts: new Set() });
  }

  remove(connection: Connection): void {
    const subs = this.connections.get(connection);
    if (subs === undefined) return;
    this.unsubscribe(connection, [...subs.accounts]);
    this.alertListeners.delete(connection);
    this.connections.delete(connection);
  }

  /** Adds accounts; returns those newly added, or null when it would pass the per-connection limit. */
  subscribe(connection: Connection, accountIds: readonly string[]): string[] | null {
    const subs = this.connections.get(connection);
    if (subs === undefined) return [];
    const added = [...new Set(accountIds)].filter((id) => !subs.accounts.has(id));
    if (subs.accounts.size + added.length > this.accountsMax) return null;
    for (const id of added) {
      subs.accounts.add(id);
      let listeners = this.byAccount.get(id);
      if (listeners === undefined) this.byAccount.set(id, (listeners = new Set()));
      listeners.add(connection);
    }
    return added;
  }

  unsubscribe(connection: Connection, accountIds: readonly string[]): void {
    const subs = this.connections.get(connection);
    for (const id of accountIds) {
      if (subs?.accounts.delete(id) !== true) continue;
      const listeners = this.byAccount.get(id)!;
      listeners.delete(connection);
      if (listeners.size === 0) this.byAccount.delete(id);
    }
  }

  setAlerts(connection: Connection, on: boolean): void {
    if (!this.connections.has(connection)) return;
    if (on) this.alertListeners.add(connection);
    else this.alertListeners.delete(connection);
  }

  hasListeners(accountId: string): boolean {
    return this.byAccount.has(accountId);
  }

  publishBalance(accountId: string, data: string): void {
    for (const connection of this.byAccount.get(accountId) ?? []) this.deliver(connection, data);
  }

  /** To the alerts channel and the account's subscribers: once per connection. */
  publishAlert(accountId: string, data: string): void {
    for (const connection of this.alertListeners) this.deliver(connection, data);
    for (const connection of this.byAccount.get(accountId) ?? []) {
      if (!this.alertListeners.has(connection)) this.deliver(connection, data);
    }
  }

  deliver(connection: Connection, data: string): void {
    const sent = connection.send(data);
    if (sent !== 0 && connection.getBufferedAmount() <= this.bufferMaxBytes) return;
    this.onSlowClient();
    this.remove(connection);
    connection.close(CLOSE_TOO_SLOW, "client too slow");
  }
}
