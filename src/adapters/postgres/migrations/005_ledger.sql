-- The ledger (contract section 7): approved transfers posted as double-entry transactions by the
-- ledger worker. Amounts are BIGINT minor units. A transfer is posted at most once: its id is the
-- transaction's primary key. The outbox holds what the relay still has to send (the two legs to
-- bank.transactions, or a failure to the engine), written in the same transaction as the posting.
CREATE SCHEMA IF NOT EXISTS ledger;
CREATE TABLE IF NOT EXISTS ledger.transactions (
  id              text PRIMARY KEY,
  idempotency_key text NOT NULL,
  type            text NOT NULL,
  status          text NOT NULL CHECK (status IN ('POSTED', 'FAILED')),
  from_account_id text NOT NULL,
  to_account_id   text NOT NULL,
  amount          bigint NOT NULL CHECK (amount > 0),
  currency        text NOT NULL,
  risk_score      double precision NOT NULL,
  metadata        jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at      timestamptz NOT NULL,
  posted_at       timestamptz
);
CREATE TABLE IF NOT EXISTS ledger.accounts (
  id         text PRIMARY KEY,
  currency   text NOT NULL,
  balance    bigint NOT NULL DEFAULT 0,
  version    bigint NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS ledger.entries (
  id             bigserial PRIMARY KEY,
  transaction_id text NOT NULL REFERENCES ledger.transactions (id),
  account_id     text NOT NULL REFERENCES ledger.accounts (id),
  direction      text NOT NULL CHECK (direction IN ('DEBIT', 'CREDIT')),
  amount         bigint NOT NULL CHECK (amount > 0),
  balance_after  bigint NOT NULL,
  created_at     timestamptz NOT NULL,
  UNIQUE (transaction_id, direction)
);
CREATE INDEX IF NOT EXISTS entries_account ON ledger.entries (account_id, id);
CREATE TABLE IF NOT EXISTS ledger.outbox (
  id         bigserial PRIMARY KEY,
  kind       text NOT NULL CHECK (kind IN ('leg', 'failed')),
  key        text NOT NULL,
  payload    text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
