-- Numbered 004: number 003 is audit_events, added by the authentication work.
-- The event log in the SQL store, for an engine without ClickHouse (the embedded mode): the same
-- rows as ClickHouse's transaction_events. The unique key is the log's order (at_ms, seq) within
-- an account; a retried insert of the same row conflicts with it and is skipped, so each row is
-- stored once. id is the insertion order, which the retention drops the oldest rows by.
CREATE SCHEMA IF NOT EXISTS eventlog;

CREATE TABLE IF NOT EXISTS eventlog.transaction_events (
  id                   bigserial PRIMARY KEY,
  at_ms                bigint NOT NULL,
  seq                  bigint NOT NULL,
  account_id           text NOT NULL,
  message_id           text NOT NULL,
  type                 text NOT NULL,
  event_type           text NOT NULL,
  transaction_id       text NOT NULL,
  facility_id          text NOT NULL,
  amount_minor         bigint NOT NULL,
  currency             text NOT NULL,
  booking_date         text NOT NULL,
  as_of_date           text NOT NULL,
  message_epoch_s      bigint NOT NULL,
  message_nanos        integer NOT NULL,
  outcome              text NOT NULL,
  reason               text NOT NULL,
  source_kind          text NOT NULL,
  source_topic         text NOT NULL,
  source_partition     integer NOT NULL,
  source_offset        bigint NOT NULL,
  has_figures          smallint NOT NULL,
  version              bigint NOT NULL,
  origin_ms            bigint NOT NULL,
  updated_at_ms        bigint NOT NULL,
  eod_known            smallint NOT NULL,
  eod_balance_minor    bigint NOT NULL,
  eod_date             text NOT NULL,
  intraday_minor       bigint NOT NULL,
  facility_limit_known smallint NOT NULL,
  facility_limit_minor bigint NOT NULL,
  holds_minor          bigint NOT NULL,
  state_currency       text NOT NULL
);

CREATE UNIQUE INDEX IF NOT EXISTS transaction_events_account_order
  ON eventlog.transaction_events (account_id, at_ms, seq, message_id);
CREATE INDEX IF NOT EXISTS transaction_events_figures
  ON eventlog.transaction_events (account_id, updated_at_ms) WHERE has_figures = 1;
