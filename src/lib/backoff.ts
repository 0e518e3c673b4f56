/**
 * Exponential backoff: the delay doubles with each failure in a row, from `delayMsMin` up to
 * `delayMsMax`, and starts again after a success. The one retry schedule of the process.
 */
import { assert, assertPositiveInteger } from "./assert.ts";

export class Backoff {
  private failures = 0;

  constructor(readonly delayMsMin: number, readonly delayMsMax: number) {
    assertPositiveInteger("delayMsMin", delayMsMin);
    assert(delayMsMax >= delayMsMin, `delayMsMax ${delayMsMax} is below delayMsMin ${delayMsMin}`);
  }

  /** Failures since the last success. */
  get failuresInARow(): number {
    return this.failures;
  }

  /** Records a failure; returns how long to wait before the next attempt. */
  failed(): number {
    this.failures += 1;
    return this.delayMs();
  }

  /** The wait after the latest failure (0 while healthy). */
  delayMs(): number {
    if (this.failures === 0) return 0;
    return Math.min(this.delayMsMax, this.delayMsMin * 2 ** Math.min(this.failures - 1, 30));
  }

  succeeded(): void {
    this.failures = 0;
  }
}
