#!/usr/bin/env bash
# A PostgreSQL for the test suite: uses the server on 127.0.0.1:5432 when one runs,
# otherwise installs Debian's postgresql and starts its cluster. Then makes sure the
# test superuser exists (it creates one database per test and the app's non-owner role).
# Idempotent and non-interactive. Prints nothing secret: the password is a local test value.
set -euo pipefail

log() { printf 'postgres.sh: %s\n' "$*"; }

HOST=127.0.0.1
PORT=5432
ROLE=anwesend_test

ready() { pg_isready -q -h "$HOST" -p "$PORT" 2>/dev/null; }

if ! command -v pg_isready >/dev/null 2>&1 || ! ready; then
  if ! command -v pg_ctlcluster >/dev/null 2>&1 || [ -z "$(ls /etc/postgresql 2>/dev/null)" ]; then
    log "installing postgresql"
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql postgresql-client
  fi
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  log "starting cluster $version/main"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 30); do ready && break; sleep 1; done
  ready || { log "PostgreSQL did not come up on $HOST:$PORT" >&2; exit 1; }
fi

# Create the role through the local socket as the postgres user (peer auth), or over
# TCP where the server trusts local connections.
sql="DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$ROLE') THEN
    CREATE ROLE $ROLE LOGIN SUPERUSER PASSWORD '$ROLE';
  END IF;
END \$\$;"
if command -v runuser >/dev/null 2>&1 && id postgres >/dev/null 2>&1 \
   && runuser -u postgres -- psql -q -v ON_ERROR_STOP=1 -c "$sql" >/dev/null 2>&1; then
  :
elif psql -q -v ON_ERROR_STOP=1 -h "$HOST" -p "$PORT" -U postgres -d postgres -c "$sql" >/dev/null; then
  :
else
  log "cannot create role $ROLE" >&2
  exit 1
fi
# The read-only backup role of deploy/postgres/roles.sql, with a local test password.
backup_sql="DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'anwesend_backup') THEN
    CREATE ROLE anwesend_backup LOGIN PASSWORD 'anwesend_backup' NOSUPERUSER CREATEDB NOCREATEROLE BYPASSRLS;
  END IF;
END \$\$; GRANT pg_read_all_data TO anwesend_backup;"
psql -q -v ON_ERROR_STOP=1 "postgres://$ROLE:$ROLE@$HOST:$PORT/postgres" -c "$backup_sql" >/dev/null \
  || { log "cannot create role anwesend_backup" >&2; exit 1; }
log "ready: postgres://$ROLE:***@$HOST:$PORT/postgres"
