/**
 * Seeds of the randomized tests, so that a failure can be replayed: every failure prints
 * `SEED=<n>`, and `SEED=<n> bun test <file>` runs the same case again (the property tests take
 * fast-check's shrinking path from `SEED_PATH` too, when it is given; a path belongs to one
 * property, so run that test alone with `-t <name>`).
 */
import fc from "fast-check";

/** SEED from the environment, or a fresh random one. */
export function testSeed(): number {
  const text = process.env.SEED;
  if (text === undefined || text === "") return Math.floor(Math.random() * 2 ** 31);
  const seed = Number(text);
  if (!Number.isSafeInteger(seed)) throw new Error(`SEED must be an integer, not ${text}`);
  return seed;
}

/** Runs `body` and, when it fails, says how to run it again with this seed. */
export async function withSeed<T>(seed: number, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    console.error(`replay this failure with SEED=${seed}`);
    throw error;
  }
}

/** fast-check's assert with a replayable seed; `numRuns` as given. */
export function assertProperty<Ts extends [unknown, ...unknown[]]>(
  property: fc.IProperty<Ts>, options: { numRuns?: number } = {},
): void {
  const seed = testSeed();
  const path = process.env.SEED_PATH || undefined;
  try {
    fc.assert(property, { ...options, seed, path });
  } catch (error) {
    console.error(`replay this failure with SEED=${seed}${failurePath(error)}`);
    throw causeOf(error);
  }
}

/** The same for an async property. */
export async function assertAsyncProperty<Ts extends [unknown, ...unknown[]]>(
  property: fc.IAsyncProperty<Ts>, options: { numRuns?: number } = {},
): Promise<void> {
  const seed = testSeed();
  const path = process.env.SEED_PATH || undefined;
  try {
    await fc.assert(property, { ...options, seed, path });
  } catch (error) {
    console.error(`replay this failure with SEED=${seed}${failurePath(error)}`);
    throw causeOf(error);
  }
}

/**
 * fast-check's own error names the counterexample; the assertion that failed (with its diff) is
 * its cause. Throw that, with fast-check's report in front of it.
 */
function causeOf(error: unknown): unknown {
  if (!(error instanceof Error) || !(error.cause instanceof Error)) return error;
  error.cause.message = `${error.message.split("\n").slice(0, 3).join("\n")}\n\n${error.cause.message}`;
  return error.cause;
}

/** fast-check names the shrunk counterexample's path in its message: pass it on. */
function failurePath(error: unknown): string {
  const match = /path: "([^"]*)"/.exec(String(error));
  return match === null ? "" : ` SEED_PATH=${match[1]}`;
}
