"""The Shuozhou demo inventory: valid identifiers, every review state, work for the county user, and
idempotent — a second run writes nothing and changes nothing."""
import csv
from pathlib import Path

from django.core.management import call_command

from inventory.choices import CheckSeverity, IndustryLevel, ReportState
from inventory.demo import inventory_demo_seed
from inventory.identifiers import uscc_parse
from inventory.models import (
    Enterprise,
    MonitoringResult,
    MonitoringSite,
    ReviewRecord,
    SamplingEvent,
    Substance,
    SubstanceGroup,
    SurveyCampaign,
    SurveyLine,
    SurveyReport,
)
from inventory.quality import check_report
from portal.demo import demo_users_seed
from portal.models import User

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
MODELS = (Substance, SubstanceGroup, Enterprise, SurveyCampaign, SurveyReport, SurveyLine, ReviewRecord,
          MonitoringSite, SamplingEvent, MonitoringResult)


def snapshot():
    return {
        "counts": [m.objects.count() for m in MODELS],
        "enterprises": list(Enterprise.objects.order_by("pk").values_list("pk", "credit_code", "updated_at")),
        "substances": list(Substance.objects.order_by("pk").values_list("pk", "name_zh", "updated_at")),
        "reports": list(SurveyReport.objects.order_by("pk").values_list("pk", "state", "updated_at")),
        "scope": sorted(SurveyCampaign.substances.through.objects.values_list("surveycampaign_id", "substance_id")),
        "members": sorted(SubstanceGroup.members.through.objects.values_list("substancegroup_id", "substance_id")),
    }


def test_demo_inventory(db):
    """One test, so that the reference data and the seed are loaded once (a few seconds)."""
    call_command("load_reference")
    demo_users_seed()
    first = inventory_demo_seed()
    before = snapshot()
    second = inventory_demo_seed()
    check_second_run_creates_and_changes_nothing({"first": first, "second": second, "before": before,
                                                  "after": snapshot()})
    check_identifiers_and_industries_are_valid()
    check_reports_cover_every_state_and_accepted_ones_have_a_date()
    check_lines_under_review_or_accepted_pass_the_quality_checks()
    check_county_user_sees_part_of_what_the_city_user_sees()
    check_monitoring_results_are_consistent()


def check_second_run_creates_and_changes_nothing(demo):
    assert demo["before"] == demo["after"]
    assert demo["before"]["counts"][2] == 40 and "新建 40" in demo["first"][0]
    assert "新建 0" in demo["second"][0] and all("新建 0" in line for line in demo["second"][1:3])


def check_identifiers_and_industries_are_valid():
    listed = set()
    for name in ("key-controlled-2023.csv", "priority-controlled-chemicals.csv"):
        with (FIXTURES / name).open(encoding="utf-8") as handle:
            listed |= {cas for row in csv.DictReader(handle) for cas in row["cas_numbers"].split(";") if cas}
    assert set(Substance.objects.values_list("cas", flat=True)) <= listed
    for enterprise in Enterprise.objects.select_related("industry", "region"):
        assert uscc_parse(enterprise.credit_code).check_ok, enterprise.credit_code
        assert enterprise.credit_code[2:8] == enterprise.region.code
        assert enterprise.industry.level == IndustryLevel.CLASS
        assert enterprise.region.parent.code == "140600"


def check_reports_cover_every_state_and_accepted_ones_have_a_date():
    campaign = SurveyCampaign.objects.get(year=2024)
    assert set(campaign.reports.values_list("state", flat=True)) == set(ReportState.values)
    assert not SurveyReport.objects.filter(state=ReportState.ACCEPTED, accepted_at__isnull=True).exists()
    assert set(SurveyCampaign.objects.get(year=2023).reports.values_list("state", flat=True)) == {"accepted"}
    assert SurveyLine.objects.filter(substance__isnull=True).exists()
    returned = SurveyLine.objects.filter(returned=True).select_related("report")
    assert returned and all(line.report.state == ReportState.RETURNED and line.return_reason for line in returned)
    for report in SurveyReport.objects.select_related("campaign").prefetch_related("lines"):
        assert 2 <= report.lines.count() <= 6
        levels = list(report.reviews.values_list("level", flat=True))
        if report.state in (ReportState.DRAFT, ReportState.SUBMITTED):
            assert levels == []
        if report.state == ReportState.ACCEPTED:
            assert levels[-1] == "accept"


def check_lines_under_review_or_accepted_pass_the_quality_checks():
    for report in SurveyReport.objects.filter(state__in=[ReportState.SUBMITTED, ReportState.ACCEPTED]):
        for findings in check_report(report).values():
            assert not [f for f in findings if f.severity == CheckSeverity.ERROR], report


def check_county_user_sees_part_of_what_the_city_user_sees():
    county = set(SurveyReport.objects.visible_to(User.objects.get(username="zhangwei")).values_list("pk", flat=True))
    city = set(SurveyReport.objects.visible_to(User.objects.get(username="wangmin")).values_list("pk", flat=True))
    assert county and county < city
    assert SurveyReport.objects.filter(pk__in=county, state=ReportState.SUBMITTED).exists()


def check_monitoring_results_are_consistent():
    assert MonitoringSite.objects.count() == 10
    for result in MonitoringResult.objects.all():
        if result.detected:
            assert result.concentration >= result.detection_limit
        else:
            assert result.concentration is None
    assert MonitoringResult.objects.filter(detected=True).exists() and MonitoringResult.objects.filter(
        detected=False).exists()
