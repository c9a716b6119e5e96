-- PostgreSQL roles for anwesend (run once per cluster as a superuser, e.g.
--   sudo -u postgres psql -v owner_pw="'…'" -v app_pw="'…'" -v backup_pw="'…'" -f deploy/postgres/roles.sql).
--
-- anwesend_owner owns the schema and runs `anwesend migrate --grant-to anwesend_app`.
-- anwesend_app is what the server connects as: no DDL, no BYPASSRLS, not the owner,
-- so the row-level security policies on app.tenant_id always apply (TOM SEP-2).

CREATE ROLE anwesend_owner LOGIN PASSWORD :owner_pw NOSUPERUSER NOCREATEROLE NOBYPASSRLS;
CREATE ROLE anwesend_app LOGIN PASSWORD :app_pw NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
CREATE DATABASE anwesend OWNER anwesend_owner;
-- anwesend_backup is what backups run as (TOM AVAIL-1; `backups.database_url`). pg_dump as
-- the owner fails under FORCE ROW LEVEL SECURITY (and --enable-row-security dumps nothing),
-- so this role bypasses RLS and reads every table (pg_read_all_data), but is read-only in
-- the anwesend database. CREATEDB: `backup verify` restores each backup into a scratch
-- database of its own and drops it again.
CREATE ROLE anwesend_backup LOGIN PASSWORD :backup_pw NOSUPERUSER CREATEDB NOCREATEROLE BYPASSRLS;
GRANT pg_read_all_data TO anwesend_backup;
ALTER ROLE anwesend_backup IN DATABASE anwesend SET default_transaction_read_only = on;
\connect anwesend
-- PostgreSQL 15+ already denies CREATE on public to others; make it explicit.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
ALTER SCHEMA public OWNER TO anwesend_owner;
