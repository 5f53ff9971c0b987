#!/usr/bin/env bash
# Make sure Debian's Chromium is installed for the browser tests (needs root or sudo).
set -euo pipefail
[ -x /usr/bin/chromium ] && exit 0
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
echo "Installing Chromium from Debian packages…"
as_root apt-get update -qq
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
