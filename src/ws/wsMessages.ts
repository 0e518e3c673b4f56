/** What a WebSocket client may send (contract section 4), as a TypeBox schema. */
import { t } from "elysia";
import { ID_LENGTH_MAX } from "../actors/messages.ts";

const AccountIds = t.Array(t.String({ minLength: 1, maxLength: ID_LENGTH_MAX }), { maxItems: 1000 });
const Channels = t.Array(t.Literal("alerts"), { maxItems: 1 });

export const ClientMessage = t.Object({
  op: t.Union([t.Literal("subscribe"), t.Literal("unsubscribe")]),
  accounts: t.Optional(AccountIds),
  channels: t.Optional(Channels),
});
export type ClientMessage = typeof ClientMessage.static;
