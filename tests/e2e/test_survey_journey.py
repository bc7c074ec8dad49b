"""The bureau's survey day (JOURNEYS.md, issue “inventory”), in a real browser: 王敏 downloads the
survey-line template, fills 20 lines with a few mistakes, sees every mistake named by row and column,
fixes them, imports and submits; 张伟 of the county bureau returns one line with a reason; 王敏
corrects it and submits again; the county passes it on and the city accepts it."""
import datetime
from decimal import Decimal

import openpyxl
import pytest

from inventory.identifiers import uscc_check_char
from inventory.models import Enterprise, ImportRecord, Substance, SurveyCampaign, SurveyLine, SurveyReport
from portal.models import Department, Region
from portal.services import reference_load, roles_sync
from tests.e2e.helpers import sign_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Twenty real substances (CAS numbers with valid check digits).
SUBSTANCES = [("75-09-2", "二氯甲烷"), ("67-66-3", "三氯甲烷"), ("127-18-4", "四氯乙烯"), ("79-01-6", "三氯乙烯"),
              ("71-43-2", "苯"), ("108-88-3", "甲苯"), ("1330-20-7", "二甲苯"), ("100-41-4", "乙苯"),
              ("50-00-0", "甲醛"), ("107-06-2", "1,2-二氯乙烷"), ("56-23-5", "四氯化碳"), ("75-01-4", "氯乙烯"),
              ("106-99-0", "1,3-丁二烯"), ("80-05-7", "双酚A"), ("84852-15-3", "壬基酚"), ("117-81-7", "邻苯二甲酸二(2-乙基己)酯"),
              ("1763-23-1", "全氟辛基磺酸"), ("335-67-1", "全氟辛酸"), ("85535-84-8", "短链氯化石蜡"), ("7439-97-6", "汞")]


