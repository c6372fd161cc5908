#!/usr/bin/env bash
# Brings up a PostgreSQL for the project and prints its connection string on stdout (logs go to
# stderr), so callers can do: export ConnectionStrings__EventStore="$(scripts/postgres-up.sh)".
# As root it starts (installing if needed) the machine's PostgreSQL 15 cluster; otherwise it makes
# a private cluster under .data/pg. Safe to run again: it only does what is missing.
set -euo pipefail

root_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
user=eventsourced
password=eventsourced
database=eventsourced
log() { echo "postgres-up: $*" >&2; }

pg_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$dir" ] && echo "$dir"
}

wait_ready() { # host port
  for _ in $(seq 1 60); do
    "$(pg_bin)/pg_isready" -q -h "$1" -p "$2" && return 0
    sleep 0.5
  done
  log "PostgreSQL did not become ready on $1:$2"; return 1
}

if [ "$(id -u)" = 0 ]; then
  if [ -z "$(pg_bin)" ]; then
    log "installing PostgreSQL"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >&2
  fi
  port=5432
  cluster=$(pg_lsclusters -h | awk 'NR==1 {print $1" "$2}')
  if ! pg_lsclusters -h | awk 'NR==1 {exit $4=="online" ? 0 : 1}'; then
    log "starting cluster $cluster"
    pg_ctlcluster $cluster start >&2
  fi
  port=$(pg_lsclusters -h | awk 'NR==1 {print $3}')
  wait_ready 127.0.0.1 "$port"
  as_postgres() { runuser -u postgres -- "$(pg_bin)/psql" -p "$port" -v ON_ERROR_STOP=1 -qtA "$@"; }
  # Tests run many pooled connections at once (16 writers, several databases).
  if [ "$(as_postgres -c 'SHOW max_connections')" -lt 300 ]; then
    log "raising max_connections to 300 (restart)"
    as_postgres -c "ALTER SYSTEM SET max_connections = 300" >&2
    pg_ctlcluster $cluster restart >&2
    wait_ready 127.0.0.1 "$port"
  fi
  as_postgres -c "DO \$\$ BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$user') THEN
        CREATE ROLE $user LOGIN CREATEDB PASSWORD '$password';
      END IF; END \$\$;" >&2
  # A test reaches the server from a loopback address of its own (127.213.x.y), which it can then
  # make vanish (tests/IntegrationTests/Support/VanishingHost.cs): still loopback only.
  hba=$(as_postgres -c 'SHOW hba_file')
  if ! grep -q '^host[[:space:]].*127\.0\.0\.0/8' "$hba"; then
    log "letting loopback addresses other than 127.0.0.1 in ($hba)"
    echo "host    all             $user    127.0.0.0/8             scram-sha-256" >> "$hba"
    as_postgres -c "SELECT pg_reload_conf()" >&2
  fi
  # Tests drop their databases WITH (FORCE), which must be able to end any session in them,
  # including an autovacuum worker's.
  as_postgres -c "GRANT pg_signal_backend TO $user" >&2
  if [ -z "$(as_postgres -c "SELECT 1 FROM pg_database WHERE datname = '$database'")" ]; then
    as_postgres -c "CREATE DATABASE $database OWNER $user" >&2
  fi
else
  bin=$(pg_bin) || { log "PostgreSQL is not installed; run as root once, or: sudo apt-get install postgresql"; exit 1; }
  port=${EVENTSOURCED_PG_PORT:-5433}
  data="$root_dir/.data/pg"
  if [ ! -f "$data/PG_VERSION" ]; then
    log "creating a private cluster in $data"
    mkdir -p "$data"
    pwfile=$(mktemp); echo "$password" > "$pwfile"
    "$bin/initdb" -D "$data" -U "$user" --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 >&2
    rm -f "$pwfile"
    echo "max_connections = 300" >> "$data/postgresql.conf"
  fi
  if ! "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w \
      -o "-p $port -k $data -c listen_addresses=127.0.0.1" start >&2
  fi
  wait_ready 127.0.0.1 "$port"
  if [ -z "$("$bin/psql" -h "$data" -p "$port" -U "$user" -d postgres -qtA -c "SELECT 1 FROM pg_database WHERE datname = '$database'")" ]; then
    "$bin/createdb" -h "$data" -p "$port" -U "$user" "$database" >&2
  fi
fi

# Loopback only, so no TLS: encrypting it protects nothing and costs every query CPU on both ends.
echo "Host=127.0.0.1;Port=$port;Username=$user;Password=$password;Database=$database;SSL Mode=Disable"
