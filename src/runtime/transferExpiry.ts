/**
 * The 2FA deadline: a PENDING_2FA transfer not confirmed within TRANSFER_2FA_TIMEOUT_MS ends
 * EXPIRED and its hold is released. One timer sweeps the deadlines (at most one entry per open
 * transfer, so bounded by the holds); recovered transfers are armed again with their own deadline.
 */
import type { Transfer } from "../domain/transfer/transfer.ts";

const SWEEP_MS = 1000;

interface Deadline {
  readonly accountId: string;
  readonly atMs: number;
}

export class TransferExpiry {
  private readonly deadlines = new Map<string, Deadline>();
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly timeoutMs: number,
    /** Ends the transfer EXPIRED if it is still pending; false when it had moved on. */
    private readonly expire: (accountId: string, transferId: string) => Promise<boolean>,
    private readonly now: () => number,
  ) {}

  arm(transfer: Transfer): void {
    this.deadlines.set(transfer.transferId, { accountId: transfer.fromAccountId, atMs: transfer.createdAtMs + this.timeoutMs });
  }

  start(): void {
    this.timer = setInterval(() => void this.sweep(), SWEEP_MS);
    this.timer.unref?.(); // the sweep alone never keeps a process running
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  get armed(): number {
    return this.deadlines.size;
  }

  /** Expires every transfer past its deadline; a confirmed or cancelled one is just forgotten. */
  async sweep(): Promise<void> {
    const nowMs = this.now();
    for (const [transferId, deadline] of this.deadlines) {
      if (deadline.atMs > nowMs) continue;
      this.deadlines.delete(transferId);
      await this.expire(deadline.accountId, transferId).catch(() => this.deadlines.set(transferId, deadline));
    }
  }
}