@pytest.fixture
def survey(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    roles_sync()
    reference_load()
    county = Region.objects.get(code="140602")
    bureau = Department.objects.get(name="朔州市生态环境局")
    county_bureau = Department.objects.get(region=county, kind="bureau")
    UserFactory(username="wangmin", real_name="王敏", department=bureau, roles=["bureau_staff"])
    UserFactory(username="zhangwei", real_name="张伟", department=county_bureau, roles=["bureau_staff"])
    for cas, name in SUBSTANCES:
        Substance.objects.create(cas=cas, name_zh=name)
    body = "91140602MA0K12345"
    enterprise = Enterprise.objects.create(credit_code=body + uscc_check_char(body), name="朔州市某精细化工有限公司",
                                           region=county)
    campaign = SurveyCampaign.objects.create(year=2025, title="2025年度朔州市化学物质环境信息调查",
                                             region=bureau.region, deadline=datetime.date(2026, 6, 30))
    return {"enterprise": enterprise, "campaign": campaign}



def fill_template(path, out, code, mistakes: bool):
    workbook = openpyxl.load_workbook(path)
    sheet = workbook.worksheets[0]
    headers = [str(c.value or "").rstrip("*").strip() for c in sheet[1]]
    col = {h: i + 1 for i, h in enumerate(headers)}
    for n, (cas, name) in enumerate(SUBSTANCES):
        row = n + 2
        values = {"统一社会信用代码": code, "物质名称": name, "CAS号": cas, "活动类型": "加工使用",
                  "数量（吨/年）": str(Decimal(n + 1) * Decimal("1.5"))}
        if mistakes and n == 2:
            values["CAS号"] = "127-18-5"          # wrong check digit
        if mistakes and n == 5:
            values["数量（吨/年）"] = "12吨"       # a unit in the number cell
        if mistakes and n == 9:
            values["活动类型"] = "销售"            # not an activity of the survey
        for header, value in values.items():
            sheet.cell(row=row, column=col[header], value=value)
    workbook.save(out)


def test_bureau_imports_submits_and_the_report_goes_up_the_chain(page, live_server, survey, tmp_path):
    campaign, enterprise = survey["campaign"], survey["enterprise"]
    sign_in(page, "wangmin")
    page.goto(f"/inventory/imports/?kind=survey_lines&campaign={campaign.pk}")
    with page.expect_download() as download:
        page.get_by_test_id("template-survey_lines").click()
    template = tmp_path / "template.xlsx"
    download.value.save_as(template)
    assert openpyxl.load_workbook(template).sheetnames[1] == "填写说明"

    # 20 lines, three of them wrong: every mistake is named by row and column, nothing is written.
    wrong = tmp_path / "调查明细.xlsx"
    fill_template(template, wrong, enterprise.credit_code, mistakes=True)
    page.select_option("#id_kind", "survey_lines")
    page.select_option("#id_campaign", str(campaign.pk))
    page.set_input_files("#id_file", str(wrong))
    page.get_by_test_id("upload").click()
    page.get_by_test_id("has-errors").wait_for()
    errors = page.get_by_test_id("error-row").all_inner_texts()
    assert len(errors) == 3, errors
    assert errors[0].startswith("4\tCAS号") and "校验" in errors[0]
    assert errors[1].startswith("7\t数量（吨/年）") and "12吨" in errors[1]
    assert errors[2].startswith("11\t活动类型") and "销售" in errors[2]
    assert SurveyLine.objects.count() == 0

    # Fixed, the same file imports all 20 lines after a preview.
    fixed = tmp_path / "调查明细（修改后）.xlsx"
    fill_template(template, fixed, enterprise.credit_code, mistakes=False)
    page.goto("/inventory/imports/")
    page.select_option("#id_kind", "survey_lines")
    page.select_option("#id_campaign", str(campaign.pk))
    page.set_input_files("#id_file", str(fixed))
    page.get_by_test_id("upload").click()
    page.get_by_test_id("ready").wait_for()
    assert page.get_by_test_id("count-created").inner_text() == "20"
    page.get_by_test_id("confirm-import").click()
    page.get_by_test_id("imported").wait_for()
    assert SurveyLine.objects.filter(report__enterprise=enterprise).count() == 20
    assert ImportRecord.objects.filter(status="done").count() == 1

    # Submit the report.
    report = SurveyReport.objects.get(campaign=campaign, enterprise=enterprise)
    page.goto(f"/inventory/campaigns/{campaign.pk}/reports/")
    page.get_by_role("link", name=enterprise.name).click()
    assert page.get_by_test_id("line-row").count() == 20
    page.get_by_test_id("submit-report").click()
    page.get_by_text("已提交审核。").wait_for()

    # 张伟 (county) returns the line of 甲苯 with a reason.
    sign_in(page, "zhangwei")
    page.goto("/inventory/reports/?queue=review")
    page.get_by_role("link", name=enterprise.name).click()
    toluene = page.get_by_test_id("line-row").filter(has_text="甲苯").first
    page.check("#decision-return")
    toluene.get_by_test_id("line-reason").fill("用量与上年台账不符，请核实")
    page.get_by_test_id("save-review").click()
    page.get_by_test_id("review-history").wait_for()
    report.refresh_from_db()
    assert report.state == "returned"

    # 王敏 sees the reason on the line, corrects the quantity and submits again.
    sign_in(page, "wangmin")
    page.goto(f"/inventory/reports/{report.pk}/")
    row = page.get_by_test_id("line-row").filter(has_text="用量与上年台账不符，请核实")
    assert row.count() == 1
    row.get_by_test_id("edit-line").click()
    form = page.get_by_test_id("line-edit-form")
    form.locator("input[name$='-quantity']").fill("8.2")
    form.get_by_test_id("save-line").click()
    page.get_by_text("明细“甲苯”已保存。").wait_for()
    assert SurveyLine.objects.get(report=report, raw_name="甲苯").quantity == Decimal("8.2")
    page.get_by_test_id("submit-report").click()
    page.get_by_text("已提交审核。").wait_for()

    # The county passes it on; the city reviews and accepts.
    sign_in(page, "zhangwei")
    page.goto(f"/inventory/reports/{report.pk}/")
    page.get_by_test_id("save-review").click()
    page.get_by_text("审核结果已保存。").first.wait_for()
    sign_in(page, "wangmin")
    for _step in ("city", "accept"):
        page.goto(f"/inventory/reports/{report.pk}/")
        page.get_by_test_id("save-review").click()
        page.get_by_test_id("review-history").wait_for()
    report.refresh_from_db()
    assert report.state == "accepted"
    assert "已通过" in page.get_by_test_id("report-state").first.inner_text()
    assert page.outside_requests == []
