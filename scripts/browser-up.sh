#!/usr/bin/env bash
# Install Debian's Chromium for the dashboard's browser tests (idempotent: a second run only
# checks that it is there). The tests drive it with playwright-core, which never downloads a
# browser of its own.
set -euo pipefail
CHROMIUM=/usr/bin/chromium
if [[ -x "$CHROMIUM" ]]; then exit 0; fi
# One installer at a time: parallel test runners may call this together, and dpkg takes one.
exec 9>/tmp/balance-engine-browser-up.lock
flock -w 600 9 || { echo "browser-up: timed out waiting for another install" >&2; exit 1; }
if [[ -x "$CHROMIUM" ]]; then exit 0; fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
"$CHROMIUM" --version
