#!/usr/bin/env bash
# Makes the machine busy, to prove the tests hold under load (issue 14):
#   scripts/cpu-hog.sh start [N]   starts N busy-loop processes (default 4), records their pids
#   scripts/cpu-hog.sh stop        ends them
# Example: scripts/cpu-hog.sh start 4 && bash .ci/run; scripts/cpu-hog.sh stop
set -euo pipefail
pids_file="${TMPDIR:-/tmp}/eventsourced-cpu-hog.pids"

case "${1:-}" in
  start)
    count="${2:-4}"
    for _ in $(seq 1 "$count"); do
      # setsid: the hog is not part of the caller's job, so it outlives this script until "stop".
      setsid bash -c 'while :; do :; done' < /dev/null > /dev/null 2>&1 &
      echo $! >> "$pids_file"
    done
    echo "cpu-hog: $count busy loops running (pids in $pids_file)" >&2
    ;;
  stop)
    [ -f "$pids_file" ] || { echo "cpu-hog: none running" >&2; exit 0; }
    xargs -r kill < "$pids_file" 2>/dev/null || true
    rm -f "$pids_file"
    echo "cpu-hog: stopped" >&2
    ;;
  *)
    echo "usage: $0 start [N] | stop" >&2
    exit 2
    ;;
esac
