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


@pytest.mark.parametrize("garbage", GARBAGE.values(), ids=GARBAGE.keys())
@pytest.mark.parametrize(("role", "url"), LIST_PAGES, ids=[f"{r}:{u}" for r, u in LIST_PAGES])
def test_a_list_page_with_garbage_in_every_filter_is_not_a_server_error(client_for, inventory, role, url, garbage):
    response = client_for(role).get(url, {name: garbage for name in PARAMETERS})
    assert response.status_code < 500, response.content[:500]
    assert response.status_code in (200, 302, 400, 404)


@pytest.mark.parametrize("garbage", ["99999999999999999999", "-1"])
def test_an_id_in_a_page_address_past_any_row_is_a_404(client_for, inventory, garbage):
    for url in (f"/inventory/enterprises/{garbage}/", f"/tasks/{garbage}/", f"/controls/lists/{garbage}/",
                f"/screening/runs/{garbage}/", f"/departments/{garbage}/"):
        assert client_for(perms.BUREAU_STAFF).get(url).status_code == 404, url


def test_nul_in_a_query_string_is_a_400_naming_the_character(client_for, api, inventory):
    page = client_for(perms.BUREAU_STAFF).get("/inventory/enterprises/", {"q": "\x00"})
    assert page.status_code == 400
    assert "NUL" in page.content.decode()
    answer = api(perms.BUREAU_STAFF).get("/api/v1/inventory/enterprises/", {"q": "\x00"})
    assert answer.status_code == 400
    assert answer["Content-Type"].startswith("application/json")
    assert "NUL" in answer.json()["detail"]
