#!/usr/bin/env bash
# Create .venv and install the locked dependencies (uv.lock). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "Python 3.11 or newer is needed (found: $("$PYTHON" --version))." >&2
  exit 1
fi
if [ ! -x .venv/bin/uv ]; then
  "$PYTHON" -m venv .venv
  .venv/bin/python -m pip install --quiet --disable-pip-version-check "uv==0.13.9"
fi
.venv/bin/uv sync --frozen --quiet --python .venv/bin/python "$@"
mkdir -p var
