/** A message that went to the DLQ: the original bytes plus why and where from. */
import type { DeadLetterReason } from "../actors/reasons.ts";

export type SourceRef =
  | { readonly kind: "http" }
  | { readonly kind: "kafka"; readonly topic: string; readonly partition: number; readonly offset: string }
  | { readonly kind: "simulator" };

export interface DeadLetter {
  readonly messageId?: string;
  readonly reason: DeadLetterReason;
  readonly source: SourceRef;
  /** ISO time it was dead-lettered. */
  readonly at: string;
  /** The original bytes as text (for HTTP, the element re-serialized). */
  readonly payload: string;
}
