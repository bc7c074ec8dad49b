"""The list editor and the controlled-enterprise pages as the bureau uses them: bad input named on the form with
nothing saved, decisions and statuses from the enterprise page, publication, and fixed query counts."""
import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from controls import services
from controls.models import ControlledEnterprise, ControlList, ControlMeasure
from tests.factories import ActionPlanFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def national(db, inventory):
    services.reference_lists_load()
    return ControlList.objects.get(kind="national_key")


def login(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def test_bureau_builds_a_local_list_from_the_form_with_errors_named(users, regions, national):
    client = login(users["bureau_staff"])
    response = client.post(reverse("controls:list_create"), {
        "name": "朔州市重点管控新污染物补充清单", "edition": "2024年版", "year": 2024, "jurisdiction": "city",
        "region": regions["city"].pk, "base": national.pk, "effective_on": "2024-07-01"})
    clist = ControlList.objects.get(kind="local_supplement")
    assert response.status_code == 302 and clist.status == "draft"
    bad = client.post(reverse("controls:entry_create", args=[clist.pk]),
                      {"name": "二氯甲烷", "category": "toxic", "cas_text": "75-09-3"})
    assert bad.status_code == 200 and "75-09-3" in bad.content.decode() and not clist.entries.exists()
    client.post(reverse("controls:entry_create", args=[clist.pk]), {"name": "二氯甲烷", "category": "toxic",
                                                                     "cas_text": "75-09-2"})
    entry = clist.entries.get()
    dup = client.post(reverse("controls:entry_create", args=[clist.pk]),
                      {"name": "二氯甲烷（工业级）", "category": "toxic", "cas_text": "75-09-2"}, follow=True)
    assert any("75-09-2" in str(m) for m in dup.context["messages"])  # flagged, saved
    bad = client.post(reverse("controls:measure_create", args=[clist.pk, entry.pk]),
                      {"type": "exemption", "scope": "清洗剂", "effective_on": "2024-07-01", "ends_on": "2024-01-01"})
    assert bad.status_code == 200 and bad.context["form"].errors.get("ends_on")
    assert not ControlMeasure.objects.filter(entry=entry).exists()
    ok = client.post(reverse("controls:measure_create", args=[clist.pk, entry.pk]),
                     {"type": "exemption", "scope": "清洗剂", "effective_on": "2024-07-01", "ends_on": "2025-06-30",
                      "task_days_after": 15})
    assert ok.status_code == 302 and entry.measures.get().ends_on == datetime.date(2025, 6, 30)
    client.post(reverse("controls:list_in_force", args=[clist.pk]))
    clist.refresh_from_db()
    assert clist.status == "in_force"
    page = client.get(reverse("controls:list_detail", args=[clist.pk]))
    assert "起草新版本" in page.content.decode() and "生成任务" in page.content.decode()
    edition = client.post(reverse("controls:list_edition", args=[clist.pk]), {"edition": "2025年版", "year": 2025})
    new = ControlList.objects.get(previous=clist)
    assert edition.status_code == 302 and new.entries.count() == 2
    diff = client.get(reverse("controls:list_diff", args=[new.pk]))
    assert diff.status_code == 200 and "两个版本" in diff.content.decode()


def test_leader_and_officer_cannot_edit(users, national):
    for role in ("leader", "department_officer"):
        client = login(users[role])
        assert client.get(reverse("controls:list_create")).status_code == 403
        assert client.get(reverse("controls:list_edition", args=[national.pk])).status_code == 403


def test_measure_task_form_creates_the_task_and_opens_it(users, departments, regions, national):
    plan = ActionPlanFactory(region=regions["city"])
    measure = national.entries.get(number=1).measures.filter(ends_on__isnull=False).first()
    client = login(users["bureau_staff"])
    form = client.get(reverse("controls:measure_task", args=[measure.pk]))
    assert form.status_code == 200 and "2023-12-31" in form.content.decode()
    response = client.post(reverse("controls:measure_task", args=[measure.pk]),
                           {"plan": plan.pk, "departments": [departments["bureau"].pk], "days_after": 30})
    task = plan.tasks.get()
    assert response.status_code == 302 and response["Location"] == reverse("tasks:task_detail", args=[task.pk])
    assert task.deadline == datetime.date(2024, 1, 30)


def _accept(inventory, n_lines=1):
    report = inventory["report"]
    report.state = "accepted"
    report.save()
    for _ in range(n_lines):
        report.lines.create(substance=inventory["pfos"], raw_name="PFOS", activity="use", quantity=Decimal("1"))


def test_enterprise_page_remove_without_reason_is_refused_and_nothing_changes(users, inventory, national):
    _accept(inventory)
    services.controlled_enterprises_derive(actor=None, clist=national)
    listed = ControlledEnterprise.objects.get(list=national)
    client = login(users["bureau_staff"])
    response = client.post(reverse("controls:controlled_decide", args=[listed.pk]), {"action": "remove", "reason": ""},
                           follow=True)
    assert any("原因" in str(m) for m in response.context["messages"])
    listed.refresh_from_db()
    assert listed.status == "derived"
    client.post(reverse("controls:controlled_decide", args=[listed.pk]), {"action": "remove", "reason": "已停产"})
    listed.refresh_from_db()
    assert listed.status == "removed"
    officer_page = login(users["department_officer"]).get(reverse("controls:controlled_detail", args=[listed.pk]))
    assert officer_page.status_code == 200 and "data-testid=\"remove\"" not in officer_page.content.decode()
    assert login(users["department_officer"]).post(
        reverse("controls:controlled_decide", args=[listed.pk]), {"action": "restore"}).status_code == 403


def test_add_form_names_an_unknown_credit_code(users, inventory, national):
    client = login(users["bureau_staff"])
    response = client.post(reverse("controls:controlled_add", args=[national.pk]),
                           {"enterprise": "91140000MA0000000X", "entries": [1], "evidence": "许可证"})
    assert response.status_code == 200 and "91140000MA0000000X" in response.content.decode()
    response = client.post(reverse("controls:controlled_add", args=[national.pk]),
                           {"enterprise": inventory["other_enterprise"].credit_code, "entries": [1],
                            "evidence": "许可证"})
    assert response.status_code == 302


def test_publish_from_the_page(users, regions, inventory, national):
    _accept(inventory)
    services.controlled_enterprises_derive(actor=None, clist=national)
    client = login(users["bureau_staff"])
    page = client.get(reverse("controls:publication_list", args=[national.pk]))
    assert page.status_code == 200 and page.context["changes"]["count"] == 1
    response = client.post(reverse("controls:publication_list", args=[national.pk]),
                           {"region": regions["city"].pk, "note": "2024年第一次公布"})
    assert response.status_code == 302 and national.publications.get().number == 1
    assert login(users["leader"]).post(reverse("controls:publication_list", args=[national.pk]),
                                       {"region": regions["city"].pk}).status_code == 403


def _counts(client, urls):
    counts = []
    for url in urls:
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200, url
        counts.append(len(queries))
    return counts


@pytest.mark.parametrize("n", [2, 20])
def test_management_pages_issue_a_fixed_number_of_queries(users, regions, inventory, national, n):
    from inventory.identifiers import uscc_check_char
    from inventory.models import Enterprise
    report = inventory["report"]
    _accept(inventory)
    for i in range(n - 1):
        body = f"91140602MA0K{i:05d}"
        enterprise = Enterprise.objects.create(credit_code=body + uscc_check_char(body), name=f"某企业{i}",
                                               region=regions["county"])
        other = type(report).objects.create(campaign=report.campaign, enterprise=enterprise, state="accepted")
        other.lines.create(substance=inventory["pfos"], raw_name="PFOS", activity="use", quantity=Decimal(i + 1))
    services.controlled_enterprises_derive(actor=None, clist=national)
    listed = ControlledEnterprise.objects.filter(list=national).order_by("pk").first()
    services.controlled_list_publish(actor=users["bureau_staff"], clist=national, region=regions["city"])
    assert ControlledEnterprise.objects.filter(list=national).count() == n
    counts = _counts(login(users["bureau_staff"]), [
        reverse("controls:controlled_list", args=[national.pk]),
        reverse("controls:controlled_detail", args=[listed.pk]),
        reverse("controls:publication_list", args=[national.pk]),
        reverse("controls:controlled_add", args=[national.pk]),
    ])
    assert counts == [11, 13, 15, 10]


def test_export_of_entries_reimports_unchanged_through_the_import_flow(users, regions, national):
    """The list page's export gives the import template's format; the import link carries the list."""
    from io import BytesIO

    from openpyxl import load_workbook
    client = login(users["bureau_staff"])
    response = client.get(reverse("controls:list_export", args=[national.pk, "entries"]))
    sheet = load_workbook(BytesIO(response.content)).worksheets[0]
    assert response.status_code == 200 and sheet.title == "清单条目" and sheet.max_row == 15  # header + 14
    assert client.get(reverse("controls:list_export", args=[national.pk, "other"])).status_code == 404
    draft = services.list_edition_create(actor=None, clist=national, edition="2025年版", year=2025)
    page = client.get(reverse("controls:list_detail", args=[draft.pk])).content.decode()
    assert f"kind=control_entries&amp;target={draft.pk}" not in page  # national list: reference data, no import


def test_an_officers_enterprise_page_asks_once_which_measures_are_theirs(users, inventory, national):
    """Which measures a department may update is read for all of them at once, not per measure."""
    _accept(inventory)
    services.controlled_enterprises_derive(actor=None, clist=national)
    listed = ControlledEnterprise.objects.get(list=national)
    client = login(users["department_officer"])
    url = reverse("controls:controlled_detail", args=[listed.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    entry = national.entries.get(number=1)
    for i in range(6):
        entry.measures.create(type="monitoring", scope=f"监测{i}").departments.add(users["department_officer"].department)
    with CaptureQueriesContext(connection) as many:
        page = client.get(url)
    assert len(many) == len(few)
    assert page.content.decode().count('data-testid="save-status"') == 6  # only the officer's department's
