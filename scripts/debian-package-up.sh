#!/usr/bin/env bash
# debian-package-up.sh PACKAGE PATH: installs Debian's PACKAGE if the program at PATH is missing
# (as root: installing needs it), and prints PATH. For the programs the tests start themselves.
set -euo pipefail
package=$1 path=$2
log() { echo "$package-up: $*" >&2; }

if [ ! -x "$path" ]; then
  if [ "$(id -u)" != 0 ]; then
    log "$package is missing; run this script as root once, or: sudo apt-get install $package"
    exit 1
  fi
  log "installing $package"
  # A package's own service (pgbouncer's) is not started here, and is not needed.
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package") >&2
fi

echo "$path"
