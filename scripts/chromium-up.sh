#!/usr/bin/env bash
# Installs Debian's Chromium (package chromium) for the browser tests if it is missing, and prints
# its path. Playwright drives it with ExecutablePath: a browser download fails on these machines.
exec "$(dirname "${BASH_SOURCE[0]}")/debian-package-up.sh" chromium "${CHROMIUM_PATH:-/usr/bin/chromium}"
