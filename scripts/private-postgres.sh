#!/usr/bin/env bash
# A PostgreSQL server of a test's own, on a spare port, so that a test can stop and start it
# (a real outage: connections refused) without disturbing the shared server on 5432.
#
#   scripts/private-postgres.sh start PORT   # creates the cluster if missing, starts it if down; idempotent
#   scripts/private-postgres.sh stop PORT    # fast shutdown if running; idempotent
#   scripts/private-postgres.sh clean PORT   # stop, then delete the cluster's directory
#
# The cluster lives in $BALANCE_SERVICES_DIR/pg-private-PORT (trust auth for user postgres,
# listening on 127.0.0.1 only), its log in $BALANCE_SERVICES_LOG_DIR/pg-private-PORT.log.
# Uses the newest /usr/lib/postgresql/*/bin (installed by services-up.sh postgres). As root, the
# server runs as the `postgres` user (initdb refuses root).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
close_inherited_fds # a caller's lock must not reach the server (see lib.sh)

action="${1:-}"
port="${2:-}"
[[ "$action" =~ ^(start|stop|clean)$ && "$port" =~ ^[0-9]+$ ]] || die "usage: $0 start|stop|clean PORT"
[[ "$port" != "$PG_PORT" ]] || die "port $port is the shared server's: pick a spare one"

bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)"
[[ -n "$bin" ]] || die "no PostgreSQL server installed (run scripts/services-up.sh postgres)"
data="$STATE_DIR/pg-private-$port"
logfile="$LOG_DIR/pg-private-$port.log"
mkdir -p "$STATE_DIR" "$LOG_DIR"

as_owner() {
  if [[ $EUID -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

running() { [[ -f "$data/postmaster.pid" ]] && as_owner "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; }

start() {
  if [[ ! -f "$data/PG_VERSION" ]]; then
    log "private postgres: creating a cluster in $data"
    mkdir -p "$data"
    [[ $EUID -eq 0 ]] && chown postgres:postgres "$data"
    as_owner "$bin/initdb" -D "$data" -A trust -U postgres >"$logfile.init" 2>&1 \
      || die_with_log "private postgres: initdb failed" "$logfile.init"
  fi
  if running; then return 0; fi
  port_in_use "$port" && die "private postgres: port $port is taken by something else"
  touch "$logfile"
  [[ $EUID -eq 0 ]] && chown postgres:postgres "$logfile"
  # Small settings: the server holds a test's few tables; fsync off, nothing here must survive a crash of the machine.
  as_owner "$bin/pg_ctl" -D "$data" -l "$logfile" -w -t 60 \
    -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=/tmp -c shared_buffers=16MB -c max_connections=30 -c fsync=off" \
    start >/dev/null || die_with_log "private postgres: start failed" "$logfile"
  log "private postgres: up on 127.0.0.1:$port"
}

stop() {
  if running; then
    as_owner "$bin/pg_ctl" -D "$data" -m fast -w -t 60 stop >/dev/null || die_with_log "private postgres: stop failed" "$logfile"
    log "private postgres: stopped ($port)"
  fi
}

case "$action" in
  start) start ;;
  stop) stop ;;
  clean) stop; rm -rf "$data" ;;
esac
