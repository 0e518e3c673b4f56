/**
 * Who listens to what, and delivery to them. Each send is checked: a connection whose unsent
 * bytes pass the per-client limit, or that is behind while all clients together hold more unsent
 * bytes than the process-wide budget (or whose message Bun had to drop), is closed at once. So
 * slow clients never grow the engine's memory past a known bound, and never silently miss
 * updates while staying connected. (Bun's native publish skips such a subscriber without
 * telling, hence explicit sends.) Subscriptions are bounded per connection and in total.
 * Inside `corked`, sends are held and go out together per connection under Bun's cork: one
 * write for a fetched batch's pushes instead of one system call (and one wake-up of the
 * client) per message.
 */
export interface Connection {
  /** Bun's ServerWebSocket.send: bytes sent, -1 when queued under backpressure, 0 when dropped. */
  send(data: string): number;
  getBufferedAmount(): number;
  close(code?: number, reason?: string): void;
  /**
   * Bun's ServerWebSocket.terminate: drops the socket at once. A slow client is cut off with it: a
   * close frame would wait behind the unsent bytes of a client that does not read, and keep them.
   */
  terminate(): void;
  /** Bun's ServerWebSocket.cork: the sends made inside `callback` leave in one write. */
  cork(callback: () => void): unknown;
}

/** Messages `corked` holds at most before it sends them early: what it holds stays bounded. */
export const HELD_MESSAGES_MAX = 10_000;

interface Subscriber {
  readonly accounts: Set<string>;
  /** Unsent bytes as of the last send or drain. */
  buffered: number;
}

export interface HubLimits {
  /** WS_BUFFER_MAX_BYTES: unsent bytes one client may hold. */
  readonly bufferBytesMax: number;
  /** WS_BUFFERS_TOTAL_BYTES_MAX: unsent bytes all clients together may hold. */
  readonly buffersTotalBytesMax: number;
  /** WS_SUBSCRIPTIONS_MAX: accounts per connection. */
  readonly accountsMax: number;
  /** WS_SUBSCRIPTIONS_TOTAL_MAX: subscriptions of all connections together. */
  readonly subscriptionsTotalMax: number;
}

export type AlertFilter = (accountId: string) => boolean;

export type SubscribeResult =
  | { readonly ok: true; readonly added: string[] }
  | { readonly ok: false; readonly reason: "connection_limit" | "total_limit" };

export class SubscriptionHub {
  private readonly subscribers = new Map<Connection, Subscriber>();
  /** One listener, or a set of them: most accounts have a single subscriber, and a Set each costs. */
  private readonly byAccount = new Map<string, Connection | Set<Connection>>();
  /** Each alerts listener with the accounts whose alerts it may see (null: all). */
  private readonly alertListeners = new Map<Connection, AlertFilter | null>();
  /** Listeners of the activity channel: every account's balance and transfer changes (ops:read). */
  private readonly activityListeners = new Set<Connection>();
  private bufferedTotal = 0;
  private subscriptionsTotal = 0;
  /**
   * Inside `corked` (`holding`): the messages waiting for the end of it, per connection, in
   * order. One Map for the hub's life, empty outside `corked`: a fetched batch allocates none.
   */
  private readonly held = new Map<Connection, string[]>();
  private holding = false;
  private heldCount = 0;

  constructor(private readonly limits: HubLimits, private readonly onSlowClient: () => void) {}

  get size(): number {
    return this.subscribers.size;
  }

  /** Unsent bytes of all clients, as of their last send or drain. */
  get bufferedBytes(): number {
    return this.bufferedTotal;
  }

  get subscriptionCount(): number {
    return this.subscriptionsTotal;
  }

  add(connection: Connection): void {
    this.subscribers.set(connection, { accounts: new Set(), buffered: 0 });
  }

  remove(connection: Connection): void {
    const subscriber = this.subscribers.get(connection);
    if (subscriber === undefined) return;
    this.unsubscribe(connection, [...subscriber.accounts]);
    this.alertListeners.delete(connection);
    this.activityListeners.delete(connection);
    this.bufferedTotal -= subscriber.buffered;
    this.subscribers.delete(connection);
  }

  /** Adds accounts; refused (nothing added) when it would pass the per-connection or the total bound. */
  subscribe(connection: Connection, accountIds: readonly string[]): SubscribeResult {
    const subscriber = this.subscribers.get(connection);
    if (subscriber === undefined) return { ok: true, added: [] };
    const added = [...new Set(accountIds)].filter((id) => !subscriber.accounts.has(id));
    if (subscriber.accounts.size + added.length > this.limits.accountsMax) return { ok: false, reason: "connection_limit" };
    if (this.subscriptionsTotal + added.length > this.limits.subscriptionsTotalMax) return { ok: false, reason: "total_limit" };
    for (const id of added) {
      subscriber.accounts.add(id);
      this.listen(id, connection);
    }
    this.subscriptionsTotal += added.length;
    return { ok: true, added };
  }

