#!/usr/bin/env bash
# The test command (`bun run test`): start the real services the integration tests use
# (installing them on a fresh machine) and Chromium, type-check, then run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/services-up.sh kafka redis postgres clickhouse
# Debian's Chromium for the dashboard's browser tests (test/dashboard/), driven by playwright-core.
bash scripts/browser-up.sh
bunx tsc --noEmit -p .
# The per-test ceiling is for tests that restart real servers; it is not a speed check.
exec bun test --timeout 600000 "$@"
