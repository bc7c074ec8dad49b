"""Administrator password resets by two administrators, API tokens that end, and 三员分立 made whole: the
database now also refuses an administrator role together with a business role. The migration refuses to run
while an account breaks that rule, naming it; the plaintext tokens of the earlier token table are dropped."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


ADMIN = ("system_admin", "security_admin", "audit_admin")
BUSINESS = ("bureau_staff", "department_officer", "leader")

OFFENDERS = """
SELECT u.username, string_agg(g.name, ', ' ORDER BY g.name)
FROM portal_user u JOIN portal_user_groups ug ON ug.user_id = u.id JOIN auth_group g ON g.id = ug.group_id
WHERE g.name IN %s GROUP BY u.id, u.username
HAVING count(*) FILTER (WHERE g.name IN %s) > 1
    OR (count(*) FILTER (WHERE g.name IN %s) >= 1 AND count(*) FILTER (WHERE g.name IN %s) >= 1)
ORDER BY u.username
"""


def offending_accounts(cursor) -> list[tuple[str, str]]:
    cursor.execute(OFFENDERS, [ADMIN + BUSINESS, ADMIN, ADMIN, BUSINESS])
    return cursor.fetchall()


def refuse_offenders(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        rows = offending_accounts(cursor)
    if rows:
        names = "; ".join(f"{username} ({roles})" for username, roles in rows)
        raise RuntimeError(
            "三员分立：以下账号同时持有管理员角色与业务角色（或多个管理员角色），迁移已停止。请先由安全管理员在当前版本中"
            f"为这些账号只保留一种角色，再运行迁移：{names}\n"
            "Separation of duties: these accounts hold an administrator role together with a business role (or two "
            f"administrator roles); give each one role only, then migrate again: {names}")


SEPARATION_OF_DUTIES = """
CREATE OR REPLACE FUNCTION portal_user_groups_separation() RETURNS trigger AS $$
DECLARE
    admin_roles integer;
    business_roles integer;
BEGIN
    SELECT count(*) FILTER (WHERE g.name IN ('system_admin', 'security_admin', 'audit_admin')),
           count(*) FILTER (WHERE g.name IN ('bureau_staff', 'department_officer', 'leader'))
      INTO admin_roles, business_roles
      FROM portal_user_groups ug JOIN auth_group g ON g.id = ug.group_id
     WHERE ug.user_id = NEW.user_id;
    IF admin_roles > 1 THEN
        RAISE EXCEPTION 'separation of duties: user % would hold more than one administrator role', NEW.user_id
            USING ERRCODE = 'check_violation';
    END IF;
    IF admin_roles >= 1 AND business_roles >= 1 THEN
        RAISE EXCEPTION 'separation of duties: user % would hold an administrator role and a business role', NEW.user_id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""

SEPARATION_OF_DUTIES_REVERSE = """
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
"""


class Migration(migrations.Migration):

    dependencies = [
        ('portal', '0004_cockpit_summary'),
    ]

    operations = [
        migrations.RunPython(refuse_offenders, migrations.RunPython.noop),
        migrations.RunSQL(SEPARATION_OF_DUTIES, SEPARATION_OF_DUTIES_REVERSE),
        # The earlier tokens were kept in plaintext and never ended.
        migrations.RunSQL("DROP TABLE IF EXISTS authtoken_token", migrations.RunSQL.noop),
        migrations.AlterModelOptions(
            name='user',
            options={'ordering': ['username'], 'permissions': [('manage_roles', 'Can assign roles to users'), ('unlock_user', 'Can unlock locked-out accounts'), ('reset_admin_password', "Can take part in resetting an administrator's password"), ('revoke_token', "Can revoke other accounts' API tokens")], 'verbose_name': 'user', 'verbose_name_plural': 'users'},
        ),
        migrations.CreateModel(
            name='ApiToken',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('digest', models.CharField(editable=False, max_length=64, unique=True)),
                ('prefix', models.CharField(editable=False, max_length=8, verbose_name='key begins with')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='issued at')),
                ('last_used_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='last used at')),
                ('expires_at', models.DateTimeField(verbose_name='expires at')),
                ('created_ip', models.GenericIPAddressField(blank=True, null=True, verbose_name='issued to address')),
                ('revoked_at', models.DateTimeField(blank=True, null=True, verbose_name='revoked at')),
                ('revoked_reason', models.CharField(blank=True, max_length=32, verbose_name='why revoked')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='api_tokens', to=settings.AUTH_USER_MODEL, verbose_name='account')),
            ],
            options={
                'verbose_name': 'API token',
                'verbose_name_plural': 'API tokens',
                'ordering': ['-created_at'],
                'indexes': [models.Index(condition=models.Q(('revoked_at__isnull', True)), fields=['user'], name='api_token_live_by_user')],
            },
        ),
        migrations.CreateModel(
            name='PasswordResetRequest',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('requested_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='requested at')),
                ('closed_at', models.DateTimeField(blank=True, null=True, verbose_name='closed at')),
                ('status', models.CharField(choices=[('pending', 'Waiting for confirmation'), ('completed', 'Completed'), ('cancelled', 'Cancelled'), ('expired', 'Expired')], default='pending', max_length=16, verbose_name='status')),
                ('first_half', models.CharField(blank=True, editable=False, max_length=128)),
                ('confirmed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='confirmed by')),
                ('requested_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='requested by')),
                ('target', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='password_reset_requests', to=settings.AUTH_USER_MODEL, verbose_name='account')),
            ],
            options={
                'verbose_name': 'administrator password reset',
                'verbose_name_plural': 'administrator password resets',
                'ordering': ['-requested_at'],
                'constraints': [models.UniqueConstraint(condition=models.Q(('status', 'pending')), fields=('target',), name='one_pending_reset_per_account')],
            },
        ),
    ]
