"""The REST API: /api/v1/me/, token authentication, pagination, filters, the self-hosted docs."""
import re

from django.test import Client
from django.urls import reverse

from portal.services import api_token_issue
from tests.factories import NotificationFactory


def test_me_returns_user_department_region_and_roles(users):
    client = Client()
    client.force_login(users["department_officer"])
    data = client.get(reverse("api-me")).json()
    assert data["username"] == "department_officer"
    assert data["department"]["name"] == "朔州市农业农村局"
    assert data["region"] == {"code": "140600", "name": "朔州市", "level": "prefecture"}
    assert data["roles"] == ["department_officer"]


def test_token_authentication_works_without_session(users):
    _token, key = api_token_issue(user=users["leader"])
    response = Client().get(reverse("api-me"), HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200 and response.json()["roles"] == ["leader"]
    assert Client().get(reverse("api-me"), HTTP_AUTHORIZATION="Token wrong").status_code == 401


def test_notifications_are_paginated_and_filterable(users):
    NotificationFactory.create_batch(3, recipient=users["leader"])
    NotificationFactory(recipient=users["bureau_staff"])
    client = Client()
    client.force_login(users["leader"])
    data = client.get(reverse("notification-list"), {"read_at__isnull": "true"}).json()
    assert data["count"] == 3 and len(data["results"]) == 3
    first = data["results"][0]["id"]
    assert client.post(reverse("notification-read", args=[first])).json()["read_at"] is not None
    assert client.get(reverse("notification-list"), {"read_at__isnull": "true"}).json()["count"] == 2


def test_departments_filter_by_region_code(users, departments):
    client = Client()
    client.force_login(users["bureau_staff"])
    data = client.get(reverse("department-list"), {"region": "140602"}).json()
    assert [d["name"] for d in data["results"]] == ["朔州市生态环境局朔城分局"]


def test_openapi_schema_lists_the_endpoints(users):
    client = Client()
    client.force_login(users["leader"])
    schema = client.get(reverse("api-schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    assert schema["openapi"].startswith("3.")
    assert {"/api/v1/me/", "/api/v1/departments/", "/api/v1/regions/{code}/"} <= set(schema["paths"])


def test_api_docs_load_every_asset_from_the_portal_itself(users):
    client = Client()
    client.force_login(users["leader"])
    html = client.get(reverse("api-docs")).content.decode()
    urls = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
    assert urls, "the docs page references its assets"
    outside = [u for u in urls if u.startswith(("http://", "https://", "//"))]
    assert not outside, outside
    assert "<script>" not in html.replace(" ", ""), "no inline script (Content-Security-Policy)"
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url


def test_token_endpoint_gives_a_token_for_good_credentials_only(users, password):
    from portal.models import AuditEvent

    client = Client()
    bad = client.post(reverse("api-token"), {"username": "leader", "password": "wrong"})
    assert bad.status_code == 400
    good = client.post(reverse("api-token"), {"username": "leader", "password": password})
    assert good.status_code == 200
    me = Client().get(reverse("api-me"), HTTP_AUTHORIZATION=f"Token {good.json()['token']}")
    assert me.json()["username"] == "leader"
    assert AuditEvent.objects.filter(action="auth.login", outcome="failure", actor_username="leader").exists()
    assert AuditEvent.objects.filter(action="auth.token", actor=users["leader"]).exists()


def test_openapi_schema_generates_without_warnings(tmp_path, db):
    """Every endpoint of every app is described (a warning means a field or enum the docs get wrong)."""
    from django.core.management import call_command

    call_command("spectacular", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))
    assert "/api/v1/screening/runs/" in (tmp_path / "schema.yml").read_text(encoding="utf-8")


def test_the_docs_page_signed_out_sends_to_the_sign_in_page_and_back(db):
    response = Client().get(reverse("api-docs"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('portal:login')}?next={reverse('api-docs')}"


def test_every_page_names_the_portals_icon_and_favicon_ico_leads_to_it(users):
    client = Client()
    client.force_login(users["leader"])
    assert 'rel="icon"' in client.get(reverse("portal:home")).content.decode()
    icon = Client().get("/favicon.ico")
    assert icon.status_code == 301 and icon["Location"].endswith(".svg")
    assert Client().get(icon["Location"]).status_code == 200
