/**
 * Rule 1 of the contract: turn whatever arrived into a valid message, or say why it is invalid.
 * Never throws. Currency mismatch and total overflow need the account, so the transition checks them.
 */
import { TypeCompiler } from "@sinclair/typebox/compiler";
import { isCalendarDate, parseInstant, type Instant } from "../calendar.ts";
import { minorDigitsOf } from "../currency.ts";
import { ID_LENGTH_MAX, isIdentifier } from "../identifier.ts";
import {
  EodBalanceShape,
  TRANSACTION_EVENT_TYPES,
  TransactionShape,
  type BankMessage,
  type TransactionEventType,
  type TransactionMessage,
} from "./messages.ts";
import { isDecimalString, parseAmount } from "../money.ts";
import type { InvalidReason } from "../reasons.ts";

const eodShape = TypeCompiler.Compile(EodBalanceShape);
const transactionShape = TypeCompiler.Compile(TransactionShape);

export type Validated =
  | { ok: true; message: BankMessage }
  | { ok: false; reason: InvalidReason; messageId?: string; accountId?: string; type?: BankMessage["type"]; detail?: string };

/** Parses raw bytes (a Kafka record value) and validates them. */
export function validateText(text: string): Validated {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: "invalid_json" };
  }
  return validateMessage(value);
}

/** Validates an already parsed JSON value (an element of `POST /v1/events`). */
export function validateMessage(value: unknown): Validated {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { ok: false, reason: "invalid_json" };
  }
  const record = value as Record<string, any>;
  const checked = record.type === "EOD_BALANCE" ? checkEod(record) : checkTransaction(record);
  if (typeof checked !== "string") return { ok: true, message: checked };
  const failed: Validated = { ok: false, reason: checked, ...idsOf(record), ...typeOf(record) };
  if (checked === "invalid_schema") failed.detail = schemaDetailOf(record);
  return failed;
}

/**
 * Which field an invalid_schema message failed on, for its dead letter (`accountId: is required`).
 * Only on that failure path: the checks are run again to find the first one that fails.
 */
function schemaDetailOf(record: Record<string, unknown>): string {
  if (record.type !== "EOD_BALANCE" && record.type !== "TRANSACTION") return "type: must be one of EOD_BALANCE, TRANSACTION";
  const shape = record.type === "EOD_BALANCE" ? eodShape : transactionShape;
  const first = shape.Errors(record).First();
  if (first !== undefined) {
    const field = first.path.replace(/^\//, "").replaceAll("/", ".") || "message";
    return `${field}: ${first.message === "Expected required property" ? "is required" : first.message}`;
  }
  const ids = record.type === "EOD_BALANCE" ? EOD_ID_FIELDS : TRANSACTION_ID_FIELDS;
  const bad = ids.find((name) => !isIdentifier(record[name] as string)) ?? "message";
  return `${bad}: must be 1 to ${ID_LENGTH_MAX} characters of well-formed text without NUL`;
}

const EOD_ID_FIELDS = ["messageId", "accountId", "facilityId"] as const;
const TRANSACTION_ID_FIELDS = ["messageId", "accountId", "transactionId"] as const;

function checkEod(record: Record<string, any>): BankMessage | InvalidReason {
  if (!eodShape.Check(record)) return "invalid_schema";
  if (!isIdentifier(record.messageId) || !isIdentifier(record.accountId) || !isIdentifier(record.facilityId)) return "invalid_schema";
  const common = checkCommon(record.balance, record.currency, record.asOfDate, record.timestamp);
  if (typeof common === "string") return common;
  return {
    type: "EOD_BALANCE", messageId: record.messageId, accountId: record.accountId,
    facilityId: record.facilityId, balanceMinor: common.amountMinor, currency: record.currency,
    asOfDate: record.asOfDate, timestamp: common.timestamp,
  };
}

function checkTransaction(record: Record<string, any>): BankMessage | InvalidReason {
  if (!transactionShape.Check(record)) return "invalid_schema";
  if (!isIdentifier(record.messageId) || !isIdentifier(record.accountId) || !isIdentifier(record.transactionId)) return "invalid_schema";
  if (record.transferId !== undefined && !isIdentifier(record.transferId)) return "invalid_schema";
  if (!TRANSACTION_EVENT_TYPES.includes(record.eventType as TransactionEventType)) return "unknown_event_type";
  const common = checkCommon(record.amount, record.currency, record.bookingDate, record.timestamp);
  if (typeof common === "string") return common;
  const message: TransactionMessage = {
    type: "TRANSACTION", messageId: record.messageId, accountId: record.accountId,
    eventType: record.eventType as TransactionEventType, transactionId: record.transactionId,
    amountMinor: common.amountMinor, currency: record.currency, bookingDate: record.bookingDate,
    timestamp: common.timestamp,
  };
  return record.transferId === undefined ? message : { ...message, transferId: record.transferId };
}

/** The checks both messages share, in the contract's order of reasons. */
function checkCommon(
  amount: unknown, currency: string, date: string, timestampText: string,
): { amountMinor: number; timestamp: Instant } | InvalidReason {
  if (!isDecimalString(amount)) return "invalid_amount";
  const timestamp = parseInstant(timestampText);
  if (!isCalendarDate(date) || timestamp === null) return "invalid_date";
  const minorDigits = minorDigitsOf(currency);
  if (minorDigits === undefined) return "unknown_currency";
  const parsed = parseAmount(amount, minorDigits);
  return parsed.ok ? { amountMinor: parsed.minor, timestamp } : parsed.reason;
}

/** Ids of an invalid message, when it has usable ones (clipped to the bound), so the DLQ and the response can name it. */
function idsOf(record: Record<string, unknown>): { messageId?: string; accountId?: string } {
  const ids: { messageId?: string; accountId?: string } = {};
  const messageId = usableId(record.messageId);
  const accountId = usableId(record.accountId);
  if (messageId !== undefined) ids.messageId = messageId;
  if (accountId !== undefined) ids.accountId = accountId;
  return ids;
}

/** The message's type when it is one of the two, so that the metrics can name its topic. */
function typeOf(record: Record<string, unknown>): { type?: BankMessage["type"] } {
  return record.type === "EOD_BALANCE" || record.type === "TRANSACTION" ? { type: record.type } : {};
}

function usableId(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const clipped = value.slice(0, ID_LENGTH_MAX);
  return isIdentifier(clipped) ? clipped : undefined;
}
