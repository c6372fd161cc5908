#!/usr/bin/env bash
# Installs Debian's PgBouncer (package pgbouncer) for the tests that put it between a node and
# PostgreSQL, if it is missing, and prints its path. The tests start and end their own instances.
set -euo pipefail
log() { echo "pgbouncer-up: $*" >&2; }

path=${PGBOUNCER_PATH:-/usr/sbin/pgbouncer}
if [ ! -x "$path" ]; then
  if [ "$(id -u)" != 0 ]; then
    log "PgBouncer is missing; run this script as root once, or: sudo apt-get install pgbouncer"
    exit 1
  fi
  log "installing pgbouncer"
  # policy-rc.d or no init system: the package's own service is not started, and is not needed.
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pgbouncer) >&2
fi

echo "$path"
