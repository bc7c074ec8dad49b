"""三员分立: no account holds two of the system, security and audit administrator roles."""
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from portal.models import AuditEvent
from portal.permissions import user_roles
from portal.services import user_set_roles
from tests.factories import UserFactory


@pytest.fixture
def target(users, departments):
    return UserFactory(username="target", department=departments["bureau"])


@pytest.mark.parametrize("pair", [("system_admin", "security_admin"), ("system_admin", "audit_admin"),
                                  ("security_admin", "audit_admin")])
def test_service_refuses_two_admin_roles(users, target, pair):
    with translation.override("zh-hans"), pytest.raises(ValidationError) as error:
        user_set_roles(actor=users["security_admin"], user=target, roles=pair)
    assert "三员分立" in error.value.messages[0]
    assert user_roles(target) == frozenset()
    assert not AuditEvent.objects.filter(action="user.roles", object_id=str(target.pk)).exists()


def test_one_admin_role_alone_is_allowed_and_audited(users, target):
    target.password_changed_at = timezone.now()
    target.save()
    user_set_roles(actor=users["security_admin"], user=target, roles=["system_admin"])
    target.refresh_from_db()
    assert set(target.groups.values_list("name", flat=True)) == {"system_admin"}
    assert target.is_staff
    event = AuditEvent.objects.get(action="user.roles", object_id=str(target.pk))
    assert event.before == {"roles": []} and event.after == {"roles": ["system_admin"]}


@pytest.mark.parametrize("pair", [("system_admin", "leader"), ("audit_admin", "bureau_staff"),
                                  ("security_admin", "department_officer")])
def test_service_refuses_an_admin_role_with_a_business_role(users, target, pair):
    with translation.override("zh-hans"), pytest.raises(ValidationError) as error:
        user_set_roles(actor=users["security_admin"], user=target, roles=pair)
    assert "三员分立" in error.value.messages[0] and "业务角色" in error.value.messages[0]
    assert user_roles(target) == frozenset()
    assert not AuditEvent.objects.filter(action="user.roles", object_id=str(target.pk)).exists()


@pytest.mark.parametrize("pair", [("system_admin", "leader"), ("audit_admin", "bureau_staff")])
def test_database_rejects_an_admin_role_with_a_business_role(users, target, pair):
    from django.contrib.auth.models import Group

    target.groups.add(Group.objects.get(name=pair[1]))
    with pytest.raises(IntegrityError), transaction.atomic():
        target.groups.add(Group.objects.get(name=pair[0]))
    assert set(target.groups.values_list("name", flat=True)) == {pair[1]}


def test_roles_form_refuses_an_admin_role_with_a_business_role_in_chinese(users, target):
    client = Client()
    client.force_login(users["security_admin"])
    response = client.post(reverse("portal:user_roles", args=[target.pk]),
                           {"roles": ["system_admin", "leader"]}, follow=True, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "不能与业务角色同时" in response.content.decode()
    assert user_roles(type(target).objects.get(pk=target.pk)) == frozenset()


def test_database_rejects_two_admin_roles_whatever_the_code_path(users, target):
    from django.contrib.auth.models import Group

    target.groups.add(Group.objects.get(name="audit_admin"))
    with pytest.raises(IntegrityError), transaction.atomic():
        target.groups.add(Group.objects.get(name="security_admin"))
    assert set(target.groups.values_list("name", flat=True)) == {"audit_admin"}


def test_only_security_admin_may_assign_roles(users, target):
    for role in ("system_admin", "audit_admin", "bureau_staff", "leader"):
        with pytest.raises(PermissionDenied):
            user_set_roles(actor=users[role], user=target, roles=["leader"])


def test_security_admin_cannot_change_own_roles(users):
    with pytest.raises(PermissionDenied):
        user_set_roles(actor=users["security_admin"], user=users["security_admin"], roles=["leader"])


def test_roles_form_shows_chinese_error_and_keeps_roles(users, target):
    client = Client()
    client.force_login(users["security_admin"])
    response = client.post(reverse("portal:user_roles", args=[target.pk]),
                           {"roles": ["system_admin", "audit_admin"]}, follow=True, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "三员分立" in response.content.decode()
    assert user_roles(type(target).objects.get(pk=target.pk)) == frozenset()
