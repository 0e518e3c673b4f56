/**
 * A message that went to the DLQ: the original bytes plus why and where from. The schema is the
 * one source of the type and of the `GET /v1/dlq` description.
 */
import { Type, type Static } from "@sinclair/typebox";
import { InstantSchema } from "../domain/account/balanceView.ts";
import { DEAD_LETTER_REASONS } from "../domain/reasons.ts";
import { literalUnion } from "../lib/literalUnion.ts";

export const SourceRefSchema = Type.Union([
  Type.Object({ kind: Type.Literal("http") }),
  Type.Object({ kind: Type.Literal("simulator") }),
  Type.Object({ kind: Type.Literal("ledger") }),
  Type.Object({ kind: Type.Literal("kafka"), topic: Type.String(), partition: Type.Integer({ minimum: 0 }), offset: Type.String() }),
]);
export type SourceRef = Static<typeof SourceRefSchema>;

export const DeadLetterSchema = Type.Object({
  messageId: Type.Optional(Type.String()),
  reason: literalUnion(DEAD_LETTER_REASONS),
  detail: Type.Optional(Type.String({ description: "What exactly failed, e.g. which field for invalid_schema", examples: ["facilityId: is required"] })),
  source: SourceRefSchema,
  at: InstantSchema,
  payload: Type.String({ description: "The original bytes as text (for HTTP, the element re-serialized)" }),
});
export type DeadLetter = Static<typeof DeadLetterSchema>;

/** A dead letter as `GET /v1/dlq` lists it: with its sequence, and its payload maybe cut. */
export const ListedDeadLetterSchema = Type.Composite([
  Type.Object({ sequence: Type.Integer({ minimum: 1, description: "Order of arrival in this process, 1 for the first; the page cursor" }) }),
  DeadLetterSchema,
  Type.Object({
    payloadBytes: Type.Integer({ minimum: 0, description: "The full payload's size in UTF-8 bytes" }),
    payloadTruncated: Type.Boolean({ description: "True when `payload` holds only its first bytes (see the page bounds)" }),
  }),
]);
export type ListedDeadLetter = Static<typeof ListedDeadLetterSchema>;
