"""Two database roles: the owner runs migrate; the web server, the worker and beat connect as the application role
(PORTAL_DB_APP_ROLE), which reads and writes rows but may not empty, change or delete the audit trail, nor change the
schema, nor is it a superuser. The grants are made by migrate (portal/database.py), so the test database has them;
these tests connect as the application role to it. The audit trail's TRUNCATE trigger stops the owner too."""
import os
import subprocess
import sys

import psycopg2
import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection

from portal import devstack
from portal.models import AuditEvent
from tests.factories import TEST_PASSWORD


def _connect(user: str):
    db = connection.settings_dict
    conn = psycopg2.connect(host=db["HOST"], port=db["PORT"], dbname=db["NAME"], user=user,
                            password=db["PASSWORD"] if user == db["USER"] else None, connect_timeout=5)
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("SET lock_timeout = '5s'")
    return conn


@pytest.fixture
def as_app(django_db_setup):
    conn = _connect(settings.PORTAL_DB_APP_ROLE)
    yield conn
    conn.close()


REFUSED = [
    "TRUNCATE portal_auditevent",
    "UPDATE portal_auditevent SET detail = 'changed'",
    "DELETE FROM portal_auditevent",
    "ALTER TABLE portal_auditevent DISABLE TRIGGER portal_auditevent_append_only",
    "DROP TRIGGER portal_auditevent_append_only ON portal_auditevent",
    "ALTER TABLE portal_auditevent ADD COLUMN note text",
    "DROP TABLE portal_auditevent",
    "TRUNCATE portal_user CASCADE",
    "CREATE TABLE portal_shadow (id int)",
    "ALTER TABLE portal_user ADD COLUMN note text",
    "CREATE ROLE intruder",
]


@pytest.mark.parametrize("sql", REFUSED)
def test_the_app_role_may_not_empty_change_or_delete_the_audit_trail_nor_change_the_schema(as_app, sql):
    with as_app.cursor() as cursor, pytest.raises(psycopg2.errors.InsufficientPrivilege):
        cursor.execute(sql)


def test_the_app_role_is_no_superuser_and_may_add_to_and_read_the_audit_trail_only(as_app):
    with as_app.cursor() as cursor:
        cursor.execute("SELECT rolsuper, rolcreatedb, rolcreaterole, rolbypassrls FROM pg_roles "
                       "WHERE rolname = current_user")
        assert cursor.fetchone() == (False, False, False, False)
        cursor.execute("SELECT privilege_type FROM information_schema.role_table_grants "
                       "WHERE grantee = current_user AND table_name = 'portal_auditevent' ORDER BY 1")
        assert [row[0] for row in cursor.fetchall()] == ["INSERT", "SELECT"]
        cursor.execute("SELECT DISTINCT privilege_type FROM information_schema.role_table_grants "
                       "WHERE grantee = current_user ORDER BY 1")
        assert [row[0] for row in cursor.fetchall()] == ["DELETE", "INSERT", "SELECT", "UPDATE"]  # no TRUNCATE
        # every table of every app (sessions, axes, django_celery_beat ...) is reachable
        cursor.execute("SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                       "WHERE n.nspname = 'public' AND c.relkind = 'r' "
                       "AND NOT has_table_privilege(current_user, c.oid, 'SELECT')")
        assert cursor.fetchall() == []


def test_the_owner_cannot_truncate_the_audit_trail_either(django_db_setup):
    conn = _connect(connection.settings_dict["USER"])  # without the test database's permission to empty it
    try:
        with conn.cursor() as cursor, pytest.raises(psycopg2.errors.InsufficientPrivilege, match="append-only"):
            cursor.execute("TRUNCATE portal_auditevent")
    finally:
        conn.close()


WORK = """
import django
django.setup()
from django.db import connection

from portal import devstack
from django.test import Client
from django_celery_beat.models import PeriodicTask
from portal.services import audit_record

client = Client()
assert client.post("/accounts/login/", {"username": "bureau_staff", "password": "wrong"}).status_code == 200
assert client.post("/accounts/login/", {"username": "bureau_staff", "password": PASSWORD}).status_code == 302
for url in ("/", "/tasks/", "/inventory/", "/notifications/"):
    assert client.get(url).status_code == 200, url
PeriodicTask.objects.update(enabled=True)  # beat's schedule
audit_record(actor=None, action="job.check", detail="app role")
with connection.cursor() as cursor:
    cursor.execute("SELECT current_user")
    print(cursor.fetchone()[0])
"""


