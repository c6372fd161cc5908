#!/usr/bin/env bash
# Runs every test against a real PostgreSQL and RabbitMQ (brought up by scripts/postgres-up.sh and
# scripts/rabbitmq-up.sh), Debian's Chromium (scripts/chromium-up.sh) and PgBouncer
# (scripts/pgbouncer-up.sh), and ends
# with one line: "N passed, N failed" (", N skipped" when any were skipped).
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

connection=$(scripts/postgres-up.sh) || { echo "0 passed, 1 failed"; exit 1; }
export ConnectionStrings__EventStore="$connection"
# Without a broker only the tests over RabbitMQ fail, and they say why.
RABBITMQ_HOST=$(scripts/rabbitmq-up.sh) && export RABBITMQ_HOST
# Without a browser only the console's browser tests fail, and they say why.
CHROMIUM_PATH=$(scripts/chromium-up.sh) && export CHROMIUM_PATH
# Without PgBouncer only the connection pooler tests fail, and they say why.
PGBOUNCER_PATH=$(scripts/pgbouncer-up.sh) && export PGBOUNCER_PATH

# Every process the tests start inherits this mark, so that none outlives the run, even when the
# test host itself was killed. Set after the services above start: they are left alone, and so is
# anything of another user (a PostgreSQL a fault test restarted runs as postgres) but PgBouncer.
run_mark="EVENTSOURCED_TEST_RUN=$$-$(date +%s%N)"
export "${run_mark?}"
end_left_behind() {
  local pid left=()
  for environ in /proc/[0-9]*/environ; do
    pid=${environ#/proc/}; pid=${pid%/environ}
    [ "$pid" = "$$" ] && continue
    # PgBouncer will not run as root, so the tests start it as postgres: it is ended all the same.
    [ ! -O "/proc/$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" != pgbouncer ] && continue
    if tr '\0' '\n' 2>/dev/null < "$environ" | grep -qxF "$run_mark"; then
      left+=("$pid $(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | cut -c1-120)")
      kill -9 "$pid" 2>/dev/null
    fi
  done
  if [ "${#left[@]}" -gt 0 ]; then
    echo "test.sh: ended ${#left[@]} process(es) the tests left running:" >&2
    printf '  %s\n' "${left[@]}" >&2
  fi
}

results=$(mktemp -d)
# A test that hangs ends the run after 10 minutes as a failure that names it, not as an overtime CI.
# That did not end a run that hung half an hour in a test's clean-up (2026-12-07), with no word.
# So the whole run also ends after 75 minutes (CI allows 90), counted as failed, and what it
# left running is ended below.
timeout --kill-after=60s 75m dotnet test EventSourced.sln --logger "trx" --results-directory "$results" \
  --blame-hang --blame-hang-timeout 10m --blame-hang-dump-type none "$@"
status=$?
[ "$status" -eq 124 ] && echo "test.sh: the tests did not end within 75 minutes; ended them" >&2
end_left_behind
# A vanishing-host test killed mid-way leaves its blackhole route behind (VanishingHost.cs).
ip route show table local type blackhole 2>/dev/null | awk '$1 ~ /^127\.213\./ {print $1}' |
  while read -r address; do ip route del blackhole "$address" table local; done
# ...and the data of a test's own PostgreSQL servers (PrivatePostgres.cs) a killed run left, once
# an hour old: another run on the machine may be using its own.
find "${TMPDIR:-/tmp}" -maxdepth 1 -name 'es-private-postgres-*' -mmin +60 -exec rm -rf {} + 2>/dev/null

# Sum the counters of every test assembly's report (a skipped test is counted but not executed).
read -r passed failed skipped < <(cat "$results"/*.trx 2>/dev/null | grep -o '<Counters [^>]*>' | awk '
  { for (i = 1; i <= NF; i++) { split($i, kv, "=\""); gsub(/"/, "", kv[2]); c[kv[1]] += kv[2] } }
  END { printf "%d %d %d\n", c["passed"], c["failed"] + c["error"] + c["timeout"] + c["aborted"], c["total"] - c["executed"] }')
# Name what failed, so a failure in CI can be found without rerunning it.
cat "$results"/*.trx 2>/dev/null | grep -o 'testName="[^"]*"[^>]*outcome="Failed"' | sed 's/testName="\([^"]*\)".*/failed: \1/'
rm -rf "$results"
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi   # a build or host failure counts
line="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && line="$line, $skipped skipped"
echo "$line"
exit "$status"
