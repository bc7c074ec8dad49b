"""Inventory pages issue a fixed number of queries, the same for 2 enterprises as for 20 (numbers
pinned), and no list counts its whole table."""
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from inventory.identifiers import uscc_check_char
from inventory.models import Enterprise, MonitoringResult, SamplingEvent, SurveyReport

# case: (url name, role, kwargs builder, query params, exact count)
PAGES = {
    "overview": ("inventory:index", "bureau_staff", None, {}, 11),
    "enterprise list": ("inventory:enterprise_list", "leader", None, {}, 12),
    "enterprise list filtered": ("inventory:enterprise_list", "bureau_staff", None,
                                 {"q": "某", "campaign": "0", "state": "draft", "group": "0"}, 12),
    "enterprise detail": ("inventory:enterprise_detail", "bureau_staff", lambda f: {"pk": f["enterprise"].pk}, {}, 10),
    "substance list": ("inventory:substance_list", "bureau_staff", None, {"q": "甲烷"}, 11),
    "substance detail": ("inventory:substance_detail", "leader", lambda f: {"pk": f["dcm"].pk}, {}, 12),
    "campaigns": ("inventory:campaign_list", "bureau_staff", None, {}, 9),
    "report list": ("inventory:report_list", "bureau_staff", None, {}, 11),
    "review queue": ("inventory:report_list", "county_staff", None, {"queue": "review"}, 11),
    "campaign reports": ("inventory:report_list_campaign", "bureau_staff", lambda f: {"campaign": f["campaign"].pk},
                         {}, 11),
    "report detail": ("inventory:report_detail", "bureau_staff", lambda f: {"pk": f["report"].pk}, {}, 12),
    "curation": ("inventory:curation", "bureau_staff", None, {}, 9),
    "sites": ("inventory:site_list", "leader", None, {}, 10),
    "site detail": ("inventory:site_detail", "bureau_staff", lambda f: {"pk": f["site"].pk}, {}, 10),
}


def grow(inventory, regions, n, start):
    """n more enterprises with a report of three lines (one unresolved), and n more results."""
    for i in range(start, start + n):
        body = f"91140602MA0K{i:05d}"
        enterprise = Enterprise.objects.create(credit_code=body + uscc_check_char(body), name=f"某企业{i}",
                                               region=regions["county"], contact_name="李四",
                                               contact_phone="13900000000")
        report = SurveyReport.objects.create(campaign=inventory["campaign"], enterprise=enterprise,
                                             state="submitted")
        report.lines.create(substance=inventory["dcm"], raw_name="二氯甲烷", raw_cas="75-09-2", activity="use",
                            quantity=Decimal(i + 1))
        report.lines.create(substance=inventory["pfos"], raw_name="PFOS", raw_cas="1763-23-1", activity="use",
                            quantity=Decimal(1))
        report.lines.create(raw_name=f"助剂{i % 3}", activity="use", quantity=Decimal(1))
        inventory["report"].lines.create(raw_name=f"物质{i}", activity="import", quantity=Decimal(1))
        sampling = SamplingEvent.objects.create(site=inventory["site"], sampled_on=f"2023-08-{(i % 28) + 1:02d}")
        MonitoringResult.objects.create(sampling=sampling, substance=inventory["dcm"], concentration=Decimal("0.1"),
                                        unit="mg/L", detected=True)


def measure(client, url, params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200, url
    assert not [q["sql"] for q in queries if q["sql"].startswith('SELECT COUNT(*)') and '"inventory_' in q["sql"]], \
        "a list counted its whole table"
    return len(queries)


@pytest.mark.parametrize("name", sorted(PAGES))
def test_inventory_pages_issue_a_fixed_number_of_queries(name, users, regions, inventory):
    url_name, role, kwargs, params, expected = PAGES[name]
    client = Client()
    client.force_login(users[role])
    url = reverse(url_name, kwargs=kwargs(inventory) if kwargs else None)
    grow(inventory, regions, 2, 0)
    client.get(url, params)
    few = measure(client, url, params)
    grow(inventory, regions, 18, 2)
    many = measure(client, url, params)
    assert (few, many) == (expected, expected)
