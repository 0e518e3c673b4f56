/**
 * After a recovery the Postgres copy converges on every recovered account (a write a crash lost
 * is made again). The dormant ones are walked here in the background, a chunk at a time: each is
 * read for its row without being built whole, and stays dormant; the walk waits while the copy's backlog
 * is above its bound, so a restart on 1M accounts neither holds 1M rows at once nor keeps
 * messages and reads waiting behind a long turn of the event loop. An account woken meanwhile
 * is copied as it is now. A text that does not decode is reported here, within seconds of the
 * recovery, rather than only when the account is first used (where it fails again, loudly).
 * The walk begins once the whole assignment is recovered: it would otherwise slow the loading of
 * the shards after this one, and readiness waits for all of them.
 */
import type { Logger } from "../observability/log.ts";
import type { AccountRuntime } from "./accountRuntime.ts";
import type { AccountRow } from "./ports.ts";

/** Accounts copied between two looks at the backlog (and two turns of the event loop). */
export const DORMANT_COPY_CHUNK = 1000;
/** The copy's pending rows above which the walk waits. */
export const DORMANT_COPY_BACKLOG_MAX = 5000;
/** How often a waiting walk looks again. */
const BACKLOG_WAIT_MS = 20;

export interface DormantCopyDeps {
  readonly runtime: AccountRuntime;
  /** Hands the account's row to the Postgres copy. */
  readonly copy: (row: AccountRow) => void;
  /** Rows the copy has not written yet. */
  readonly backlog: () => number;
  readonly isStopping: () => boolean;
  /** True while shards of the current assignment are still being recovered. */
  readonly isRecovering: () => boolean;
  readonly log: Logger;
}

/** Copies the shard's dormant accounts; resolves to how many were copied (stops early if the shard is let go). */
export async function copyDormantAccounts(deps: DormantCopyDeps, shardId: number): Promise<number> {
  const dormant = deps.runtime.dormantOf(shardId);
  const accountIds = [...dormant.keys()];
  let copied = 0;
  for (let i = 0; i < accountIds.length; i++) {
    if (i % DORMANT_COPY_CHUNK === 0) {
      await Bun.sleep(0);
      while ((deps.isRecovering() || deps.backlog() > DORMANT_COPY_BACKLOG_MAX) && !deps.isStopping()) await Bun.sleep(BACKLOG_WAIT_MS);
      // Another recovery replaced the shard, or its partition went elsewhere: that shard's walk is not ours.
      if (deps.isStopping() || deps.runtime.dormantOf(shardId) !== dormant) return copied;
    }
    if (copyOne(deps, shardId, accountIds[i]!)) copied += 1;
  }
  return copied;
}

function copyOne(deps: DormantCopyDeps, shardId: number, accountId: string): boolean {
  let row: AccountRow | null | undefined;
  try {
    row = deps.runtime.rowOf(accountId);
  } catch (error) {
    deps.log.error("snapshot_account_corrupt", { shardId, accountId, error: String(error) });
    return false;
  }
  if (row === undefined || row === null) return false;
  deps.copy(row);
  return true;
}
