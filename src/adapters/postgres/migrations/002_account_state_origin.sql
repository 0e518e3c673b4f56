-- The origin of an account's state (AccountState.originMs): rows are ordered by (origin, version),
-- because a restart without a snapshot starts versions again at 1. Rows written before this
-- migration keep origin 0, as do the states loaded from snapshots written before it, so their
-- versions still compare as they did.
ALTER TABLE datalake.account ADD COLUMN IF NOT EXISTS state_origin_ms bigint NOT NULL DEFAULT 0;
