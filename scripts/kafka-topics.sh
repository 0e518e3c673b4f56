#!/usr/bin/env bash
# Topic admin against the local broker (needs scripts/services-up.sh kafka first):
#   scripts/kafka-topics.sh create NAME [PARTITIONS]   (default 12; no-op if it exists)
#   scripts/kafka-topics.sh delete NAME                (no-op if absent; waits until it is gone)
#   scripts/kafka-topics.sh recreate NAME [PARTITIONS] (delete + create: an empty topic)
#   scripts/kafka-topics.sh list
#   scripts/kafka-topics.sh describe [NAME]
# Uses org.apache.kafka.tools.TopicCommand from the jars services-up.sh fetched.
set -euo pipefail

# shellcheck source=lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

usage() { sed -n '2,8p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }

[[ -d "$KAFKA_LIBS" ]] || die "no Kafka jars in $KAFKA_LIBS: run scripts/services-up.sh kafka first"

topics() {
  kafka_java -Xmx256m -XX:TieredStopAtLevel=1 org.apache.kafka.tools.TopicCommand \
    --bootstrap-server "$KAFKA_BOOTSTRAP" "$@"
}

topic_exists() { topics --list --topic "$1" 2>/dev/null | grep -qx -- "$1"; }

create() {
  local name="$1" parts="${2:-12}" deadline out
  [[ "$parts" =~ ^[0-9]+$ ]] || die "PARTITIONS must be a number, got '$parts'"
  deadline=$((SECONDS + 60))
  # retry while a just-deleted topic of the same name is still being removed
  until out="$(topics --create --if-not-exists --topic "$name" --partitions "$parts" \
                 --replication-factor 1 2>&1)"; do
    if [[ "$out" == *"marked for deletion"* || "$out" == *"TopicExistsException"* ]] && ((SECONDS < deadline)); then
      sleep 0.5; continue
    fi
    printf '%s\n' "$out" >&2
    die "could not create topic $name"
  done
  # drop TopicCommand's generic "period or underscore" metric-name warning
  out="$(printf '%s\n' "$out" | grep -v '^WARNING: Due to limitations in metric names' || true)"
  [[ -n "$out" ]] && printf '%s\n' "$out"
  return 0
}

delete() {
  local name="$1" deadline
  topics --delete --if-exists --topic "$name" >/dev/null
  deadline=$((SECONDS + 60))
  while topic_exists "$name"; do
    ((SECONDS < deadline)) || die "topic $name still listed 60s after delete"
    sleep 0.5
  done
  echo "Deleted topic $name."
}

cmd="${1:-}"; shift || true
case "$cmd" in
  create)   [[ $# -ge 1 && $# -le 2 ]] || usage; create "$@" ;;
  delete)   [[ $# -eq 1 ]] || usage; delete "$1" ;;
  recreate) [[ $# -ge 1 && $# -le 2 ]] || usage; delete "$1"; create "$@" ;;
  list)     [[ $# -eq 0 ]] || usage; topics --list ;;
  describe) [[ $# -le 1 ]] || usage; topics --describe ${1:+--topic "$1"} ;;
  *)        usage ;;
esac
