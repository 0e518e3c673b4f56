# shellcheck shell=bash
# Shared settings and helpers for services-up.sh / services-down.sh / kafka-topics.sh.
# Sourced, not executed. Every setting can be overridden from the environment.

SCRIPTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# ---- settings ---------------------------------------------------------------
if [[ -z "${BALANCE_SERVICES_DIR:-}" ]]; then
  if [[ $EUID -eq 0 ]]; then
    BALANCE_SERVICES_DIR=/var/lib/balance-engine
  else
    BALANCE_SERVICES_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/balance-engine"
  fi
fi
STATE_DIR="$BALANCE_SERVICES_DIR"
LOG_DIR="${BALANCE_SERVICES_LOG_DIR:-$STATE_DIR/logs}"
RUN_DIR="$STATE_DIR/run"
WAIT_SECS="${SERVICES_WAIT_SECS:-90}"

KAFKA_HOST=127.0.0.1
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"
KAFKA_DIR="$STATE_DIR/kafka"
KAFKA_LIBS="$KAFKA_DIR/libs"
KAFKA_BOOTSTRAP="$KAFKA_HOST:$KAFKA_PORT"

REDIS_PORT="${REDIS_PORT:-6379}"

PG_PORT="${PG_PORT:-5432}"
PG_CLUSTER="${PG_CLUSTER:-main}"

CLICKHOUSE_HTTP_PORT="${CLICKHOUSE_HTTP_PORT:-8123}"
CLICKHOUSE_TCP_PORT="${CLICKHOUSE_TCP_PORT:-9000}"
CLICKHOUSE_DIR="$STATE_DIR/clickhouse"

ALL_SERVICES=(kafka redis postgres clickhouse)

# ---- inherited descriptors --------------------------------------------------
# close_inherited_fds : closes every descriptor above stderr that this shell inherited, except
# bash's own script descriptor (255). A caller that holds a lock on an open file hands that
# descriptor to its command (`flock -x /tmp/svc.lock bash -c '...services-up.sh...'`); a daemon
# started from here would inherit it and hold the lock for as long as the daemon runs, so every
# other flock on that file would wait forever. Call it before opening any descriptor of our own.
# (services-up.sh does the same per daemon with its `daemon` helper.)
close_inherited_fds() {
  local fd
  for fd in $(ls /proc/$$/fd 2>/dev/null); do
    [[ "$fd" -gt 2 && "$fd" -ne 255 ]] || continue
    eval "exec $fd>&-" 2>/dev/null || true
  done
}

# ---- output -----------------------------------------------------------------
log()  { printf '[services] %s\n' "$*" >&2; }
die()  { printf '[services] ERROR: %s\n' "$*" >&2; exit 1; }

# die with the tail of a log file
die_with_log() {
  local msg="$1" file="$2"
  printf '[services] ERROR: %s\n' "$msg" >&2
  if [[ -f "$file" ]]; then
    printf '[services] ---- last 40 lines of %s ----\n' "$file" >&2
    tail -n 40 "$file" >&2 || true
    printf '[services] ----\n' >&2
  fi
  exit 1
}

validate_services() {
  local s ok
  for s in "$@"; do
    ok=0
    for a in "${ALL_SERVICES[@]}"; do [[ "$s" == "$a" ]] && ok=1; done
    [[ $ok -eq 1 ]] || die "unknown service '$s' (known: ${ALL_SERVICES[*]})"
  done
}

# ---- apt --------------------------------------------------------------------
_APT_UPDATED=0
apt_install() {
  # apt_install pkg... : installs the packages that are not installed yet
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  [[ $EUID -eq 0 ]] || die "need root to apt-get install ${missing[*]}"
  log "apt-get install ${missing[*]}"
  if [[ $_APT_UPDATED -eq 0 ]]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >"$LOG_DIR/apt.log" 2>&1 \
      || die_with_log "apt-get update failed" "$LOG_DIR/apt.log"
    _APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" \
      >>"$LOG_DIR/apt.log" 2>&1 \
    || die_with_log "apt-get install ${missing[*]} failed" "$LOG_DIR/apt.log"
}

# ---- processes --------------------------------------------------------------
# pid_alive PID : true if PID exists and is not a zombie
pid_alive() {
  local pid="$1" state
  [[ -n "$pid" && -r "/proc/$pid/stat" ]] || return 1
  state="$(sed -E 's/^[0-9]+ \(.*\) ([A-Za-z]).*/\1/' "/proc/$pid/stat" 2>/dev/null)" || return 1
  [[ "$state" != Z && "$state" != X ]]
}

# pidfile_pid NAME : prints the pid from RUN_DIR/NAME.pid if that process is alive
pidfile_pid() {
  local f="$RUN_DIR/$1.pid" pid
  [[ -f "$f" ]] || return 1
  pid="$(cat "$f" 2>/dev/null || true)"
  pid_alive "$pid" || return 1
  echo "$pid"
}

# port_in_use PORT : true if something listens on 127.0.0.1:PORT (or any address)
port_in_use() {
  ss -Hltn "sport = :$1" 2>/dev/null | grep -q .
}

# stop_pid NAME PID TIMEOUT : TERM, wait, then KILL
stop_pid() {
  local name="$1" pid="$2" timeout="$3" i
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < timeout * 5; i++)); do
    pid_alive "$pid" || { log "$name stopped (pid $pid)"; return 0; }
    sleep 0.2
  done
  log "$name did not stop within ${timeout}s, sending KILL"
  kill -KILL "$pid" 2>/dev/null || true
  sleep 0.5
}

kafka_java() {
  # kafka_java [jvm opts...] MAINCLASS args... (tools: quiet log4j2 config)
  java -cp "$KAFKA_LIBS/*" -Dlog4j2.configurationFile="$KAFKA_DIR/log4j2-tools.properties" "$@"
}

ensure_dirs() {
  mkdir -p "$STATE_DIR" "$LOG_DIR" "$RUN_DIR"
}
