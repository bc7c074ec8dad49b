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
        row(物质名称="三氯甲烷", CAS号="67-66-3", **{"水体排放量（吨/年）": 20}),  # row 8: emissions larger than used
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
    assert any(m.startswith("第 4 行") and "第 2 行" in m for m in messages)   # named even beside another error
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


def test_the_preview_lists_updates_first_then_creations_with_their_natural_keys(users, campaign):
    first = sheet(row())
    commit_survey_lines(actor=users["county_staff"], campaign=campaign, checked=check(first, users, campaign),
                        file_name="a.xlsx", data=first)
    checked = check(sheet(row(**{"数量（吨/年）": 14}), row(物质名称="三氯甲烷", CAS号="67-66-3")), users, campaign)
    update, create = checked.preview_rows()
    assert update["action"] == "update" and update["key"].startswith(f"{CODE} · 75-09-2")
    assert update["changes"] == {"quantity": ("12.5", "14")}
    assert create["action"] == "create" and create["key"].startswith(f"{CODE} · 67-66-3")
    assert create["changes"]["raw_name"] == (None, "三氯甲烷")
    assert checked.preview_rows(limit=1) == [update]


def test_progress_is_reported_and_the_given_import_record_is_filled(users, campaign):
    data = sheet(*[row(物质名称=f"物质{n}", CAS号="") for n in range(120)])
    seen = []
    checked = check_survey_lines(read_table(data, "a.xlsx"), actor=users["county_staff"], campaign=campaign,
                                 progress=seen.append)
    assert checked.ok and len(checked.new) == 120
    record = ImportRecord.objects.create(kind="survey_lines", actor=users["county_staff"], campaign=campaign,
                                         file_name="a.xlsx", sha256="0" * 64, status="committing")
    done = commit_survey_lines(actor=users["county_staff"], campaign=campaign, checked=checked, file_name="a.xlsx",
                               data=data, progress=seen.append, record=record)
    assert done.pk == record.pk and (done.status, done.created) == ("done", 120)
    assert seen[0] == 0 and seen[-1] == 100 and len(seen) <= 50 and all(0 <= p <= 100 for p in seen)
    assert SurveyLine.objects.count() == 120


def test_many_changed_lines_are_updated_together_and_each_old_value_is_recorded(users, campaign):
    rows = [row(物质名称=f"物质{n}", CAS号="", **{"数量（吨/年）": n + 1}) for n in range(30)]
    first = sheet(*rows)
    commit_survey_lines(actor=users["county_staff"], campaign=campaign, checked=check(first, users, campaign),
                        file_name="a.xlsx", data=first)
    second = sheet(*[row(物质名称=f"物质{n}", CAS号="", 废物去向="委托处置", **{"数量（吨/年）": n + 1.25})
                     for n in range(30)])
    checked = check(second, users, campaign)
    assert len(checked.changed) == 30
    record = commit_survey_lines(actor=users["county_staff"], campaign=campaign, checked=checked, file_name="b.xlsx",
                                 data=second)
    assert sorted(SurveyLine.objects.values_list("quantity", flat=True)) == [Decimal(n) + Decimal("1.25")
                                                                              for n in range(30)]
    assert set(SurveyLine.objects.values_list("waste_route", flat=True)) == {"委托处置"}
    assert len(record.overwritten) == 60 and SurveyLine.objects.count() == 30
    event = AuditEvent.objects.get(action="import.survey_lines", object_id=str(record.pk))
    assert len(event.before["overwritten"]) == 60


def test_more_decimals_than_stored_do_not_make_a_reimport_look_changed(users, campaign):
    data = sheet(row(**{"数量（吨/年）": "12.34567"}))
    commit_survey_lines(actor=users["county_staff"], campaign=campaign, checked=check(data, users, campaign),
                        file_name="a.xlsx", data=data)
    assert SurveyLine.objects.get().quantity == Decimal("12.3457")
    again = check(data, users, campaign)
    assert (len(again.new), len(again.changed), again.unchanged) == (0, 0, 1)


def test_a_line_linked_by_curation_is_found_again_by_its_reported_name(users, inventory):
    from inventory.services import survey_line_resolve

    line = inventory["unresolved"]
    survey_line_resolve(actor=users["bureau_staff"], line=line, substance=inventory["pfos"])
    data = sheet(row(统一社会信用代码=CODE, 物质名称="某助剂", CAS号="", **{"数量（吨/年）": 3}))
    checked = check(data, users, inventory["campaign"])
    assert (len(checked.new), len(checked.changed), checked.unchanged) == (0, 0, 1)
    changed = check(sheet(row(物质名称="某助剂", CAS号="", **{"数量（吨/年）": 4})), users, inventory["campaign"])
    [(old, diff)] = changed.changed
    assert old.pk == line.pk and diff == {"quantity": (Decimal("3.0000"), Decimal("4.0000"))}  # the link stays


def test_texts_longer_than_their_fields_and_unknown_columns_are_reported(users, campaign):
    checked = check(sheet(row(用途类别="X" * 21), headers=HEADERS + ["序号"]), users, campaign)
    assert [(e.row, e.column, e.code) for e in checked.errors] == [(2, "用途类别", "too_long")]
    assert [(w.row, w.column, w.code) for w in checked.warnings] == [(1, "序号", "unknown_column")]


def test_lines_left_unchecked_by_quality_rules_are_exactly_those_without_findings():
    """The import asks inventory.quality.check_line only about lines that can have a finding
    (importers._may_have_findings); over every combination that matters, none is missed."""
    from itertools import product

    from inventory.importers import LineRow, _may_have_findings
    from inventory.quality import check_line

    numbers = [None, Decimal(0), Decimal("0.5"), Decimal(1), Decimal(10)]
    for kind, activity, quantity, water, air, soil in product(
            ["basic", "detailed", "key_control"], ["produce", "use", "import", "export"], numbers[1:], numbers,
            numbers, numbers):
        line = LineRow(1, None, "物质", "", activity, quantity, "", False, water, air, soil, "", "")
        if check_line(line, kind=kind):
            assert _may_have_findings(quantity, activity, water, air, soil, kind == "detailed"), line
