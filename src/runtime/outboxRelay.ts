/**
 * The outbox relay: sends what the ledger's transactions left in the outbox (the legs, the
 * failures) and deletes each item once its send resolved. At least once: an item sent just before
 * a crash is sent again, and its receiver ignores it (a leg's ids are fixed; a status change the
 * engine has changes nothing). Runs after every commit (nudged) and every `idleMs` otherwise;
 * while sends fail it backs off.
 */
import { Backoff } from "../lib/backoff.ts";
import type { Logger } from "../observability/log.ts";
import type { LedgerOutlet, Outbox } from "./ports.ts";

/** Items sent together at most (one outbox read, one send). */
export const OUTBOX_BATCH_MAX = 2000;

export interface OutboxRelayOptions {
  readonly outbox: Outbox;
  readonly outlet: LedgerOutlet;
  readonly log: Logger;
  readonly idleMs: number;
  readonly sent: (count: number) => void;
}

export class OutboxRelay {
  private running: Promise<void> | null = null;
  private stopped = false;
  private nudged = false;
  private wake: (() => void) | null = null;
  private readonly backoff = new Backoff(100, 5000);

  constructor(private readonly options: OutboxRelayOptions) {}

  start(): void {
    this.running ??= this.loop();
  }

  /** Something was committed: look now. */
  nudge(): void {
    this.nudged = true;
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.running;
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      this.nudged = false;
      const sent = await this.relayOnce();
      if (sent === OUTBOX_BATCH_MAX || (sent >= 0 && this.nudged)) continue;
      await this.sleep(sent < 0 ? this.backoff.delayMs() : this.options.idleMs);
    }
  }

  /** Items sent, or -1 when the outbox or the outlet failed. */
  private async relayOnce(): Promise<number> {
    try {
      const sent = await this.options.outbox.drain(OUTBOX_BATCH_MAX, (items) => this.options.outlet.send(items));
      this.backoff.succeeded();
      if (sent > 0) this.options.sent(sent);
      return sent;
    } catch (error) {
      const delayMs = this.backoff.failed();
      if (this.backoff.failuresInARow === 1 || this.backoff.failuresInARow % 20 === 0) {
        this.options.log.warn("outbox_relay_failed", { error: String(error), failuresInARow: this.backoff.failuresInARow, delayMs });
      }
      return -1;
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done() {
        clearTimeout(timer);
        self.wake = null;
        resolve();
      }
      this.wake = done;
    });
  }
}
