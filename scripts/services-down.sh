#!/usr/bin/env bash
# Stop local services:
#   scripts/services-down.sh                    -> stops Kafka and ClickHouse (those services-up.sh started)
#   scripts/services-down.sh kafka redis ...    -> stops exactly the named ones
# Redis and PostgreSQL are machine services shared with other projects: they are only stopped
# when named explicitly. Data is kept; remove $BALANCE_SERVICES_DIR/{kafka/data,clickhouse/data}
# after stopping to wipe it.
set -euo pipefail

# shellcheck source=lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

services=("$@")
[[ ${#services[@]} -eq 0 ]] && services=(kafka clickhouse)
validate_services "${services[@]}"
ensure_dirs

# stop_ours NAME PGREP_PATTERN TIMEOUT : via pid file, else a process matching the pattern
stop_ours() {
  local name="$1" pattern="$2" timeout="$3" pid
  pid="$(pidfile_pid "$name" || true)"
  [[ -z "$pid" ]] && pid="$(pgrep -f "$pattern" | head -n1 || true)"
  if [[ -z "$pid" ]]; then
    log "$name is not running"
  else
    log "stopping $name (pid $pid)"
    stop_pid "$name" "$pid" "$timeout"
  fi
  rm -f "$RUN_DIR/$name.pid"
}

for s in "${services[@]}"; do
  case "$s" in
    kafka)
      # controlled shutdown of a single KRaft node takes a few seconds
      stop_ours kafka "kafka.Kafka $KAFKA_DIR/server.properties" 60 ;;
    clickhouse)
      stop_ours clickhouse "clickhouse-server --config-file=$CLICKHOUSE_DIR/config.xml" 30 ;;
    redis)
      if [[ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" == PONG ]]; then
        log "stopping redis on 127.0.0.1:$REDIS_PORT"
        redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
        for _ in $(seq 1 50); do port_in_use "$REDIS_PORT" || break; sleep 0.2; done
      else
        log "redis is not running on 127.0.0.1:$REDIS_PORT"
      fi ;;
    postgres)
      ver="$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n1)"
      if [[ -n "$ver" ]] && pg_isready -q -h 127.0.0.1 -p "$PG_PORT"; then
        log "stopping postgres cluster $ver/$PG_CLUSTER"
        pg_ctlcluster --skip-systemctl-redirect "$ver" "$PG_CLUSTER" stop -m fast
      else
        log "postgres is not running on 127.0.0.1:$PG_PORT"
      fi ;;
  esac
done
