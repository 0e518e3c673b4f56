/** Turns balance changes and alerts into WebSocket messages, serialized once per change. */
import type { AccountState } from "../actors/accountState.ts";
import { balanceViewOf } from "../actors/balanceView.ts";
import { minorDigitsOf } from "../actors/currency.ts";
import type { HighValueAlert } from "../actors/highValueAlert.ts";
import { formatAmount } from "../actors/money.ts";
import type { SubscriptionHub } from "./subscriptionHub.ts";

export class WsPublisher {
  constructor(private readonly hub: SubscriptionHub) {}

  balanceChanged(state: AccountState): void {
    if (!this.hub.hasListeners(state.accountId)) return; // no one listens: skip the serialization
    const view = balanceViewOf(state);
    if (view !== null) this.hub.publishBalance(state.accountId, JSON.stringify({ type: "balance", ...view }));
  }

  alertRaised(alert: HighValueAlert): void {
    this.hub.publishAlert(alert.accountId, JSON.stringify(alertMessage(alert)));
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
