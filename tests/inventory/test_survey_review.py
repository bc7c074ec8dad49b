"""Survey reports: quality checks by dimension before submission, and the review chain county → city →
acceptance, with return for correction (whole report or single lines) at any level."""
import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from inventory.choices import CheckSeverity
from inventory.models import Enterprise, ReviewRecord, Substance, SurveyCampaign, SurveyLine, SurveyReport
from inventory.quality import check_line
from inventory.services import survey_report_review, survey_report_submit
from portal.models import AuditEvent


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def dcm(db):
    return Substance.objects.create(cas="75-09-2", name_zh="二氯甲烷")


@pytest.fixture
def report(users, regions, dcm):
    campaign = SurveyCampaign.objects.create(year=2023, title="2023年化学物质环境信息调查", region=regions["city"],
                                             deadline=datetime.date(2024, 6, 30))
    enterprise = Enterprise.objects.create(credit_code="91110000600037341L", name="朔城某化工有限公司",
                                           region=regions["county"])
    report = SurveyReport.objects.create(campaign=campaign, enterprise=enterprise)
    SurveyLine.objects.create(report=report, substance=dcm, raw_name="二氯甲烷", raw_cas="75-09-2", activity="use",
                              quantity=Decimal("12.5"), emission_air=Decimal("0.8"))
    SurveyLine.objects.create(report=report, raw_name="三氯甲烷", raw_cas="67-66-3", activity="use",
                              quantity=Decimal("3"))
    return report


def line(**kw):
    defaults = {"raw_name": "二氯甲烷", "raw_cas": "75-09-2", "activity": "use", "quantity": Decimal("10")}
    return SurveyLine(**{**defaults, **kw})


def findings(item, **kw):
    return {(f.dimension, f.severity, f.field) for f in check_line(item, kind=kw.get("kind", "basic"),
                                                                   previous_quantity=kw.get("previous"))}


def test_quality_checks_by_dimension():
    assert findings(line()) == set()
    assert ("consistency", "error", "raw_cas") in findings(line(raw_cas="75-09-3"))
    assert ("logic", "error", "emissions") in findings(line(emission_water=Decimal("6"), emission_air=Decimal("5")))
    assert ("completeness", "error", "raw_name") in findings(line(raw_name=""))
    assert ("logic", "error", "quantity") in findings(line(quantity=Decimal("-1")))
    assert ("plausibility", "warning", "quantity") in findings(line(quantity=Decimal("1200")), previous=Decimal("10"))
    assert ("completeness", "warning", "emissions") in findings(line(), kind="detailed")


def test_wrong_cas_message_names_the_right_one():
    [finding] = check_line(line(raw_cas="75-09-3"), kind="basic")
    assert finding.severity == CheckSeverity.ERROR and "75-09-2" in finding.message


def test_errors_block_submission_naming_line_and_field(users, report):
    SurveyLine.objects.filter(raw_name="三氯甲烷").update(raw_cas="67-66-4")
    with pytest.raises(ValidationError) as error:
        survey_report_submit(actor=users["county_staff"], report=report)
    assert any("第" in m and "三氯甲烷" in m and "填报CAS号" in m and "67-66-3" in m for m in error.value.messages)
    report.refresh_from_db()
    assert report.state == "draft"


def test_warnings_need_a_note(users, report, dcm):
    previous = SurveyCampaign.objects.create(year=2022, title="2022年调查", region=report.campaign.region)
    old = SurveyReport.objects.create(campaign=previous, enterprise=report.enterprise, state="accepted")
    SurveyLine.objects.create(report=old, substance=dcm, raw_name="二氯甲烷", activity="use", quantity=Decimal("0.1"))
    with pytest.raises(ValidationError) as error:
        survey_report_submit(actor=users["county_staff"], report=report)
    assert any("125" in m for m in error.value.messages)  # 12.5 t is 125 times last year's 0.1 t
    SurveyLine.objects.filter(raw_name="二氯甲烷").update(warning_note="2023年新建生产线投产")
    assert survey_report_submit(actor=users["county_staff"], report=report).state == "submitted"


