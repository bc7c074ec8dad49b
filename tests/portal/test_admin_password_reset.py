"""三员分立 and credentials: no administrator ever obtains the password of an administrator account. Such a
reset takes two administrators (one asks, another confirms, each sees only their half) or manage.py on the
server; an administrator role goes only to an account whose holder set their own password."""
import html
import importlib

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from portal import services
from portal.models import AuditEvent, PasswordResetRequest, User
from tests.factories import TEST_PASSWORD, UserFactory


def _signed_in(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def _text(response):
    return html.unescape(response.content.decode())


def _password_unchanged(user):
    return User.objects.get(pk=user.pk).check_password(TEST_PASSWORD)


@pytest.mark.parametrize("target", ["audit_admin", "security_admin"])
def test_system_admin_cannot_reset_an_administrators_password_on_the_user_page(users, target):
    response = _signed_in(users["system_admin"]).post(
        reverse("portal:user_reset_password", args=[users[target].pk]), follow=True)
    text = response.content.decode()
    assert response.status_code == 200 and 'data-testid="initial-password"' not in text
    assert "两名管理员" in text
    assert _password_unchanged(users[target])
    assert not AuditEvent.objects.filter(action="user.password_reset", object_id=str(users[target].pk)).exists()


def test_the_reset_button_is_not_offered_for_an_administrator_account(users):
    text = _signed_in(users["system_admin"]).get(
        reverse("portal:user_detail", args=[users["audit_admin"].pk])).content.decode()
    assert reverse("portal:user_reset_password", args=[users["audit_admin"].pk]) not in text
    assert reverse("portal:admin_password_reset_request", args=[users["audit_admin"].pk]) in text


def test_an_administrators_password_takes_two_administrators_and_neither_sees_the_whole(users):
    target = users["audit_admin"]
    asked = _signed_in(users["system_admin"]).post(reverse("portal:admin_password_reset_request", args=[target.pk]))
    assert asked.status_code == 200
    first = asked.context["half"]
    assert first in _text(asked)
    assert _password_unchanged(target), "nothing changes before the second administrator confirms"
    reset = PasswordResetRequest.objects.get(target=target, status="pending")
    detail = _signed_in(users["security_admin"]).get(reverse("portal:user_detail", args=[target.pk]))
    assert first not in _text(detail)

    confirmed = _signed_in(users["security_admin"]).post(reverse("portal:admin_password_reset_confirm",
                                                                 args=[reset.pk]))
    assert confirmed.status_code == 200
    second = confirmed.context["half"]
    assert first not in _text(confirmed) and second in _text(confirmed)
    assert second not in _text(asked)

    target = User.objects.get(pk=target.pk)
    assert target.check_password(first + second)
    assert not target.check_password(first) and not target.check_password(second)
    assert target.must_change_password and target.password_changed_at is None
    reset.refresh_from_db()
    assert reset.status == "completed" and reset.confirmed_by == users["security_admin"] and reset.first_half == ""
    actions = list(AuditEvent.objects.filter(object_id=str(target.pk), action__startswith="user.password")
                   .order_by("id").values_list("action", "actor_username"))
    assert actions == [("user.password_reset_request", "system_admin"), ("user.password_reset", "security_admin")]


def test_the_administrator_who_asked_cannot_confirm(users):
    reset, _half = services.admin_password_reset_request(actor=users["system_admin"], user=users["audit_admin"])
    with pytest.raises(PermissionDenied):
        services.admin_password_reset_confirm(actor=users["system_admin"], reset=reset)
    assert _password_unchanged(users["audit_admin"])
    assert PasswordResetRequest.objects.get(pk=reset.pk).status == "pending"


@pytest.mark.parametrize("who", ["bureau_staff", "leader", "department_officer", "audit_admin"])
def test_only_system_and_security_administrators_take_part(users, who):
    with pytest.raises(PermissionDenied):
        services.admin_password_reset_request(actor=users[who], user=users["security_admin"])
    assert not PasswordResetRequest.objects.exists()


def test_nobody_takes_part_in_resetting_their_own_password(users):
    with pytest.raises(PermissionDenied):
        services.admin_password_reset_request(actor=users["security_admin"], user=users["security_admin"])
    reset, _half = services.admin_password_reset_request(actor=users["security_admin"], user=users["system_admin"])
    with pytest.raises(PermissionDenied):
        services.admin_password_reset_confirm(actor=users["system_admin"], reset=reset)
    assert _password_unchanged(users["system_admin"])


def test_a_second_request_while_one_waits_is_refused_and_an_old_one_lapses(users, settings):
    reset, _half = services.admin_password_reset_request(actor=users["system_admin"], user=users["audit_admin"])
    with translation.override("zh-hans"), pytest.raises(ValidationError) as error:
        services.admin_password_reset_request(actor=users["system_admin"], user=users["audit_admin"])
    assert "等待确认" in error.value.messages[0]
    PasswordResetRequest.objects.filter(pk=reset.pk).update(
        requested_at=timezone.now() - timezone.timedelta(hours=settings.PORTAL_ADMIN_RESET_REQUEST_HOURS + 1))
    with pytest.raises(ValidationError):
        services.admin_password_reset_confirm(actor=users["security_admin"], reset=reset)
    assert _password_unchanged(users["audit_admin"])
    services.admin_password_reset_request(actor=users["system_admin"], user=users["audit_admin"])
    reset.refresh_from_db()
    assert reset.status == "expired" and reset.first_half == ""


def test_a_request_can_be_cancelled_and_then_not_confirmed(users):
    reset, _half = services.admin_password_reset_request(actor=users["system_admin"], user=users["audit_admin"])
    services.admin_password_reset_cancel(actor=users["security_admin"], reset=reset)
    reset.refresh_from_db()
    assert reset.status == "cancelled" and reset.first_half == ""
    with pytest.raises(ValidationError):
        services.admin_password_reset_confirm(actor=users["security_admin"], reset=reset)
    assert AuditEvent.objects.filter(action="user.password_reset_cancel", actor_username="security_admin").exists()


def test_manage_py_resets_an_administrators_password_on_the_server_and_audits_it(users, capsys):
    call_command("reset_password", "security_admin")
    printed = capsys.readouterr().out.strip().rsplit(" ", 1)[-1]
    user = User.objects.get(username="security_admin")
    assert user.check_password(printed) and user.must_change_password
    event = AuditEvent.objects.get(action="user.password_reset", object_id=str(user.pk))
    assert event.actor is None and event.actor_username == "manage.py"


def test_an_admin_role_goes_only_to_an_account_whose_holder_set_the_password(users, departments):
    """Otherwise the system administrator creates an account (and knows its initial password), the security
    administrator makes it an administrator, and the system administrator signs in as that administrator."""
    account, initial = services.user_create(actor=users["system_admin"], username="newadmin", real_name="新管理员",
                                            department=departments["bureau"])
    with translation.override("zh-hans"), pytest.raises(ValidationError) as error:
        services.user_set_roles(actor=users["security_admin"], user=account, roles=["audit_admin"])
    assert "自行设置" in error.value.messages[0]
    assert not account.groups.exists()
    services.user_change_password(user=account, new_password="Holder#Own2026")
    services.user_set_roles(actor=users["security_admin"], user=account, roles=["audit_admin"])
    assert set(account.groups.values_list("name", flat=True)) == {"audit_admin"}
    # a reset by the system administrator starts it over: no administrator role until the holder changes it again
    services.user_set_roles(actor=users["security_admin"], user=account, roles=[])
    services.user_reset_password(actor=users["system_admin"], user=account)
    with pytest.raises(ValidationError):
        services.user_set_roles(actor=users["security_admin"], user=account, roles=["security_admin"])


def test_djangos_admin_site_never_sets_a_password(users):
    client = _signed_in(users["system_admin"])
    for who in ("audit_admin", "leader"):
        url = reverse("admin:auth_user_password_change",
                      args=[users[who].pk])
        assert client.get(url).status_code == 403
        assert client.post(url, {"password1": "Forged#2026x", "password2": "Forged#2026x"}).status_code == 403
        assert _password_unchanged(users[who])


def test_an_account_added_in_djangos_admin_must_change_its_password(users, departments):
    client = _signed_in(users["system_admin"])
    response = client.post(reverse("admin:portal_user_add"), {
        "username": "viaadmin", "real_name": "后台账号", "department": departments["bureau"].pk,
        "password1": "Chosen#2026ab", "password2": "Chosen#2026ab", "usable_password": "true"})
    assert response.status_code == 302, response.content.decode()[:2000]
    account = User.objects.get(username="viaadmin")
    assert account.must_change_password and account.password_changed_at is None
    account.password_changed_at = None
    with pytest.raises(ValidationError):
        services.user_set_roles(actor=users["security_admin"], user=account, roles=["audit_admin"])


def test_existing_accounts_breaking_the_rule_are_named_by_the_check_and_the_migration(users):
    """Rows from before the trigger (here written with it switched off) are found and named."""
    from portal.apps import separation_of_duties_check

    with connection.cursor() as cursor:  # checked at commit, and the test's transaction never commits
        cursor.execute("SET CONSTRAINTS portal_user_groups_separation DEFERRED")
    users["audit_admin"].groups.add(Group.objects.get(name="bureau_staff"))
    errors = separation_of_duties_check(databases=["default"])
    assert [e.id for e in errors] == ["portal.E001"] and "audit_admin" in errors[0].msg
    migration = importlib.import_module("portal.migrations.0005_accounts_tokens_separation")

    class Editor:
        pass

    editor = Editor()
    editor.connection = connection
    with pytest.raises(RuntimeError) as error:
        migration.refuse_offenders(None, editor)
    assert "audit_admin (audit_admin, bureau_staff)" in str(error.value) and "三员分立" in str(error.value)
    users["audit_admin"].groups.remove(Group.objects.get(name="bureau_staff"))


def test_the_seeded_roles_break_no_rule(users):
    from portal.selectors import separation_of_duties_violations

    UserFactory(username="plain")
    assert separation_of_duties_violations() == []
