#!/usr/bin/env bash
# Installs Debian's PgBouncer (package pgbouncer) for the tests that put it between a node and
# PostgreSQL, if it is missing, and prints its path. The tests start and end their own instances.
exec "$(dirname "${BASH_SOURCE[0]}")/debian-package-up.sh" pgbouncer "${PGBOUNCER_PATH:-/usr/sbin/pgbouncer}"
