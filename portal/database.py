"""The two database roles of the portal.

The owner role (``PORTAL_MIGRATE_DATABASE_URL``) owns the schema and runs ``migrate``. The web server, the
Celery worker and beat connect as the application role (``DATABASE_URL``, role ``PORTAL_DB_APP_ROLE``), which
may read and write rows but not change the schema, and may only add to and read the audit trail: no UPDATE,
DELETE or TRUNCATE on ``portal_auditevent``, no DDL, not a superuser.

``app_role_grant`` gives the application role exactly that. It runs as the owner after every ``migrate``
(post_migrate, see apps.py), so tables added by later migrations are covered, and it sets the owner's default
privileges, so a table created outside ``migrate`` is too. Creating the role itself (with its password) is the
database administrator's step: deploy/postgres/10-portal-roles.sh in docker compose, portal.devstack for the
embedded servers."""
import logging

from django.conf import settings
from django.db import connections

logger = logging.getLogger(__name__)

AUDIT_TABLE = "portal_auditevent"


def app_role_statements(*, role: str, owner: str, database: str, quote) -> list[str]:
    r, o, d = quote(role), quote(owner), quote(database)
    return [
        f"GRANT CONNECT, TEMPORARY ON DATABASE {d} TO {r}",
        f"GRANT USAGE ON SCHEMA public TO {r}",
        f"REVOKE CREATE ON SCHEMA public FROM {r}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {r}",
        f"REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA public FROM {r}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {r}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {o} IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {r}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {o} IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {r}",
        # The audit trail: add and read, nothing else (the triggers of migrations 0002 and 0006 stand behind this).
        f"REVOKE UPDATE, DELETE ON {quote(AUDIT_TABLE)} FROM {r}",
    ]


def app_role_grant(*, using: str = "default") -> bool:
    """Grant the application role its privileges in this database; False when there is nothing to grant to
    (no role configured, the role does not exist, not PostgreSQL, or we are that role)."""
    role = getattr(settings, "PORTAL_DB_APP_ROLE", "")
    connection = connections[using]
    if not role or connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, current_database(), EXISTS (SELECT 1 FROM pg_roles WHERE rolname = %s)",
                       [role])
        owner, database, exists = cursor.fetchone()
        if owner == role:
            return False
        if not exists:
            logger.warning("database role %r (PORTAL_DB_APP_ROLE) does not exist: no privileges granted; "
                           "the portal connects as the owner %r", role, owner)
            return False
        cursor.execute("SELECT 1 FROM pg_class WHERE relname = %s AND relkind = 'r'", [AUDIT_TABLE])
        has_audit = cursor.fetchone() is not None
        for sql in app_role_statements(role=role, owner=owner, database=database,
                                       quote=connection.ops.quote_name):
            if AUDIT_TABLE in sql and not has_audit:
                continue
            cursor.execute(sql)
    return True
