/** A message as it arrived, and what became of it (the `POST /v1/events` result of each element). */
import { Type, type Static } from "@sinclair/typebox";
import { literalUnion } from "../lib/literalUnion.ts";
import { DEAD_LETTER_REASONS, OUTCOMES, WARNINGS } from "../domain/reasons.ts";
import type { SourceRef } from "./deadLetter.ts";

/** Raw text (a Kafka record value) or a parsed JSON value (an HTTP element). */
export interface Inbound {
  readonly text?: string;
  readonly value?: unknown;
  readonly source: SourceRef;
  /** The Kafka partition it came from; computed from the account id when absent. */
  readonly shard?: number;
}

export const MessageResultSchema = Type.Object({
  messageId: Type.Optional(Type.String()),
  outcome: literalUnion(OUTCOMES),
  reason: Type.Optional(literalUnion(DEAD_LETTER_REASONS)),
  warning: Type.Optional(literalUnion(WARNINGS)),
});
export type MessageResult = Static<typeof MessageResultSchema>;
