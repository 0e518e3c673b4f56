/** Schema errors described the same way wherever a schema checks input: HTTP, WebSocket, configuration. */

/**
 * What is wrong with a value, from the TypeBox error's message and the schema it failed, in words
 * a client can act on: the allowed values of an enum, the known fields, the bounds of a number.
 */
export function problemOf(message: string | undefined, schema: Record<string, unknown>, summary?: string): string {
  const allowed = allowedValuesOf(schema);
  if (allowed !== null) return `must be one of ${allowed.join(", ")}`;
  if (message === "Unexpected property") {
    const known = Object.keys((schema.properties as Record<string, unknown> | undefined) ?? {});
    return known.length === 0 ? "is not allowed here" : `is not allowed here (allowed: ${known.join(", ")})`;
  }
  if (message === "Expected required property") return "is required";
  // A number, or Elysia's coercion of one (it keeps `type` beside its `anyOf`).
  if (schema.type === "number" || schema.type === "integer") return `must be ${describeNumber(schema)}`;
  return summary ?? message ?? "invalid";
}

/** The values of an enum, written as TypeBox literals (`anyOf` of `const`) or as `enum`. */
function allowedValuesOf(schema: Record<string, unknown>): string[] | null {
  if (Array.isArray(schema.enum)) return schema.enum.map(String);
  const variants = schema.anyOf;
  if (!Array.isArray(variants) || variants.length === 0) return null;
  const consts = variants.map((variant) => (variant as { const?: unknown }).const);
  return consts.every((value) => typeof value === "string" || typeof value === "number") ? consts.map(String) : null;
}

function describeNumber(schema: Record<string, unknown>): string {
  const kind = schema.type === "integer" || schema.multipleOf === 1 ? "an integer" : "a number";
  const { minimum, maximum } = schema;
  if (typeof minimum === "number" && typeof maximum === "number") return `${kind} from ${minimum} to ${maximum}`;
  if (typeof minimum === "number") return `${kind} of at least ${minimum}`;
  if (typeof maximum === "number") return `${kind} of at most ${maximum}`;
  return kind;
}
