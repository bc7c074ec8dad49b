"""Rules the database itself enforces, whatever code path writes:
* the audit trail is append-only: UPDATE and DELETE on portal_auditevent are rejected;
* 三员分立: no account holds two of the three administrator roles."""
from django.db import migrations

AUDIT_APPEND_ONLY = """
CREATE OR REPLACE FUNCTION portal_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'portal_auditevent is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER portal_auditevent_append_only
    BEFORE UPDATE OR DELETE ON portal_auditevent
    FOR EACH ROW EXECUTE FUNCTION portal_auditevent_append_only();
"""

AUDIT_APPEND_ONLY_REVERSE = """
DROP TRIGGER IF EXISTS portal_auditevent_append_only ON portal_auditevent;
DROP FUNCTION IF EXISTS portal_auditevent_append_only();
"""

SEPARATION_OF_DUTIES = """
CREATE OR REPLACE FUNCTION portal_user_groups_separation() RETURNS trigger AS $$
BEGIN
    IF (SELECT count(*) FROM portal_user_groups ug JOIN auth_group g ON g.id = ug.group_id
        WHERE ug.user_id = NEW.user_id
          AND g.name IN ('system_admin', 'security_admin', 'audit_admin')) > 1 THEN
        RAISE EXCEPTION 'separation of duties: user % would hold more than one administrator role', NEW.user_id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE CONSTRAINT TRIGGER portal_user_groups_separation
    AFTER INSERT OR UPDATE ON portal_user_groups
    DEFERRABLE INITIALLY IMMEDIATE
    FOR EACH ROW EXECUTE FUNCTION portal_user_groups_separation();
"""

SEPARATION_OF_DUTIES_REVERSE = """
DROP TRIGGER IF EXISTS portal_user_groups_separation ON portal_user_groups;
DROP FUNCTION IF EXISTS portal_user_groups_separation();
"""


class Migration(migrations.Migration):
    dependencies = [("portal", "0001_initial")]

    operations = [
        migrations.RunSQL(AUDIT_APPEND_ONLY, AUDIT_APPEND_ONLY_REVERSE),
        migrations.RunSQL(SEPARATION_OF_DUTIES, SEPARATION_OF_DUTIES_REVERSE),
    ]
