"""Importing survey lines: a preview naming every error by row and column, all-or-nothing writes,
no duplicates on re-import, overwritten values recorded, region scope enforced."""
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from inventory.importers import SURVEY_LINE_COLUMNS, check_survey_lines, commit_survey_lines
from inventory.models import Enterprise, ImportRecord, Substance, SurveyCampaign, SurveyLine, SurveyReport
from inventory.sheets import SheetError, read_table
from portal.models import AuditEvent

HEADERS = [c.header for c in SURVEY_LINE_COLUMNS]
CODE = "91110000600037341L"


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def campaign(regions, db):
    Enterprise.objects.create(credit_code=CODE, name="朔城某化工有限公司", region=regions["county"])
    Substance.objects.create(cas="75-09-2", name_zh="二氯甲烷")
    return SurveyCampaign.objects.create(year=2023, title="2023年调查", region=regions["city"])


def sheet(*rows, headers=HEADERS):
    workbook = openpyxl.Workbook()
    ws = workbook.active
    ws.append(headers)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def row(**kw):
    values = {"统一社会信用代码": CODE, "企业名称": "朔城某化工有限公司", "物质名称": "二氯甲烷", "CAS号": "75-09-2",
              "活动类型": "加工使用", "数量（吨/年）": 12.5, "分散式用途": "否"}
    values.update(kw)
    return [values.get(h, "") for h in HEADERS]


def check(data, users, campaign, who="county_staff", name="调查.xlsx"):
    return check_survey_lines(read_table(data, name), actor=users[who], campaign=campaign)


def test_a_clean_file_imports_and_reimporting_it_changes_nothing(users, campaign):
    data = sheet(row(), row(**{"物质名称": "三氯甲烷", "CAS号": "67663", "数量（吨/年）": "3"}))
    checked = check(data, users, campaign)
    assert checked.ok and len(checked.new) == 2
    record = commit_survey_lines(actor=users["county_staff"], campaign=campaign, checked=checked,
                                 file_name="调查.xlsx", data=data)
    assert (record.created, record.updated, record.unchanged) == (2, 0, 0)
    line = SurveyLine.objects.get(raw_name="三氯甲烷")
    assert line.raw_cas == "67-66-3" and line.substance is None  # unresolved: waits for curation
    again = check(data, users, campaign)
    assert (len(again.new), len(again.changed), again.unchanged) == (0, 0, 2)
    assert SurveyReport.objects.count() == 1 and SurveyLine.objects.count() == 2
    assert AuditEvent.objects.filter(action="import.survey_lines").get().after["sha256"] == record.sha256


def test_an_update_records_the_values_it_overwrote(users, campaign):
    first = sheet(row())
    commit_survey_lines(actor=users["county_staff"], campaign=campaign, checked=check(first, users, campaign),
                        file_name="a.xlsx", data=first)
    second = sheet(row(**{"数量（吨/年）": 14}))
    record = commit_survey_lines(actor=users["county_staff"], campaign=campaign,
                                 checked=check(second, users, campaign), file_name="b.xlsx", data=second)
    assert record.updated == 1
    [change] = record.overwritten
    assert change["field"] == "quantity" and Decimal(change["before"]) == Decimal("12.5")
    assert Decimal(change["after"]) == 14


def test_every_error_is_named_by_row_and_column_and_nothing_is_written(users, campaign):
    data = sheet(
        row(),                                              # row 2: fine
        row(CAS号="75-09-3"),                               # row 3: wrong check digit
        row(**{"数量（吨/年）": "12吨"}),                    # row 4: unit in the cell
        row(**{"数量（吨/年）": -1}),                         # row 5: negative
        row(统一社会信用代码="91110000600O37341L"),          # row 6: forbidden letter
        row(活动类型="销售"),                                # row 7: unknown activity
        row(**{"水体排放量（吨/年）": 20}),                   # row 8: emissions larger than used
        row(CAS号="７５０９２"),                             # row 9: full-width: normalised — but duplicates row 2
    )
    checked = check(data, users, campaign)
    messages = [str(e) for e in checked.errors]
    assert any(m.startswith("第 3 行") and "CAS号" in m and "75-09-2" in m for m in messages)
    assert any(m.startswith("第 4 行") and "数量（吨/年）" in m and "单位" in m for m in messages)
    assert any(m.startswith("第 5 行") and "负" in m for m in messages)
    assert any(m.startswith("第 6 行") and "统一社会信用代码" in m and "O" in m for m in messages)
    assert any(m.startswith("第 7 行") and "活动类型" in m and "销售" in m for m in messages)
    assert any(m.startswith("第 8 行") and "排放量" in m for m in messages)
    assert any(m.startswith("第 9 行") and "第 2 行" in m for m in messages)
    with pytest.raises(ValidationError):
        commit_survey_lines(actor=users["county_staff"], campaign=campaign, checked=checked, file_name="x.xlsx",
                            data=data)
    assert not SurveyLine.objects.exists() and not ImportRecord.objects.exists()


def test_a_missing_required_column_is_named(users, campaign):
    headers = [h for h in HEADERS if h != "活动类型"]
    with pytest.raises(SheetError) as error:
        check(sheet(headers=headers), users, campaign)
    assert "活动类型" in str(error.value)


def test_gbk_csv_imports(users, campaign):
    text = ",".join(HEADERS) + "\n" + ",".join(str(v) for v in row()) + "\n"
    checked = check(text.encode("gbk"), users, campaign, name="调查.csv")
    assert checked.ok and len(checked.new) == 1


def test_enterprises_outside_the_users_region_are_errors(users, campaign, regions):
    Enterprise.objects.create(credit_code="91350100M0001TGQXM", name="平鲁某企业", region=regions["sibling"],
                              credit_code_override=True)
    checked = check(sheet(row(统一社会信用代码="91350100M0001TGQXM")), users, campaign)
    assert "管辖" in str(checked.errors[0]) and "平鲁某企业" in str(checked.errors[0])


def test_officers_cannot_import_and_campaigns_elsewhere_are_refused(users, campaign, regions):
    with pytest.raises(PermissionDenied):
        check(sheet(row()), users, campaign, who="department_officer")
    elsewhere = SurveyCampaign.objects.create(year=2023, title="内蒙古调查", region=regions["other"])
    with pytest.raises(PermissionDenied):
        check(sheet(row()), users, elsewhere)
