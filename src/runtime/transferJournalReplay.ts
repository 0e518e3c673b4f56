/**
 * The journal read back (after a restart, or by the instance that takes a partition over): each
 * record is recorded in its source account's actor, in order with the account's other inputs. A
 * fact already there (a snapshot taken after it, or this instance's own write read back) changes
 * nothing. A record that is not one is counted and skipped: the journal is the engines' own.
 */
import type { AccountRuntime } from "./accountRuntime.ts";
import type { TransferJournalReplay as TransferJournalReplayPort } from "./ports.ts";
import { parseJournalRecord } from "./transferJournalRecord.ts";
import type { TransferRecorder } from "./transferRecorder.ts";

export class TransferJournalReplay implements TransferJournalReplayPort {
  constructor(
    private readonly runtime: AccountRuntime,
    private readonly recorder: TransferRecorder,
    private readonly skipped: () => void,
  ) {}

  replay(text: string, shardId: number): void | Promise<void> {
    const record = parseJournalRecord(text);
    if (record === null) return this.skipped();
    if (record.kind === "decided") {
      const transfer = record.transfer;
      return void this.runtime.run(shardId, transfer.fromAccountId, (state) => this.recorder.decided(state, shardId, transfer));
    }
    const { transferId, fromAccountId, status, atMs } = record;
    return void this.runtime.run(shardId, fromAccountId, (state) => this.recorder.statusChanged(state, shardId, transferId, status, atMs));
  }
}
