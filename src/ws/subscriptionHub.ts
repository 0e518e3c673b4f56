/**
 * Who listens to what, on Bun's native pub/sub (the fan-out runs in Bun's C++ side).
 * Topics: `b:<account>` balance updates, `a:<account>` that account's alerts, `alerts` all alerts.
 * A connection on the `alerts` channel leaves every `a:<account>` topic, so that an alert reaches
 * it once even when it also follows the account.
 */
export interface Subscriber {
  subscribe(topic: string): void;
  unsubscribe(topic: string): void;
}

export interface Publisher {
  publish(topic: string, data: string): void;
  subscriberCount(topic: string): number;
}

export interface Subscriptions {
  readonly accounts: Set<string>;
  alerts: boolean;
}

export function newSubscriptions(): Subscriptions {
  return { accounts: new Set(), alerts: false };
}

/** Adds accounts; returns those newly added, or null when it would pass `accountsMax`. */
export function subscribeAccounts(
  socket: Subscriber, subs: Subscriptions, accountIds: readonly string[], accountsMax: number,
): string[] | null {
  const added = [...new Set(accountIds)].filter((id) => !subs.accounts.has(id));
  if (subs.accounts.size + added.length > accountsMax) return null;
  for (const id of added) {
    subs.accounts.add(id);
    socket.subscribe(`b:${id}`);
    if (!subs.alerts) socket.subscribe(`a:${id}`);
  }
  return added;
}

export function unsubscribeAccounts(socket: Subscriber, subs: Subscriptions, accountIds: readonly string[]): void {
  for (const id of accountIds) {
    if (!subs.accounts.delete(id)) continue;
    socket.unsubscribe(`b:${id}`);
    socket.unsubscribe(`a:${id}`);
  }
}

export function setAlertsChannel(socket: Subscriber, subs: Subscriptions, on: boolean): void {
  if (subs.alerts === on) return;
  subs.alerts = on;
  if (on) socket.subscribe("alerts");
  else socket.unsubscribe("alerts");
  for (const id of subs.accounts) {
    if (on) socket.unsubscribe(`a:${id}`);
    else socket.subscribe(`a:${id}`);
  }
}

export const balanceTopic = (accountId: string) => `b:${accountId}`;
export const accountAlertTopic = (accountId: string) => `a:${accountId}`;
export const ALERTS_TOPIC = "alerts";
