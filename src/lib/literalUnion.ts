/** A TypeBox schema for one of a list of string codes, from the `as const` list that defines them. */
import { Type, type TLiteral, type TUnion } from "@sinclair/typebox";

/** The tuple of literal schemas of a tuple of codes: Elysia infers a tuple union, not an array one. */
type LiteralsOf<T extends readonly string[]> = { -readonly [K in keyof T]: TLiteral<T[K]> };

export function literalUnion<const T extends readonly string[]>(values: T, options: { description?: string } = {}): TUnion<LiteralsOf<T>> {
  return Type.Union(values.map((value) => Type.Literal(value)), options) as unknown as TUnion<LiteralsOf<T>>;
}
