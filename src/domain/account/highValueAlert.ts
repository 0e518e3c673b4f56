/** The "ticker tape": a large TRANSACTION_CREATED raises an alert the moment it is applied. */
import { CURRENCY_MINOR_DIGITS } from "../currency.ts";
import type { TransactionMessage } from "./messages.ts";
import { thresholdMinor } from "../money.ts";

export interface HighValueAlert {
  readonly accountId: string;
  readonly transactionId: string;
  readonly amountMinor: number;
  readonly currency: string;
  readonly bookingDate: string;
  readonly atMs: number;
}

/** Alert thresholds in each currency's minor units, computed once from the configured major-unit figure. */
export type AlertThresholds = Readonly<Record<string, number>>;

export function alertThresholdsFor(threshold: string): AlertThresholds | null {
  const thresholds: Record<string, number> = {};
  for (const [currency, digits] of Object.entries(CURRENCY_MINOR_DIGITS)) {
    const minor = thresholdMinor(threshold, digits);
    if (minor === null) return null;
    thresholds[currency] = minor;
  }
  return thresholds;
}

export function highValueAlertOf(
  message: TransactionMessage, thresholds: AlertThresholds, atMs: number,
): HighValueAlert | null {
  if (message.eventType !== "TRANSACTION_CREATED") return null;
  const threshold = thresholds[message.currency];
  if (threshold === undefined || Math.abs(message.amountMinor) < threshold) return null;
  return {
    accountId: message.accountId, transactionId: message.transactionId, amountMinor: message.amountMinor,
    currency: message.currency, bookingDate: message.bookingDate, atMs,
  };
}
