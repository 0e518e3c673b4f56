/** The dead letter of an inbound message: its original bytes (HTTP: the element re-serialized), why, and where from. */
import type { DeadLetterReason } from "../domain/reasons.ts";
import type { DeadLetter } from "./deadLetter.ts";
import type { Inbound } from "./inbound.ts";

export function deadLetterOf(reason: DeadLetterReason, messageId: string | undefined, inbound: Inbound, nowMs: number, detail?: string): DeadLetter {
  const payload = inbound.text ?? serialized(inbound.value);
  const letter: DeadLetter = { reason, source: inbound.source, at: new Date(nowMs).toISOString(), payload };
  if (messageId !== undefined) letter.messageId = messageId;
  if (detail !== undefined) letter.detail = detail;
  return letter;
}

/** The element as JSON text; one that cannot be serialized (too deep for the stack) is named, not thrown. */
function serialized(value: unknown): string {
  try {
    return JSON.stringify(value) ?? "null";
  } catch (error) {
    return `<not serializable: ${String(error)}>`;
  }
}
