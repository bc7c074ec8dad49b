"""等保 2.0 level 3 sign-in rules: password policy, lockout, idle timeout, forced first change,
and every sign-in event in the audit trail."""
import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import translation

from portal.middleware import SESSION_KEY
from portal.models import AuditEvent
from portal.services import user_create, user_unlock
from tests.factories import TEST_PASSWORD

LOGIN = "/accounts/login/"


def attempt(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password}, HTTP_ACCEPT_LANGUAGE="zh-hans")


@pytest.mark.parametrize("password, reason", [
    ("Ab1!xyz", "至少"),            # 7 characters
    ("abcdefgh1", "3"),              # two classes only
    ("ABCDEFGH", "3"),               # one class
    ("Passw0rd", "常见"),            # a common password
    ("12345678", "数字"),            # numbers only (and common)
])
def test_weak_passwords_are_rejected_in_chinese(db, password, reason):
    with translation.override("zh-hans"), pytest.raises(ValidationError) as error:
        validate_password(password)
    assert any(reason in m for m in error.value.messages), error.value.messages


@pytest.mark.parametrize("password", ["Tianqi2026", "shuo#zhou2026", "Qx7!mK2p"])
def test_passwords_with_three_classes_and_length_8_pass(db, password):
    validate_password(password)


def test_password_policy_is_configurable(db):
    validators = [{"NAME": "portal.validators.CharacterClassValidator", "OPTIONS": {"min_classes": 4}}]
    with override_settings(AUTH_PASSWORD_VALIDATORS=validators):
        with pytest.raises(ValidationError):
            validate_password("Tianqi2026")
        validate_password("Tianqi#2026")


def test_successful_login_is_audited_with_source_ip(users):
    client = Client(REMOTE_ADDR="10.1.2.3")
    response = client.post(LOGIN, {"username": "leader", "password": TEST_PASSWORD})
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="auth.login", outcome="success")
    assert event.actor == users["leader"] and event.source_ip == "10.1.2.3"


def test_five_failures_lock_the_account_for_the_right_password_too(users):
    client = Client()
    for _ in range(4):
        response = attempt(client, "leader", "wrong-password")
        assert response.status_code == 200
        assert "用户名或密码错误" in response.content.decode()
    response = attempt(client, "leader", "wrong-password")
    assert response.status_code == 429
    assert "锁定" in response.content.decode()
    # The right password does not help while locked.
    assert attempt(client, "leader", TEST_PASSWORD).status_code == 429
    assert AuditEvent.objects.filter(action="auth.login", outcome="failure", actor_username="leader").count() == 4
    assert AuditEvent.objects.filter(action="auth.lockout", actor_username="leader").count() >= 1
    assert not AuditEvent.objects.filter(action="auth.login", outcome="success").exists()


def test_lockout_is_per_account_and_security_admin_can_lift_it(users):
    client = Client()
    for _ in range(5):
        attempt(client, "leader", "wrong-password")
    assert attempt(client, "bureau_staff", TEST_PASSWORD).status_code == 302  # other accounts unaffected
    user_unlock(actor=users["security_admin"], user=users["leader"])
    assert attempt(Client(), "leader", TEST_PASSWORD).status_code == 302
    assert AuditEvent.objects.filter(action="user.unlock", object_id=str(users["leader"].pk)).exists()


def test_failure_for_unknown_account_is_audited_without_actor(db):
    attempt(Client(), "nobody-here", "whatever")
    event = AuditEvent.objects.get(action="auth.login", outcome="failure")
    assert event.actor is None and event.actor_username == "nobody-here"


def test_logout_is_audited_and_requires_post(users):
    client = Client()
    client.force_login(users["leader"])
    assert client.get(reverse("portal:logout")).status_code == 405
    assert client.post(reverse("portal:logout")).status_code == 302
    assert AuditEvent.objects.filter(action="auth.logout", actor=users["leader"]).exists()
    assert client.get("/").status_code == 302


@override_settings(PORTAL_IDLE_TIMEOUT_SECONDS=1800)
def test_idle_session_expires_after_30_minutes(users):
    client = Client()
    client.force_login(users["leader"])
    assert client.get("/").status_code == 200
    session = client.session
    session[SESSION_KEY] = session[SESSION_KEY] - 1801
    session.save()
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    assert AuditEvent.objects.filter(action="auth.timeout", actor=users["leader"]).exists()
    assert client.get("/").status_code == 302


@override_settings(PORTAL_IDLE_TIMEOUT_SECONDS=1800)
def test_activity_within_30_minutes_keeps_the_session(users):
    client = Client()
    client.force_login(users["leader"])
    client.get("/")
    session = client.session
    session[SESSION_KEY] = session[SESSION_KEY] - 1700
    session.save()
    assert client.get("/").status_code == 200


def test_account_created_by_admin_must_change_password_first(users, departments):
    user, initial = user_create(actor=users["system_admin"], username="newbie", real_name="新人",
                                department=departments["agri"])
    client = Client()
    assert client.post(LOGIN, {"username": "newbie", "password": initial}).status_code == 302
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == reverse("portal:password_change")
    assert client.get(reverse("api-me")).status_code == 403
    response = client.post(reverse("portal:password_change"), {
        "old_password": initial, "new_password1": "Shuozhou#2026", "new_password2": "Shuozhou#2026"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    user.refresh_from_db()
    assert not user.must_change_password and user.password_changed_at is not None
    assert AuditEvent.objects.filter(action="user.password_change", actor=user).exists()


def test_weak_new_password_is_refused_with_reason(users):
    client = Client()
    client.force_login(users["leader"])
    response = client.post(reverse("portal:password_change"), {
        "old_password": TEST_PASSWORD, "new_password1": "abcdefgh", "new_password2": "abcdefgh"},
        HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    assert "3" in response.content.decode() and "密码" in response.content.decode()
    users["leader"].refresh_from_db()
    assert users["leader"].check_password(TEST_PASSWORD)
