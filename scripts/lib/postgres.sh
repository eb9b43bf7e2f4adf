# Starts a throwaway PostgreSQL cluster for the tests and exports KEYFLOW_TEST_DATABASE_URL.
# Installs PostgreSQL from Debian's packages when the machine has none. Source this file, then call
# start_test_postgres; stop_test_postgres removes the cluster again. The tests run it with fsync off (nothing
# there needs to survive a power cut); PG_TEST_FSYNC=on keeps PostgreSQL's durable default (the benchmark).
# PG_TEST_OPTIONS adds server options (e.g. "-c shared_preload_libraries=pg_stat_statements").

find_pg_bin() {
  local dir
  for dir in /usr/lib/postgresql/*/bin; do
    [ -x "$dir/initdb" ] && { echo "$dir"; return 0; }
  done
  return 1
}

start_test_postgres() {
  local bin
  if ! bin=$(find_pg_bin); then
    echo "PostgreSQL is missing; installing it from Debian's packages" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
    bin=$(find_pg_bin) || { echo "PostgreSQL could not be installed" >&2; return 1; }
  fi
  PG_TEST_DIR=$(mktemp -d /tmp/keyflow-pg.XXXXXX)
  chown postgres:postgres "$PG_TEST_DIR" 2>/dev/null || true
  PG_TEST_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
  local as_postgres=()
  [ "$(id -u)" = 0 ] && as_postgres=(runuser -u postgres --)
  "${as_postgres[@]}" "$bin/initdb" -D "$PG_TEST_DIR/data" -U postgres --auth=trust -E UTF8 >/dev/null
  "${as_postgres[@]}" "$bin/pg_ctl" -D "$PG_TEST_DIR/data" -l "$PG_TEST_DIR/log" -w \
    -o "-p $PG_TEST_PORT -k $PG_TEST_DIR -c listen_addresses=127.0.0.1 -c fsync=${PG_TEST_FSYNC:-off} -c max_connections=200 ${PG_TEST_OPTIONS:-}" start >/dev/null
  "${as_postgres[@]}" "$bin/createdb" -h 127.0.0.1 -p "$PG_TEST_PORT" -U postgres keyflow_test
  PG_TEST_BIN=$bin
  PG_TEST_AS=("${as_postgres[@]}")
  export KEYFLOW_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$PG_TEST_PORT/keyflow_test?sslmode=disable"
  echo "PostgreSQL test cluster on port $PG_TEST_PORT" >&2
}

stop_test_postgres() {
  [ -n "${PG_TEST_DIR:-}" ] || return 0
  "${PG_TEST_AS[@]}" "$PG_TEST_BIN/pg_ctl" -D "$PG_TEST_DIR/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$PG_TEST_DIR"
}
