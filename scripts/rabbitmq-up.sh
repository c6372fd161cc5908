#!/usr/bin/env bash
# Brings up the machine's RabbitMQ (Debian's rabbitmq-server, installed if missing) for the tests
# that run the delivery saga over it, and prints the broker's host:port on stdout. Needs root, as
# installing and starting a system service does. Safe to run again: it only does what is missing.
set -euo pipefail
log() { echo "rabbitmq-up: $*" >&2; }

if [ "$(id -u)" != 0 ]; then
  if rabbitmqctl -q status >/dev/null 2>&1; then echo "127.0.0.1:5672"; exit 0; fi
  log "RabbitMQ is not running; run this script as root once, or: sudo apt-get install rabbitmq-server"
  exit 1
fi

if ! command -v rabbitmq-server >/dev/null; then
  log "installing rabbitmq-server"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rabbitmq-server) >&2
fi

if ! rabbitmqctl -q status >/dev/null 2>&1; then
  log "starting rabbitmq-server"
  mkdir -p /var/log/rabbitmq && chown rabbitmq:rabbitmq /var/log/rabbitmq
  # No systemd here: run it as its own user, detached from this shell.
  setsid runuser -u rabbitmq -- env HOME=/var/lib/rabbitmq rabbitmq-server > /var/log/rabbitmq/startup.log 2>&1 < /dev/null &
fi

for _ in $(seq 1 60); do
  if rabbitmqctl -q await_startup --timeout 5 >/dev/null 2>&1; then
    echo "127.0.0.1:5672"
    exit 0
  fi
  sleep 1
done
log "RabbitMQ did not start; see /var/log/rabbitmq/startup.log"
exit 1
