#!/usr/bin/env bash
# Installs (from Debian's packages) and starts a PostgreSQL server on loopback for the relay
# tests, creates the role and database darkroom_test, and prints the URL to export as
# DARKROOM_TEST_POSTGRES_URL. Idempotent; needs root (or sudo).
# With the argument "restart": restarts that server (the relay's fault test).
set -euo pipefail
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
if [ -z "$SUDO" ]; then as_postgres=(runuser -u postgres --); else as_postgres=(sudo -u postgres); fi
if ! command -v pg_ctlcluster >/dev/null || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
fi
version=$(ls /usr/lib/postgresql | sort -n | tail -1)
if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "$version main"; then
  $SUDO pg_createcluster "$version" main >&2
fi
# Loopback only.
conf="/etc/postgresql/$version/main/postgresql.conf"
grep -q "^listen_addresses = '127.0.0.1'" "$conf" || echo "listen_addresses = '127.0.0.1'" | $SUDO tee -a "$conf" >/dev/null
if [ "${1:-}" = "restart" ]; then
  $SUDO pg_ctlcluster "$version" main restart -m fast >&2
  exit 0
fi
port=$(pg_lsclusters -h | awk -v v="$version" '$1==v && $2=="main" {print $3}')
status=$(pg_lsclusters -h | awk -v v="$version" '$1==v && $2=="main" {print $4}')
[ "$status" = "online" ] || $SUDO pg_ctlcluster "$version" main start >&2
for _ in $(seq 1 50); do pg_isready -q -h 127.0.0.1 -p "$port" && break; sleep 0.2; done
"${as_postgres[@]}" psql -q -p "$port" -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'darkroom_test') THEN
    CREATE ROLE darkroom_test LOGIN PASSWORD 'darkroom_test';
  END IF;
END $$;
SQL
if ! "${as_postgres[@]}" psql -p "$port" -tAc "SELECT 1 FROM pg_database WHERE datname = 'darkroom_test'" | grep -q 1; then
  "${as_postgres[@]}" createdb -p "$port" -O darkroom_test darkroom_test
fi
echo "postgres://darkroom_test:darkroom_test@127.0.0.1:$port/darkroom_test"
