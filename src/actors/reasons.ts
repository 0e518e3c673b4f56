/** The contract's reason codes, in one place. */

/** Why a message is invalid (rule 1). */
export const INVALID_REASONS = [
  "invalid_json",
  "invalid_schema",
  "unknown_event_type",
  "invalid_amount",
  "invalid_date",
  "unknown_currency",
  "currency_mismatch",
  "out_of_range",
] as const;
export type InvalidReason = (typeof INVALID_REASONS)[number];

/** Everything that sends a message (or a copy of it) to the DLQ. */
export type DeadLetterReason = InvalidReason | "before_eod" | "facility_not_found";

/** What happened to a message. */
export type Outcome = "applied" | "duplicate" | "ignored_older" | "dead_lettered";
export const OUTCOMES: readonly Outcome[] = ["applied", "duplicate", "ignored_older", "dead_lettered"];
