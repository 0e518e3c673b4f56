-- The engine's tables (contract section 5). Written with IF NOT EXISTS: databases created before
-- migrations were numbered already have them.
CREATE SCHEMA IF NOT EXISTS datasource;
CREATE SCHEMA IF NOT EXISTS datalake;

CREATE TABLE IF NOT EXISTS datasource.facility (
  facility_id    text PRIMARY KEY,
  facility_limit bigint NOT NULL CHECK (facility_limit BETWEEN 0 AND 9007199254740991), -- minor units
  currency       char(3) NOT NULL DEFAULT 'USD',
  updated_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS datalake.account (
  account_id        text PRIMARY KEY,
  account_balance   bigint NOT NULL CHECK (abs(account_balance) <= 9007199254740991), -- minor units
  account_available bigint CHECK (abs(account_available) <= 9007199254740991), -- NULL: facility unknown
  currency          char(3) NOT NULL,
  eod_date          date NOT NULL,
  version           bigint NOT NULL,
  updated_at        timestamptz NOT NULL
);
