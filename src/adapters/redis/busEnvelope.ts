/**
 * The wire form of one PUBLISH on the balance bus: `<sender>\n<hmac>\n<json>`. Anyone who can
 * reach Redis can publish on a channel, so each batch is signed (HMAC-SHA256 of `<sender>\n<json>`
 * with REDIS_BUS_SECRET, compared in constant time) and its content is checked against a schema
 * before a single message is pushed to a WebSocket client. The sender comes first, in clear, so
 * an instance drops its own batches without verifying or parsing them.
 */
import { Type, type Static } from "@sinclair/typebox";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import { createHmac, timingSafeEqual } from "node:crypto";
import { IdSchema } from "../../domain/identifier.ts";

/** Messages in one batch, and the size of one pushed message, at most. */
export const BUS_BATCH_MESSAGES_MAX = 10_000;
export const BUS_MESSAGE_BYTES_MAX = 64 * 1024;

const BusBatchSchema = Type.Array(
  Type.Object({
    kind: Type.Union([Type.Literal("balance"), Type.Literal("alert"), Type.Literal("transfer")]),
    /** For a transfer: its source account. */
    accountId: IdSchema,
    /** Set for a transfer: its subscribers hear of it too. */
    transferId: Type.Optional(IdSchema),
    /** The WebSocket message, already serialized. */
    data: Type.String({ maxLength: BUS_MESSAGE_BYTES_MAX }),
  }, { additionalProperties: false }),
  { maxItems: BUS_BATCH_MESSAGES_MAX },
);
export type BusMessage = Static<typeof BusBatchSchema>[number];
const busBatch = TypeCompiler.Compile(BusBatchSchema);

export type OpenedBatch =
  | { readonly ok: true; readonly sender: string; readonly messages: readonly BusMessage[] }
  | { readonly ok: false; readonly reason: "malformed" | "bad_signature" | "invalid_json" | "invalid_schema"; readonly sender?: string };

export function sealBusBatch(sender: string, secret: string, messages: readonly BusMessage[]): string {
  const json = JSON.stringify(messages);
  return `${sender}\n${signatureOf(secret, sender, json)}\n${json}`;
}

/** The sender of a batch, read without verifying anything (to skip one's own). */
export function senderOf(text: string): string {
  const end = text.indexOf("\n");
  return end === -1 ? "" : text.slice(0, end);
}

export function openBusBatch(text: string, secret: string): OpenedBatch {
  const first = text.indexOf("\n");
  const second = first === -1 ? -1 : text.indexOf("\n", first + 1);
  if (second === -1) return { ok: false, reason: "malformed" };
  const sender = text.slice(0, first);
  const json = text.slice(second + 1);
  if (!sameSignature(text.slice(first + 1, second), signatureOf(secret, sender, json))) return { ok: false, reason: "bad_signature", sender };
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return { ok: false, reason: "invalid_json", sender };
  }
  if (!busBatch.Check(value)) return { ok: false, reason: "invalid_schema", sender };
  return { ok: true, sender, messages: value };
}

function signatureOf(secret: string, sender: string, json: string): string {
  return createHmac("sha256", secret).update(sender).update("\n").update(json).digest("hex");
}

function sameSignature(given: string, expected: string): boolean {
  const [a, b] = [Buffer.from(given), Buffer.from(expected)];
  return a.length === b.length && timingSafeEqual(a, b);
}
