"""The audit trail refuses TRUNCATE too, for every role: the application role has no TRUNCATE privilege at all
(portal/database.py), and this trigger stops the owner's accidental `TRUNCATE` or `manage.py flush`.

Only a session that sets `portal.audit_truncate_allowed = on` may empty it: the test database, which pytest
flushes between transactional tests (portal/settings/test.py). Production never sets it."""
from django.db import migrations

AUDIT_NO_TRUNCATE = """
CREATE OR REPLACE FUNCTION portal_auditevent_no_truncate() RETURNS trigger AS $$
BEGIN
    IF current_setting('portal.audit_truncate_allowed', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'portal_auditevent is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER portal_auditevent_no_truncate
    BEFORE TRUNCATE ON portal_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION portal_auditevent_no_truncate();
"""

AUDIT_NO_TRUNCATE_REVERSE = """
DROP TRIGGER IF EXISTS portal_auditevent_no_truncate ON portal_auditevent;
DROP FUNCTION IF EXISTS portal_auditevent_no_truncate();
"""


class Migration(migrations.Migration):
    dependencies = [("portal", "0005_accounts_tokens_separation")]

    operations = [migrations.RunSQL(AUDIT_NO_TRUNCATE, AUDIT_NO_TRUNCATE_REVERSE)]
