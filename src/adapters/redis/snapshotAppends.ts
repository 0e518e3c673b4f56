/**
 * Snapshot writes that append. A busy account's dedupe window is most of its value (KBs), and
 * each snapshot used to send it whole every second: in bench e2e-latency that was MBs a second
 * for Redis to parse and store on the engine's cores, and the engine's p99 at 10k msg/s went
 * from 10.6 ms without snapshots to 19.8 ms with them. Now an account whose window only grew
 * since its last acknowledged write sends its head (everything but the window) and the window's
 * new ids and words; the write script splices them into the stored value, which stays byte for
 * byte what `encodeAccount` writes (recovery, dormant accounts and remote reads see no change).
 *
 * The script checks, before it writes anything, that each stored value is exactly the one this
 * engine last had acknowledged (its length and its separators where they must be). A value that
 * is not (a write whose answer was lost and that did land, Redis restarted, another writer) is
 * "diverged": nothing is written, and the write is sent again with those accounts whole. So an
 * append never lands twice, and the offsets are never stored beside an account that was not.
 */
import type { WindowMark } from "../../domain/account/dedupeWindow.ts";
import type { AccountState } from "../../domain/account/accountState.ts";
import { assembleAccount, encodeAccountPieces, encodeHead } from "./accountCodec.ts";

/**
 * What the stored value of an account holds once its write is acknowledged: the window as it was
 * encoded (its mark, flattened: one object per account) and the byte lengths of the pieces.
 */
interface Written extends WindowMark {
  readonly headBytes: number;
  readonly idsBytes: number;
  readonly wordsBytes: number;
  readonly datesBytes: number;
  /** `SnapshotAppends.epoch` when it was written: a store that lost its data invalidates every one. */
  readonly epoch: number;
}

/** The records of one write (the script's arguments after the offsets), and what each account's value will be once acknowledged. */
export interface AppendBatch {
  readonly args: string[];
  readonly pending: [AccountState, Written][];
  readonly appended: number;
}

export class SnapshotAppends {
  private readonly written = new WeakMap<AccountState, Written>();
  private epoch = 0;

  /**
   * The records for `accounts`: "f", field, value (whole), or "d", field, head, new ids, new
   * words, dates, and where the stored value's pieces are (appended). A string account is
   * already encoded (dormant) and goes whole; so do the ids in `whole`.
   */
  batch(accounts: ReadonlyMap<string, AccountState | string>, whole: ReadonlySet<string>): AppendBatch {
    const args: string[] = [];
    const pending: [AccountState, Written][] = [];
    let appended = 0;
    for (const [accountId, state] of accounts) {
      if (typeof state === "string") {
        args.push("f", accountId, state);
        continue;
      }
      const before = whole.has(accountId) ? undefined : this.written.get(state);
      const parts = before === undefined || before.epoch !== this.epoch ? null : state.dedupe.partsSince(before);
      if (before === undefined || parts === null) {
        pending.push([state, this.wholeRecord(args, accountId, state)]);
        continue;
      }
      const head = encodeHead(state);
      const { headBytes, idsBytes, wordsBytes, datesBytes } = before;
      const total = headBytes + 2 + idsBytes + 3 + wordsBytes + 2 + datesBytes + 1;
      const idsEnd = headBytes + 2 + idsBytes; // 1-based, as Lua counts
      args.push("d", accountId, head, parts.ids, parts.words, parts.dates, String(total), String(headBytes + 3), String(idsEnd), String(idsEnd + 3 + wordsBytes));
      pending.push([state, {
        ...state.dedupe.mark(), headBytes: Buffer.byteLength(head), idsBytes: idsBytes + Buffer.byteLength(parts.ids),
        wordsBytes: wordsBytes + parts.words.length, datesBytes: parts.dates.length, epoch: this.epoch,
      }]);
      appended += 1;
    }
    return { args, pending, appended };
  }

  /** The batch's write was acknowledged: its values are what Redis holds now. */
  acknowledged(batch: AppendBatch): void {
    for (const [state, written] of batch.pending) this.written.set(state, written);
  }

  /** The store lost its data (Redis restarted empty): every next write is whole. */
  forgetAll(): void {
    this.epoch += 1;
  }

  private wholeRecord(args: string[], accountId: string, state: AccountState): Written {
    const { head, window } = encodeAccountPieces(state);
    args.push("f", accountId, assembleAccount(head, window));
    return {
      ...state.dedupe.mark(), headBytes: Buffer.byteLength(head), idsBytes: Buffer.byteLength(window.ids),
      wordsBytes: window.words.length, datesBytes: window.dates.length, epoch: this.epoch,
    };
  }
}
