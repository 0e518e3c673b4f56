/** Pushes balance changes and alerts to WebSocket subscribers, serialized once per change. */
import type { AccountState } from "../actors/accountState.ts";
import { balanceViewOf } from "../actors/balanceView.ts";
import { minorDigitsOf } from "../actors/currency.ts";
import type { HighValueAlert } from "../actors/highValueAlert.ts";
import { formatAmount } from "../actors/money.ts";
import { ALERTS_TOPIC, accountAlertTopic, balanceTopic, type Publisher } from "./subscriptionHub.ts";

export class WsPublisher {
  private server: Publisher | null = null;

  /** Set once the server listens; until then there is nobody to push to. */
  attach(server: Publisher): void {
    this.server = server;
  }

  balanceChanged(state: AccountState): void {
    const server = this.server;
    if (server === null) return;
    const topic = balanceTopic(state.accountId);
    if (server.subscriberCount(topic) === 0) return; // no one listens: skip the serialization
    const view = balanceViewOf(state);
    if (view !== null) server.publish(topic, JSON.stringify({ type: "balance", ...view }));
  }

  alertRaised(alert: HighValueAlert): void {
    const server = this.server;
    if (server === null) return;
    const data = JSON.stringify(alertMessage(alert));
    server.publish(ALERTS_TOPIC, data);
    server.publish(accountAlertTopic(alert.accountId), data);
  }
}

export function alertMessage(alert: HighValueAlert) {
  return {
    type: "alert",
    kind: "high_value",
    accountId: alert.accountId,
    transactionId: alert.transactionId,
    amount: formatAmount(alert.amountMinor, minorDigitsOf(alert.currency)!),
    currency: alert.currency,
    bookingDate: alert.bookingDate,
    at: new Date(alert.atMs).toISOString(),
  };
}
