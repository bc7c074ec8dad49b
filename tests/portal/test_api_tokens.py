"""API tokens end: after an idle period and an absolute lifetime, and at once when the account is locked,
disabled, its password changed or reset, its roles changed, or its holder signs out or revokes the token; the
security administrator can revoke them too, and a token obeys the forced password change. Every issue and
revocation is audited, and only a digest of the key is stored."""
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portal import services
from portal.models import ApiToken, AuditEvent
from tests.factories import TEST_PASSWORD


def _issue(username, password=TEST_PASSWORD):
    response = Client().post(reverse("api-token"), {"username": username, "password": password})
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"token", "expires_at", "idle_timeout_seconds"}
    return body["token"]


def _me(key):
    return Client().get(reverse("api-me"), HTTP_AUTHORIZATION=f"Token {key}")


def _revocations(user):
    return AuditEvent.objects.filter(action="auth.token_revoke", object_id=str(user.pk))


def test_a_token_is_stored_as_a_digest_and_its_issue_audited(users):
    key = _issue("leader")
    token = ApiToken.objects.get(user=users["leader"])
    assert key not in (token.digest, token.prefix) and token.prefix == key[:8]
    assert _me(key).json()["username"] == "leader"
    assert AuditEvent.objects.filter(action="auth.token", actor=users["leader"], detail__startswith=key[:8]).exists()


def test_a_token_ends_after_its_absolute_lifetime(users, settings):
    key = _issue("leader")
    token = ApiToken.objects.get(user=users["leader"])
    lifetime = (token.expires_at - token.created_at).total_seconds()
    assert lifetime == settings.PORTAL_API_TOKEN_LIFETIME_SECONDS
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timezone.timedelta(seconds=1))
    response = _me(key)
    assert response.status_code == 401 and "过期" in response.json()["detail"]


def test_a_token_ends_when_idle_and_use_keeps_it_alive(users, settings):
    key = _issue("leader")
    idle = timezone.timedelta(seconds=settings.PORTAL_API_TOKEN_IDLE_SECONDS)
    ApiToken.objects.update(last_used_at=timezone.now() - idle + timezone.timedelta(seconds=90))
    assert _me(key).status_code == 200  # used: the idle clock starts again
    assert ApiToken.objects.get().last_used_at > timezone.now() - timezone.timedelta(seconds=5)
    ApiToken.objects.update(last_used_at=timezone.now() - idle - timezone.timedelta(seconds=1))
    assert _me(key).status_code == 401


def test_the_owner_revokes_the_token_with_delete(users):
    key, other = _issue("leader"), _issue("leader")
    response = Client().delete(reverse("api-token"), HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 204
    assert _me(key).status_code == 401
    assert _me(other).status_code == 200, "only the token the request was made with"
    assert _revocations(users["leader"]).count() == 1
    assert ApiToken.objects.get(prefix=key[:8]).revoked_reason == "owner"


def test_delete_without_a_token_or_session_is_401(db):
    assert Client().delete(reverse("api-token")).status_code == 401


def test_signing_out_of_the_web_revokes_the_tokens(users):
    key = _issue("leader")
    client = Client()
    client.force_login(users["leader"])
    client.post(reverse("portal:logout"))
    assert _me(key).status_code == 401
    assert _revocations(users["leader"]).exists()


def test_the_lockout_revokes_the_tokens(users):
    key = _issue("leader")
    client = Client()
    for _ in range(5):
        client.post(reverse("portal:login"), {"username": "leader", "password": "wrong-password"})
    assert _me(key).status_code == 401
    assert ApiToken.objects.get().revoked_reason == "lockout"


def test_a_locked_account_gets_no_token_and_the_api_answers_json(users):
    client = Client()
    for _ in range(5):
        client.post(reverse("api-token"), {"username": "leader", "password": "wrong-password"})
    response = client.post(reverse("api-token"), {"username": "leader", "password": TEST_PASSWORD})
    assert response.status_code == 429 and "锁定" in response.json()["detail"]
    assert not ApiToken.objects.exists()


def test_a_password_change_revokes_the_tokens(users):
    key = _issue("leader")
    services.user_change_password(user=users["leader"], new_password="Changed#2026x")
    assert _me(key).status_code == 401


def test_a_password_reset_by_the_administrator_revokes_the_tokens(users):
    key = _issue("department_officer")
    services.user_reset_password(actor=users["system_admin"], user=users["department_officer"])
    assert _me(key).status_code == 401
    assert ApiToken.objects.get().revoked_reason == "password_reset"


def test_a_role_change_revokes_the_tokens(users):
    key = _issue("leader")
    services.user_set_roles(actor=users["security_admin"], user=users["leader"], roles=["bureau_staff"])
    assert _me(key).status_code == 401


def test_disabling_the_account_revokes_the_tokens(users):
    key = _issue("leader")
    services.user_update(actor=users["system_admin"], user=users["leader"], is_active=False)
    assert _me(key).status_code == 401


def test_the_security_administrator_revokes_an_accounts_tokens(users):
    key = _issue("leader")
    client = Client()
    client.force_login(users["security_admin"])
    detail = client.get(reverse("portal:user_detail", args=[users["leader"].pk])).content.decode()
    assert reverse("portal:user_revoke_tokens", args=[users["leader"].pk]) in detail
    client.post(reverse("portal:user_revoke_tokens", args=[users["leader"].pk]))
    assert _me(key).status_code == 401
    event = _revocations(users["leader"]).get()
    assert event.actor == users["security_admin"]


@pytest.mark.parametrize("who", ["system_admin", "audit_admin", "bureau_staff"])
def test_nobody_else_revokes_another_accounts_tokens(users, who):
    from django.core.exceptions import PermissionDenied

    _issue("leader")
    with pytest.raises(PermissionDenied):
        services.api_tokens_revoke_by_security_admin(actor=users[who], user=users["leader"])
    assert ApiToken.objects.live().count() == 1


def test_a_token_obeys_the_forced_password_change(users):
    key = _issue("leader")
    type(users["leader"]).objects.filter(pk=users["leader"].pk).update(must_change_password=True)
    response = _me(key)
    assert response.status_code == 403 and "修改初始密码" in response.json()["detail"]
    refused = Client().post(reverse("api-token"), {"username": "leader", "password": TEST_PASSWORD})
    assert refused.status_code == 403 and ApiToken.objects.count() == 1


def test_a_malformed_token_header_is_401_not_500(db):
    for header in ("Token", "Token a b", "Token " + "x" * 500, "Bearer \u00ff"):
        assert Client().get(reverse("api-me"), HTTP_AUTHORIZATION=header).status_code == 401, header