def test_review_chain_county_city_accept_with_a_line_returned_on_the_way(users, report, regions):
    from tests.factories import DepartmentFactory, UserFactory

    survey_report_submit(actor=users["county_staff"], report=report)
    with pytest.raises(PermissionDenied):  # the city waits for the county
        survey_report_review(actor=users["bureau_staff"], report=report, approve=True)
    tcm = report.lines.get(raw_name="三氯甲烷")
    survey_report_review(actor=users["county_staff"], report=report, approve=False,
                         line_reasons={tcm.pk: "年使用量与台账不符，请核实"})
    report.refresh_from_db()
    tcm.refresh_from_db()
    assert report.state == "returned" and tcm.returned and tcm.return_reason == "年使用量与台账不符，请核实"
    assert not report.lines.get(raw_name="二氯甲烷").returned
    SurveyLine.objects.filter(pk=tcm.pk).update(quantity=Decimal("2.6"))
    survey_report_submit(actor=users["county_staff"], report=report)
    survey_report_review(actor=users["county_staff"], report=report, approve=True)
    survey_report_review(actor=users["bureau_staff"], report=report, approve=True, on_site=True, note="现场核查无误")
    survey_report_review(actor=users["bureau_staff"], report=report, approve=True)
    report.refresh_from_db()
    assert report.state == "accepted" and report.accepted_at is not None
    assert list(ReviewRecord.objects.values_list("level", "outcome")) == [
        ("county", "returned"), ("county", "approved"), ("city", "approved"), ("accept", "approved")]
    assert AuditEvent.objects.filter(action="survey.approved").count() == 3
    sibling = UserFactory(username="pinglu_staff", department=DepartmentFactory(region=regions["sibling"]),
                          roles=["bureau_staff"])
    with pytest.raises(PermissionDenied):  # a sibling county never sees the report
        survey_report_review(actor=sibling, report=report, approve=True)


def test_return_needs_a_reason(users, report):
    survey_report_submit(actor=users["county_staff"], report=report)
    with pytest.raises(ValidationError):
        survey_report_review(actor=users["county_staff"], report=report, approve=False, reason="  ")
    report.refresh_from_db()
    assert report.state == "submitted"


def test_officers_and_leaders_cannot_review(users, report):
    survey_report_submit(actor=users["county_staff"], report=report)
    for role in ("department_officer", "leader"):
        with pytest.raises(PermissionDenied):
            survey_report_review(actor=users[role], report=report, approve=True)


def test_roles_on_survey_data(users):
    """Bureau staff enter, submit and review; leaders read; department officers never see enterprises'
    survey data (JOURNEYS.md 2)."""
    from portal.permissions import can

    assert can(users["bureau_staff"], "inventory.review_surveyreport")
    assert can(users["bureau_staff"], "inventory.import_data")
    assert can(users["leader"], "inventory.view_surveyreport")
    assert not can(users["leader"], "inventory.review_surveyreport")
    assert not can(users["department_officer"], "inventory.view_surveyreport")
    assert not can(users["department_officer"], "inventory.view_enterprise")
    for admin in ("system_admin", "security_admin", "audit_admin"):
        assert not can(users[admin], "inventory.view_surveyreport")


def test_the_bureau_staff_home_page_lists_the_survey_reports_waiting_for_review(users, regions, dcm):
    from django.test import Client
    from django.urls import reverse

    campaign = SurveyCampaign.objects.create(year=2023, title="2023年化学物质环境信息调查", region=regions["city"],
                                             deadline=datetime.date(2024, 6, 30))
    enterprise = Enterprise.objects.create(credit_code="91140600MA0K1234X1", name="朔州某涂料有限公司",
                                           region=regions["city"])
    report = SurveyReport.objects.create(campaign=campaign, enterprise=enterprise, state="submitted")
    client = Client()
    client.force_login(users["bureau_staff"])
    page = client.get(reverse("portal:home")).content.decode()
    assert "调查模块尚未启用" not in page
    assert "朔州某涂料有限公司" in page and reverse("inventory:report_detail", args=[report.pk]) in page
    SurveyReport.objects.filter(pk=report.pk).update(state="accepted")
    assert "暂无待您审核的调查报告" in client.get(reverse("portal:home")).content.decode()
