"""The controlled-enterprise list derived in SQL from accepted survey lines: who is on it and why, what
the bureau decided stays decided, and an enterprise no line supports any more leaves it."""
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from controls.models import ControlledEnterprise, ControlList
from controls.services import controlled_enterprises_derive, reference_lists_load
from inventory.models import SurveyReport


@pytest.fixture
def national(db, inventory):
    reference_lists_load()
    return ControlList.objects.get(kind="national_key")


def test_accepted_lines_of_listed_substances_put_enterprises_on_the_list_with_their_basis(users, inventory,
                                                                                          national):
    report = inventory["report"]
    report.state = "accepted"
    report.save()
    report.lines.create(substance=inventory["pfos"], raw_name="PFOS", raw_cas="1763-23-1", activity="use",
                        quantity=Decimal("2.5"))
    report.lines.create(substance=inventory["pfos"], raw_name="PFOS", raw_cas="1763-23-1", activity="export",
                        quantity=Decimal("9"))  # exports do not count
    other = SurveyReport.objects.create(campaign=inventory["campaign"], enterprise=inventory["other_enterprise"])
    other.lines.create(substance=inventory["pfos"], raw_name="PFOS", activity="produce", quantity=Decimal(1))  # draft
    result = controlled_enterprises_derive(actor=users["bureau_staff"], clist=national)
    listed = {c.enterprise: c for c in ControlledEnterprise.objects.filter(list=national)}
    assert set(listed) == {inventory["enterprise"]}
    entries = listed[inventory["enterprise"]].basis["entries"]
    names = {(e["cas"], e["activity"]): e for e in entries}
    assert ("1763-23-1", "use") in names and ("75-09-2", "use") in names  # PFOS类 and 二氯甲烷 entries
    assert names[("1763-23-1", "use")]["quantity"] == 2.5 and names[("1763-23-1", "use")]["entry"] == 1
    assert result == {"listed": 1, "new": 1, "dropped": 0}


def test_decisions_stay_and_unsupported_derived_enterprises_leave(users, inventory, national):
    report = inventory["report"]
    report.state = "accepted"
    report.save()
    controlled_enterprises_derive(actor=None, clist=national)
    entry = ControlledEnterprise.objects.get(list=national, enterprise=inventory["enterprise"])
    entry.status, entry.removed_reason = "removed", "已停产并注销"
    entry.save()
    again = controlled_enterprises_derive(actor=None, clist=national)
    assert ControlledEnterprise.objects.get(pk=entry.pk).status == "removed" and again["listed"] == 0
    entry.status = "derived"
    entry.save()
    report.state = "returned"
    report.save()
    assert controlled_enterprises_derive(actor=None, clist=national)["dropped"] == 1
    assert not ControlledEnterprise.objects.filter(list=national).exists()


def test_only_lists_in_force_and_only_permitted_users(users, inventory, national):
    with pytest.raises(PermissionDenied):
        controlled_enterprises_derive(actor=users["leader"], clist=national)
    national.status = "draft"
    national.save()
    with pytest.raises(ValidationError):
        controlled_enterprises_derive(actor=None, clist=national)


def test_accepting_a_survey_report_recomputes_the_lists_in_force(users, inventory, national, settings,
                                                                  django_capture_on_commit_callbacks):
    from django.core.cache import cache

    from inventory.services import survey_report_review
    from portal.celery import app as celery_app

    cache.clear()
    report = inventory["report"]
    report.state = "city_reviewed"
    report.save()
    old = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            survey_report_review(actor=users["bureau_staff"], report=report, approve=True)
    finally:
        celery_app.conf.task_always_eager = old
    listed = ControlledEnterprise.objects.get(list=national)
    assert listed.enterprise == inventory["enterprise"] and listed.basis["entries"]
