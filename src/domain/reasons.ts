/** The contract's reason and outcome codes, in one place. */

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

const INVALID_REASON_SET: ReadonlySet<string> = new Set(INVALID_REASONS);

/** Rule 1's reasons, also those the transition finds (currency_mismatch, out_of_range need the account). */
export function isInvalidReason(reason: string): reason is InvalidReason {
  return INVALID_REASON_SET.has(reason);
}

/** Everything that sends a message (or a copy of it) to the DLQ. */
export const DEAD_LETTER_REASONS = [...INVALID_REASONS, "before_eod", "facility_not_found", "facility_unavailable"] as const;
export type DeadLetterReason = (typeof DEAD_LETTER_REASONS)[number];

/** What happened to a message. */
export const OUTCOMES = ["applied", "duplicate", "ignored_older", "dead_lettered"] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** An applied message that needs attention: its EOD's facility limit is not known (yet). */
export const WARNINGS = ["facility_not_found", "facility_unavailable"] as const;
export type Warning = (typeof WARNINGS)[number];
