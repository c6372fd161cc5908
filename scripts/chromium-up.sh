#!/usr/bin/env bash
# Installs Debian's Chromium (package chromium) for the browser tests if it is missing, and prints
# its path. Playwright drives it with ExecutablePath: a browser download fails on these machines.
set -euo pipefail
log() { echo "chromium-up: $*" >&2; }

path=${CHROMIUM_PATH:-/usr/bin/chromium}
if [ ! -x "$path" ]; then
  if [ "$(id -u)" != 0 ]; then
    log "Chromium is missing; run this script as root once, or: sudo apt-get install chromium"
    exit 1
  fi
  log "installing chromium"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >&2
fi

echo "$path"
