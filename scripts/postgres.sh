#!/usr/bin/env bash
# Start a throw-away PostgreSQL server for the test suite on 127.0.0.1:$PGPORT.
# Installs Debian's postgresql package when no server is found (needs root or sudo).
set -euo pipefail
PGPORT=${PGPORT:-54329}
PGDATA=${PGDATA_DIR:-/tmp/portal-test-pg-$PGPORT}

find_bindir() {
  for dir in /usr/lib/postgresql/*/bin; do
    [ -x "$dir/pg_ctl" ] && { echo "$dir"; return 0; }
  done
  return 1
}

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if ! BIN=$(find_bindir); then
  echo "Installing PostgreSQL from Debian packages…"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  BIN=$(find_bindir)
fi

# PostgreSQL refuses to run as root: use the postgres account the package created.
if [ "$(id -u)" = 0 ]; then
  RUN=(runuser -u postgres --)
else
  RUN=()
fi

if "${RUN[@]}" "$BIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then
  exit 0
fi
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  rm -rf "$PGDATA"
  mkdir -p "$PGDATA"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$PGDATA"
  "${RUN[@]}" "$BIN/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
fi
"${RUN[@]}" "$BIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $PGPORT -k $PGDATA -c fsync=off -c full_page_writes=off -c synchronous_commit=off" \
  start >/dev/null
echo "PostgreSQL ready on 127.0.0.1:$PGPORT"
