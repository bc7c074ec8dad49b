"""The controls pages: the 2023 list with its entries, CAS numbers and dated measures; the controlled-
enterprise list recomputed from accepted surveys and shown with its basis; a fixed number of queries."""
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from controls.models import ControlList
from controls.services import reference_lists_load


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def national(db, inventory):
    reference_lists_load()
    return ControlList.objects.get(kind="national_key")


def login(users, role):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(users[role])
    return client


def test_the_national_list_shows_entries_cas_and_dated_measures(users, national):
    page = login(users, "department_officer").get(reverse("controls:list_detail", args=[national.pk]))
    text = page.content.decode()
    assert page.status_code == 200 and "生态环境部等6部门令第28号" in text and "2023-03-01" in text
    assert "1763-23-1" in text and "2023-12-31" in text
    assert len(page.context["entries"]) == 14
    index = login(users, "leader").get(reverse("controls:index"))
    assert national in list(index.context["lists"])


def test_bureau_recomputes_the_controlled_list_and_everyone_sees_the_basis(users, inventory, national):
    report = inventory["report"]
    report.state = "accepted"
    report.save()
    url = reverse("controls:controlled_list", args=[national.pk])
    assert login(users, "leader").post(reverse("controls:controlled_derive", args=[national.pk])).status_code == 403
    response = login(users, "bureau_staff").post(reverse("controls:controlled_derive", args=[national.pk]),
                                                 follow=True)
    assert any("1" in str(m) for m in response.context["messages"])
    text = login(users, "bureau_staff").get(url).content.decode()
    assert "朔城某化工有限公司" in text and "二氯甲烷" in text and "加工使用" in text
    text = login(users, "department_officer").get(url).content.decode()  # officers never see survey quantities
    assert "朔城某化工有限公司" in text and "二氯甲烷" in text and "加工使用" not in text
    # the county user sees the county's enterprise; another county's user would not
    assert [c.enterprise for c in login(users, "county_staff").get(url).context["page"]] == [inventory["enterprise"]]


def test_controls_pages_issue_a_fixed_number_of_queries(users, inventory, national):
    client = login(users, "bureau_staff")
    counts = []
    for url in (reverse("controls:index"), reverse("controls:list_detail", args=[national.pk]),
                reverse("controls:controlled_list", args=[national.pk])):
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts == [9, 13, 11]
