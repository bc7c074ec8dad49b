"""Garbage in a page's address — a page number past any list, text where an id or a year goes, a NUL byte —
is answered as a bad request, an empty list or the page without the filter, never as a server error."""

import pytest

from portal import permissions as perms

LIST_PAGES = [
    (perms.BUREAU_STAFF, "/"),
    (perms.LEADER, "/cockpit/"),
    (perms.BUREAU_STAFF, "/notifications/"),
    (perms.SYSTEM_ADMIN, "/users/"),
    (perms.BUREAU_STAFF, "/departments/"),
    (perms.AUDIT_ADMIN, "/audit/"),
    (perms.AUDIT_ADMIN, "/audit/export/"),
    (perms.BUREAU_STAFF, "/inventory/"),
    (perms.BUREAU_STAFF, "/inventory/enterprises/"),
    (perms.BUREAU_STAFF, "/inventory/substances/"),
    (perms.BUREAU_STAFF, "/inventory/groups/"),
    (perms.BUREAU_STAFF, "/inventory/campaigns/"),
    (perms.BUREAU_STAFF, "/inventory/reports/"),
    (perms.BUREAU_STAFF, "/inventory/curation/"),
    (perms.BUREAU_STAFF, "/inventory/monitoring/"),
    (perms.BUREAU_STAFF, "/inventory/imports/"),
    (perms.BUREAU_STAFF, "/screening/"),
    (perms.BUREAU_STAFF, "/screening/hazard/"),
    (perms.BUREAU_STAFF, "/screening/profiles/"),
    (perms.BUREAU_STAFF, "/screening/runs/"),
    (perms.BUREAU_STAFF, "/screening/assessments/"),
    (perms.BUREAU_STAFF, "/controls/"),
    (perms.BUREAU_STAFF, "/controls/inspections/"),
    ("anonymous", "/public/controls/"),
    (perms.BUREAU_STAFF, "/tasks/"),
    (perms.DEPARTMENT_OFFICER, "/tasks/"),
    (perms.BUREAU_STAFF, "/tasks/plans/"),
    (perms.BUREAU_STAFF, "/tasks/review/"),
    (perms.BUREAU_STAFF, "/tasks/chase/"),
    (perms.BUREAU_STAFF, "/tasks/indicators/"),
    (perms.BUREAU_STAFF, "/tasks/documents/"),
]
PARAMETERS = ["page", "year", "region", "plan", "department", "status", "q", "kind", "level", "alert", "list",
              "campaign", "enterprise", "substance", "site", "actor", "action", "outcome", "date_from", "date_to",
              "since", "until", "medium", "activity", "role", "profile", "run", "group", "format", "export", "sort"]
GARBAGE = {
    "text": "abc",
    "huge": "99999999999999999999",
    "negative": "-1",
    "decimal": "1.5",
    "pair": "null,null",
    "nul": "a\x00b",
}


def test_the_list_pages_with_garbage_in_every_filter_are_never_a_server_error(client_for, inventory):
    errors = []
    for role, url in LIST_PAGES:
        client = client_for(role)
        client.raise_request_exception = False          # a server error is a 500 answer, as a browser sees it
        for kind, garbage in GARBAGE.items():
            response = client.get(url, {name: garbage for name in PARAMETERS})
            if response.status_code not in (200, 302, 400, 404):
                errors.append(f"{role} {url} ({kind}): {response.status_code}")
    assert not errors, "\n".join(errors)


def test_nul_in_a_query_string_is_a_400_naming_the_character(client_for, api, inventory):
    page = client_for(perms.BUREAU_STAFF).get("/inventory/enterprises/", {"q": "\x00"})
    assert page.status_code == 400
    assert "NUL" in page.content.decode()
    answer = api(perms.BUREAU_STAFF).get("/api/v1/inventory/enterprises/", {"q": "\x00"})
    assert answer.status_code == 400
    assert answer["Content-Type"].startswith("application/json")
    assert "NUL" in answer.json()["detail"]


@pytest.mark.parametrize("url", ["/public/controls/%00/1/", "/public/controls/%00/1/download/"])
def test_nul_in_a_page_address_is_a_404(client_for, inventory, url):
    client = client_for("anonymous")
    client.raise_request_exception = False
    assert client.get(url).status_code == 404


def test_text_where_a_form_expects_an_id_is_a_404_and_nul_in_a_form_a_400(client_for, inventory):
    from screening.models import RiskAssessment

    client = client_for(perms.BUREAU_STAFF)
    client.raise_request_exception = False
    assert client.post("/screening/assessments/new/", {"substance": "abc"}).status_code == 404
    refused = client.post("/screening/assessments/new/", "substance=1%00",
                          content_type="application/x-www-form-urlencoded")
    assert refused.status_code == 400
    assert "NUL" in refused.content.decode()
    assert not RiskAssessment.objects.exists()


def test_the_detail_pages_with_garbage_in_every_filter_are_never_a_server_error(client_for, inventory):
    pages = [f"/inventory/enterprises/{inventory['enterprise'].pk}/", f"/inventory/substances/{inventory['dcm'].pk}/",
             f"/inventory/reports/{inventory['report'].pk}/", f"/inventory/monitoring/{inventory['site'].pk}/",
             f"/inventory/campaigns/{inventory['campaign'].pk}/reports/"]
    client = client_for(perms.BUREAU_STAFF)
    client.raise_request_exception = False
    errors = []
    for url in pages:
        for kind, garbage in GARBAGE.items():
            response = client.get(url, {name: garbage for name in PARAMETERS})
            if response.status_code not in (200, 302, 400, 404):
                errors.append(f"{url} ({kind}): {response.status_code}")
    assert not errors, "\n".join(errors)
