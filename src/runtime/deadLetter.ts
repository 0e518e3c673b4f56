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
