-- PostgreSQL roles for anwesend (run once per cluster as a superuser, e.g.
--   sudo -u postgres psql -v owner_pw="'…'" -v app_pw="'…'" -f deploy/postgres/roles.sql).
--
-- anwesend_owner owns the schema and runs `anwesend migrate --grant-to anwesend_app`.
-- anwesend_app is what the server connects as: no DDL, no BYPASSRLS, not the owner,
-- so the row-level security policies on app.tenant_id always apply (TOM SEP-2).

CREATE ROLE anwesend_owner LOGIN PASSWORD :owner_pw NOSUPERUSER NOCREATEROLE NOBYPASSRLS;
CREATE ROLE anwesend_app LOGIN PASSWORD :app_pw NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
CREATE DATABASE anwesend OWNER anwesend_owner;
\connect anwesend
-- PostgreSQL 15+ already denies CREATE on public to others; make it explicit.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
ALTER SCHEMA public OWNER TO anwesend_owner;
