#!/bin/sh
# 新污染物治理协同平台 — the database roles, created by the PostgreSQL superuser.
#
# docker compose mounts this directory at /docker-entrypoint-initdb.d, so it runs once, when the postgres
# volume is first initialised. It is safe to run again, e.g. on a volume made before the roles were split:
#   docker compose exec postgres sh /docker-entrypoint-initdb.d/10-portal-roles.sh
# (on such a volume the superuser is "portal": add  -e POSTGRES_USER=portal  after exec).
#
#   owner (PORTAL_DB_OWNER, default portal): owns the database and its schema, runs `manage.py migrate`
#     (PORTAL_MIGRATE_DATABASE_URL). Not a superuser.
#   app (PORTAL_DB_APP_ROLE, default portal_app): what web, worker and beat connect as (DATABASE_URL):
#     SELECT/INSERT/UPDATE/DELETE on the owner's tables, no TRUNCATE, no DDL; on the audit trail INSERT and
#     SELECT only (migrate grants that, portal/database.py).
set -eu

: "${PORTAL_DB_OWNER_PASSWORD:?set PORTAL_DB_OWNER_PASSWORD (.env.owner)}"
: "${PORTAL_DB_APP_PASSWORD:?set PORTAL_DB_APP_PASSWORD (.env.owner)}"

psql -v ON_ERROR_STOP=1 --no-psqlrc --username "${POSTGRES_USER:-postgres}" --dbname "${POSTGRES_DB:-portal}" \
    -v owner="${PORTAL_DB_OWNER:-portal}" -v app="${PORTAL_DB_APP_ROLE:-portal_app}" -v db="${POSTGRES_DB:-portal}" \
    -v owner_password="$PORTAL_DB_OWNER_PASSWORD" -v app_password="$PORTAL_DB_APP_PASSWORD" <<'SQL'
SELECT format('CREATE ROLE %I', :'owner') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'owner') \gexec
SELECT format('CREATE ROLE %I', :'app') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'app') \gexec
ALTER ROLE :"owner" LOGIN NOCREATEROLE PASSWORD :'owner_password';
ALTER ROLE :"app" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD :'app_password';
ALTER DATABASE :"db" OWNER TO :"owner";
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"db" TO :"app";
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO :"app";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"app";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO :"app";
SQL
