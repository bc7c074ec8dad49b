"""Every page and endpoint built so far issues a fixed number of SQL queries, the same for 2 rows as for
20 (the numbers are pinned: a change that adds a query per row, or any query, shows up here)."""
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import (
    AuditEventFactory,
    DepartmentAliasFactory,
    DepartmentFactory,
    NotificationFactory,
    UserFactory,
)

# name: (role, kwargs builder, exact query count)
PAGES = {
    "portal:home": ("bureau_staff", None, 15),  # + the survey reports to review (and the reviewer's region)
    "portal:cockpit": ("leader", None, 4),
    "portal:notification_list": ("bureau_staff", None, 7),
    "portal:user_list": ("system_admin", None, 11),
    "portal:user_detail": ("security_admin", lambda u: {"pk": u["department_officer"].pk}, 11),  # + the live API tokens
    "portal:department_list": ("bureau_staff", None, 8),
    "portal:department_detail": ("bureau_staff", lambda u: {"pk": u["bureau_staff"].department_id}, 8),
    "portal:audit_list": ("audit_admin", None, 9),
    "inventory:index": ("bureau_staff", None, 11),
    "tasks:index": ("department_officer", None, 10),
    "api-me": ("leader", None, 4),
    "portal:password_change": ("leader", None, 5),
    "portal:user_create": ("system_admin", None, 9),
    "portal:notification_badge": ("bureau_staff", None, 4),
    "screening:index": ("leader", None, 10),
    "controls:index": ("department_officer", None, 9),
    "admin:index": ("system_admin", None, 7),
    "department-list": ("bureau_staff", None, 8),
    "region-list": ("bureau_staff", None, 6),
    "notification-list": ("bureau_staff", None, 4),
}


def add_rows(users, n):
    staff = users["bureau_staff"]
    for _i in range(n):
        department = DepartmentFactory(region=staff.department.region)
        DepartmentAliasFactory(department=department)
        DepartmentAliasFactory(department=staff.department)
        UserFactory(department=department, roles=["bureau_staff"])
        NotificationFactory(recipient=staff)
        AuditEventFactory(actor=staff)


def count(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


@pytest.mark.parametrize("name", sorted(PAGES))
def test_query_count_is_fixed_and_independent_of_rows(name, users):
    role, kwargs, expected = PAGES[name]
    client = Client()
    client.force_login(users[role])
    url = reverse(name, kwargs=kwargs(users) if kwargs else None)
    add_rows(users, 2)
    client.get(url)  # the first request of a session also records the activity time
    few = count(client, url)
    add_rows(users, 18)
    many = count(client, url)
    assert (few, many) == (expected, expected)


def test_login_page_queries_nothing_for_anonymous(db):
    client = Client()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("portal:login")).status_code == 200
    assert len(queries) == 0