  unsubscribe(connection: Connection, accountIds: readonly string[]): void {
    const subscriber = this.subscribers.get(connection);
    for (const id of accountIds) {
      if (subscriber?.accounts.delete(id) !== true) continue;
      this.subscriptionsTotal -= 1;
      this.unlisten(id, connection);
    }
  }

  /** `filter`: the accounts whose alerts this connection may see on the channel; absent, all of them. */
  setAlerts(connection: Connection, on: boolean, filter: AlertFilter | null = null): void {
    if (!this.subscribers.has(connection)) return;
    if (on) this.alertListeners.set(connection, filter);
    else this.alertListeners.delete(connection);
  }

  /** The activity channel: every change of every account, for operators (the caller holds ops:read). */
  setActivity(connection: Connection, on: boolean): void {
    if (!this.subscribers.has(connection)) return;
    if (on) this.activityListeners.add(connection);
    else this.activityListeners.delete(connection);
  }

  hasListeners(accountId: string): boolean {
    return this.byAccount.has(accountId) || this.activityListeners.size > 0;
  }

  /** To the key's subscribers and, unless `activity` is false, to the activity channel: once per connection. */
  publishBalance(accountId: string, data: string, activity = true): void {
    const listeners = this.byAccount.get(accountId);
    if (listeners instanceof Set) for (const connection of listeners) this.deliver(connection, data);
    else if (listeners !== undefined) this.deliver(listeners, data);
    if (!activity) return;
    for (const connection of this.activityListeners) {
      if (listeners !== connection && !(listeners instanceof Set && listeners.has(connection))) this.deliver(connection, data);
    }
  }

  /** To the alerts channel (the listeners that may see the account) and the account's subscribers: once per connection. */
  publishAlert(accountId: string, data: string): void {
    for (const [connection, filter] of this.alertListeners) if (filter === null || filter(accountId)) this.deliver(connection, data);
    const listeners = this.byAccount.get(accountId);
    const accountListeners = listeners === undefined ? [] : listeners instanceof Set ? [...listeners] : [listeners];
    for (const connection of accountListeners) if (!this.alertListeners.has(connection)) this.deliver(connection, data);
  }

  /**
   * Runs `run`; what it delivers is sent when it returns (or throws), each connection's messages
   * in order under one cork. Nested calls join the outer one. More than HELD_MESSAGES_MAX held
   * are sent at once, so a long run holds a bounded amount.
   */
  corked<T>(run: () => T): T {
    if (this.holding) return run();
    this.holding = true;
    try {
      return run();
    } finally {
      this.sendHeld();
      this.holding = false;
    }
  }

  deliver(connection: Connection, data: string): void {
    if (!this.holding) return void this.send(connection, data);
    const queued = this.held.get(connection);
    if (queued === undefined) this.held.set(connection, [data]);
    else queued.push(data);
    this.heldCount += 1;
    if (this.heldCount >= HELD_MESSAGES_MAX) this.sendHeld();
  }

  private sendHeld(): void {
    const held = this.held;
    this.heldCount = 0;
    for (const [connection, messages] of held) {
      held.delete(connection);
      connection.cork(() => {
        for (const data of messages) if (!this.send(connection, data)) return; // cut off: the rest would go nowhere
      });
    }
  }

  /** Sends and checks the client's unsent bytes; false when the client was cut off. */
  private send(connection: Connection, data: string): boolean {
    const subscriber = this.subscribers.get(connection);
    const sent = connection.send(data);
    if (subscriber === undefined) return true;
    this.track(subscriber, connection.getBufferedAmount());
    const behind = subscriber.buffered > 0;
    if (sent !== 0 && subscriber.buffered <= this.limits.bufferBytesMax && !(behind && this.bufferedTotal > this.limits.buffersTotalBytesMax)) return true;
    this.onSlowClient();
    this.remove(connection);
    connection.terminate();
    return false;
  }

  /** Bun drained a connection's buffer: its unsent bytes no longer count against the budget. */
  drained(connection: Connection): void {
    const subscriber = this.subscribers.get(connection);
    if (subscriber !== undefined) this.track(subscriber, connection.getBufferedAmount());
  }

  private track(subscriber: Subscriber, buffered: number): void {
    this.bufferedTotal += buffered - subscriber.buffered;
    subscriber.buffered = buffered;
  }

  private listen(accountId: string, connection: Connection): void {
    const listeners = this.byAccount.get(accountId);
    if (listeners === undefined) this.byAccount.set(accountId, connection);
    else if (listeners instanceof Set) listeners.add(connection);
    else if (listeners !== connection) this.byAccount.set(accountId, new Set([listeners, connection]));
  }

  private unlisten(accountId: string, connection: Connection): void {
    const listeners = this.byAccount.get(accountId);
    if (listeners === connection) return void this.byAccount.delete(accountId);
    if (!(listeners instanceof Set)) return;
    listeners.delete(connection);
    if (listeners.size === 1) this.byAccount.set(accountId, listeners.values().next().value!);
  }
}