def test_the_app_role_signs_in_serves_pages_and_writes_the_audit_trail(transactional_db, users):
    db = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_XDIST_WORKER"}
    env.update({"DJANGO_SETTINGS_MODULE": "portal.settings.test",
                "DATABASE_URL": f"postgres://{settings.PORTAL_DB_APP_ROLE}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
                "REDIS_URL": settings.CACHES["default"]["LOCATION"]})
    done = subprocess.run([sys.executable, "-c", WORK.replace("PASSWORD", repr(TEST_PASSWORD))],
                          cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split()[-1] == settings.PORTAL_DB_APP_ROLE
    assert AuditEvent.objects.filter(action="auth.login", actor_username="bureau_staff").count() >= 1
    assert AuditEvent.objects.filter(action="job.check", detail="app role").exists()
    assert Session.objects.exists()
    from axes.models import AccessFailureLog

    assert AccessFailureLog.objects.filter(username="bureau_staff").exists()


def test_the_compose_init_script_makes_an_owner_and_an_app_role_without_truncate_or_ddl(django_db_setup):
    """deploy/postgres/10-portal-roles.sh, run as docker's postgres image runs it, against the test server."""
    suffix = os.environ.get("PYTEST_XDIST_WORKER", "main")
    owner, app, name = f"init_owner_{suffix}", f"init_app_{suffix}", f"init_check_{suffix}"
    superuser = _connect(connection.settings_dict["USER"])
    db = connection.settings_dict
    env = {**os.environ, "PATH": f"{devstack.pg_install_dir() / 'bin'}:{os.environ.get('PATH', '')}",
           "PGHOST": db["HOST"], "PGPORT": str(db["PORT"]), "POSTGRES_USER": db["USER"], "POSTGRES_DB": name,
           "PORTAL_DB_OWNER": owner, "PORTAL_DB_APP_ROLE": app,
           "PORTAL_DB_OWNER_PASSWORD": "owner-secret", "PORTAL_DB_APP_PASSWORD": "app-secret"}
    script = settings.BASE_DIR / "deploy" / "postgres" / "10-portal-roles.sh"
    try:
        with superuser.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        for _ in range(2):  # runs again on a volume that has the roles already
            done = subprocess.run(["sh", str(script)], env=env, capture_output=True, text=True, timeout=60)
            assert done.returncode == 0, done.stderr
        as_owner = psycopg2.connect(host=db["HOST"], port=db["PORT"], dbname=name, user=owner, connect_timeout=5)
        as_owner.autocommit = True
        with as_owner.cursor() as cursor:  # a migration of the owner's
            cursor.execute("CREATE TABLE portal_thing (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, "
                           "name text)")
            cursor.execute("CREATE TABLE portal_counter (id serial PRIMARY KEY)")
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            assert cursor.fetchone() == (False,)
        as_owner.close()
        as_app = psycopg2.connect(host=db["HOST"], port=db["PORT"], dbname=name, user=app, connect_timeout=5)
        as_app.autocommit = True
        with as_app.cursor() as cursor:
            cursor.execute("INSERT INTO portal_thing (name) VALUES ('a') RETURNING id")
            cursor.execute("INSERT INTO portal_counter DEFAULT VALUES")
            cursor.execute("UPDATE portal_thing SET name = 'b'")
            cursor.execute("DELETE FROM portal_counter")
            for sql in ("TRUNCATE portal_thing", "CREATE TABLE portal_shadow (id int)", "DROP TABLE portal_thing",
                        "ALTER TABLE portal_thing ADD COLUMN note text"):
                with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                    cursor.execute(sql)
        as_app.close()
    finally:
        with superuser.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cursor.execute(f'DROP ROLE IF EXISTS "{app}"')
            cursor.execute(f'DROP ROLE IF EXISTS "{owner}"')
        superuser.close()
