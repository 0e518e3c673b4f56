/** What this instance knows about a shard (a partition of both input topics) it owns. */
export interface OwnedShard {
  /** The epoch it was claimed with; snapshot writes carry it and are fenced by it. */
  epoch: number;
  /** topic → next offset to apply; a record below it is already inside the state. */
  readonly nextOffsets: Record<string, string>;
  /** Accounts changed since the last snapshot. */
  readonly dirty: Set<string>;
  /** Offsets as of the last snapshot, to skip a write when nothing moved. */
  snapshotOffsets: string;
}

export function newOwnedShard(epoch: number, nextOffsets: Record<string, string>): OwnedShard {
  return { epoch, nextOffsets: { ...nextOffsets }, dirty: new Set(), snapshotOffsets: JSON.stringify(nextOffsets) };
}
