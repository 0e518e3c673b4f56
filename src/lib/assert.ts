/**
 * Programmer errors fail loudly (TigerBeetle's assertions): a broken invariant is never an error
 * value. Bad input and outages are values; they never reach an assert.
 */
export function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`invariant: ${message}`);
}

/** A positive safe integer, for sizes and intervals given to a constructor. */
export function assertPositiveInteger(name: string, value: number): void {
  assert(Number.isSafeInteger(value) && value >= 1, `${name} must be a positive integer, got ${value}`);
}
