"""Hazard records imported through the inventory's import flow: every row checked by row and column,
qualifiers and units applied, all or nothing, no duplicates on re-import, overwritten values kept."""
import io

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation

from inventory.importers import IMPORT_KINDS, template_workbook
from inventory.sheets import read_table
from screening.models import HazardRecord

HEADERS = ["CAS号", "物质名称", "危害终点", "介质", "数值", "单位", "类别", "可靠性", "来源", "出处", "备注"]
KIND = "hazard_records"


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


def workbook(*rows):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(list(row) + [""] * (len(HEADERS) - len(row)))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


GOOD = [("1763-23-1", "全氟辛基磺酸", "半衰期", "淡水", ">41", "年", "", "2", "参考文献", "POPRC 风险简介"),
        ("1763-23-1", "全氟辛基磺酸", "BCF", "", "2796", "L/kg", "", "2", "数据库", "ECHA"),
        ("1763-23-1", "全氟辛基磺酸", "STOT RE", "", "", "", "1", "1", "数据库", "GHS"),
        ("75-09-2", "二氯甲烷", "BCF", "", "≥2000", "L/kg", "", "3", "估算", "QSAR")]


def check(users, data, role="bureau_staff"):
    return IMPORT_KINDS[KIND].check(read_table(data, "危害.xlsx"), actor=users[role])


def commit(users, checked, data):
    return IMPORT_KINDS[KIND].commit(actor=users["bureau_staff"], campaign=None, checked=checked,
                                     file_name="危害.xlsx", data=data)


def test_a_good_file_imports_once_and_reimports_as_unchanged(users, inventory):
    data = workbook(*GOOD)
    checked = check(users, data)
    assert checked.ok and len(checked.new) == 4
    record = commit(users, checked, data)
    assert (record.kind, record.created) == ("hazard_records", 4)
    half_life = HazardRecord.objects.get(endpoint="half_life")
    assert (half_life.qualifier, half_life.value, half_life.compartment) == (">", 14965, "fresh_water")
    assert HazardRecord.objects.get(substance=inventory["dcm"]).qualifier == ">="
    again = check(users, data)
    assert (len(again.new), len(again.changed), again.unchanged) == (0, 0, 4)
    changed = [list(r) for r in GOOD]
    changed[1][4] = "3100"
    data2 = workbook(*changed)
    checked2 = check(users, data2)
    assert len(checked2.changed) == 1
    record2 = commit(users, checked2, data2)
    assert HazardRecord.objects.get(endpoint="bcf", substance=inventory["pfos"]).value == 3100
    assert record2.overwritten[0]["field"] in ("value", "entered_value")
    assert HazardRecord.objects.count() == 4


def test_every_bad_row_is_named_and_nothing_is_written(users, inventory):
    data = workbook(*GOOD,
                    ("1763-23-2", "", "BCF", "", "100", "L/kg"),          # wrong check digit
                    ("50-00-0", "甲醛", "BCF", "", "1", "L/kg"),           # not in the inventory
                    ("1763-23-1", "", "半衰期", "", "30", "d"),            # no compartment
                    ("1763-23-1", "", "半衰期", "土壤", "3", "fortnight"),  # unknown unit
                    ("1763-23-1", "", "毒性", "", "1", ""),                 # unknown endpoint
                    ("1763-23-1", "", "BCF", "", "很高", "L/kg", "", "2", "数据库", "其他"),  # not a number
                    GOOD[1])                                               # duplicates row 3
    checked = check(users, data)
    found = {(e.row, e.column) for e in checked.errors}
    assert found == {(6, "CAS号"), (7, "CAS号"), (8, "介质"), (9, "单位"), (10, "危害终点"), (11, "数值"),
                     (12, "危害终点")}
    assert next(e for e in checked.errors if e.row == 12).code == "duplicate"
    assert HazardRecord.objects.count() == 0


def test_leaders_cannot_import_hazard_records(users, inventory):
    with pytest.raises(PermissionDenied):
        check(users, workbook(*GOOD), role="leader")


def test_the_template_reads_back(users, inventory):
    book = openpyxl.load_workbook(io.BytesIO(template_workbook(KIND)))
    assert book.sheetnames == ["危害数据", "填写说明"]
    sheet = book.worksheets[0]
    sheet.append(list(GOOD[0]))
    out = io.BytesIO()
    book.save(out)
    assert check(users, out.getvalue()).ok
