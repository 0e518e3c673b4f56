/** Turns balance changes and alerts into WebSocket messages, serialized once per change. */
import type { AccountState } from "../domain/account/accountState.ts";
import { balanceViewOf, type BalanceView } from "../domain/account/balanceView.ts";
import type { HighValueAlert } from "../domain/account/highValueAlert.ts";
import { minorDigitsOf } from "../domain/currency.ts";
import { formatAmount } from "../domain/money.ts";
import type { SubscriptionHub } from "./subscriptionHub.ts";
import type { TransferView } from "../domain/transfer/transferView.ts";
import { transferSubscriptionKey, type AlertMessage, type BalanceMessage, type TransferMessage } from "./wsMessages.ts";

/** Where updates go for clients connected to other instances (Redis pub/sub), when there are several. */
export interface RemotePush {
  /** False while no other instance listens: nothing needs serializing for them. */
  readonly hasOtherListeners: boolean;
  publish(message: { kind: "balance" | "alert" | "transfer"; accountId: string; transferId?: string; data: string }): void;
}

export class WsPublisher {
  constructor(private readonly hub: SubscriptionHub, private readonly remote: RemotePush | null = null) {}

  balanceChanged(state: AccountState): void {
    // No one listens here or elsewhere: skip the serialization.
    if (!this.hub.hasListeners(state.accountId) && this.remote?.hasOtherListeners !== true) return;
    const view = balanceViewOf(state);
    if (view === null) return;
    const data = JSON.stringify(balanceMessage(view));
    this.hub.publishBalance(state.accountId, data);
    this.remote?.publish({ kind: "balance", accountId: state.accountId, data });
  }

  /** To the transfer's subscribers and its source account's, here and on the other instances. */
  transferChanged(view: TransferView): void {
    const key = transferSubscriptionKey(view.transferId);
    if (!this.hub.hasListeners(key) && !this.hub.hasListeners(view.fromAccountId) && this.remote?.hasOtherListeners !== true) return;
    const message: TransferMessage = { type: "transfer", ...view };
    const data = JSON.stringify(message);
    this.hub.publishBalance(key, data, false);
    this.hub.publishBalance(view.fromAccountId, data);
    this.remote?.publish({ kind: "transfer", accountId: view.fromAccountId, transferId: view.transferId, data });
  }

  alertRaised(alert: HighValueAlert): void {
    const data = JSON.stringify(alertMessage(alert));
    this.hub.publishAlert(alert.accountId, data);
    this.remote?.publish({ kind: "alert", accountId: alert.accountId, data });
  }
}

export function balanceMessage(view: BalanceView): BalanceMessage {
  return { type: "balance", ...view };
}

export function alertMessage(alert: HighValueAlert): AlertMessage {
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
