"""Requests the API cannot serve — an id that is no number, a page past any list, a NUL byte in a filter, text
where an id goes, a body nested fifty thousand deep — are answered 400 or 404 with the API's JSON error body,
never a server error."""
import pytest

from portal import permissions as perms


@pytest.mark.parametrize(("method", "url"), [
    ("get", "/api/v1/controls/lists/null,null/"),
    ("post", "/api/v1/notifications/false/read/"),
])
def test_an_id_in_the_path_that_no_row_can_have_is_a_json_404(api, inventory, method, url):
    response = getattr(api(perms.BUREAU_STAFF), method)(url)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"]


@pytest.mark.parametrize("url", ["/api/v1/inventory/enterprises/", "/api/v1/controls/lists/",
                                 "/api/v1/screening/runs/"])
def test_a_page_number_past_any_list_is_a_404(api, inventory, url):
    response = api(perms.BUREAU_STAFF).get(url, {"page": "99999999999999999999"})
    assert response.status_code == 404
    assert response.json()["detail"]


@pytest.mark.parametrize("url", ["/api/v1/inventory/enterprises/", "/api/v1/tasks/tasks/",
                                 "/api/v1/departments/", "/api/v1/controls/draws/"])
def test_nul_in_a_filter_is_a_400(api, inventory, url):
    response = api(perms.BUREAU_STAFF).get(url, {"q": "a\x00"})
    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]


def test_text_where_an_id_goes_in_the_task_filters_is_no_filter(api, inventory, users):
    from tasks.models import ActionPlan

    ActionPlan.objects.create(title="某市新污染物治理工作方案", region=users[perms.BUREAU_STAFF].region)
    response = api(perms.BUREAU_STAFF).get("/api/v1/tasks/tasks/", {"department": "abc", "plan": "1.5"})
    assert response.status_code == 200
    assert response.json()["results"] == []


def test_a_json_body_nested_fifty_thousand_deep_is_a_400(api, inventory):
    body = "[" * 50_000 + "]" * 50_000
    response = api(perms.BUREAU_STAFF).post("/api/v1/inventory/enterprises/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"]


def test_the_schema_declares_the_error_responses_of_every_operation(api, users):
    schema = api(perms.SYSTEM_ADMIN).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            assert {"400", "401", "403", "404", "429"} <= set(operation["responses"]), f"{method} {path}"
    assert schema["components"]["schemas"]["Error"]["properties"]["detail"]["type"] == "string"
    enterprise = schema["components"]["schemas"]["Enterprise"]["properties"]
    assert enterprise["industry_name"]["nullable"] is True
