"""Importing substances: keyed by CAS RN (normalised from any way people write it; a wrong check digit
is an error), or by the exact Chinese name when there is none; synonyms split, groups looked up and
joined; all or nothing, no duplicates on re-import, overwritten values recorded."""
import io

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from inventory.importers import IMPORT_KINDS, SUBSTANCE_COLUMNS
from inventory.models import ImportRecord, Substance, SubstanceGroup
from inventory.sheets import SheetError, read_table
from portal.models import AuditEvent

HEADERS = [c.header for c in SUBSTANCE_COLUMNS]
KIND = IMPORT_KINDS["substances"]


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def groups(db):
    return {name: SubstanceGroup.objects.create(name=name) for name in ("PFOS类", "氯代烃类", "优先控制化学品")}


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
    values = {"CAS号": "75-09-2", "中文名称": "二氯甲烷", "英文名称": "Dichloromethane"}
    values.update(kw)
    return [values.get(h, "") for h in HEADERS]


def check(data, users, who="bureau_staff"):
    return KIND.check(read_table(data, "物质.xlsx"), actor=users[who])


def commit(data, checked, users, who="bureau_staff"):
    return KIND.commit(actor=users[who], campaign=None, checked=checked, file_name="物质.xlsx", data=data)


def by_row(checked, number):
    return [(e.column, e.code) for e in checked.errors if e.row == number]


def test_cas_numbers_are_normalised_and_reimporting_changes_nothing(users, groups):
    data = sheet(row(别名="亚甲基氯；DCM\n二氯化甲烷", 物质类别="氯代烃类、优先控制化学品"),
                 row(CAS号="６７　６６３", 中文名称="三氯甲烷", 英文名称="Chloroform", EC号="200-663-8"),
                 row(CAS号=" 1763 - 23 - 1 ", 中文名称="全氟辛基磺酸", 英文名称="PFOS", 物质类别="PFOS类"),
                 row(CAS号="", 中文名称="某商品名助剂", 英文名称=""))
    checked = check(data, users)
    assert checked.ok, checked.errors
    assert [s.cas for s in checked.new] == ["75-09-2", "67-66-3", "1763-23-1", None]
    preview = checked.preview_rows()
    assert preview[0]["action"] == "create" and preview[0]["key"] == "75-09-2"
    assert preview[0]["changes"]["groups"] == (None, ["氯代烃类", "优先控制化学品"])
    record = commit(data, checked, users)
    assert (record.kind, record.created) == ("substances", 4)
    dcm = Substance.objects.get(cas="75-09-2")
    assert dcm.synonyms == "亚甲基氯\nDCM\n二氯化甲烷"
    assert set(dcm.groups.values_list("name", flat=True)) == {"氯代烃类", "优先控制化学品"}
    assert Substance.objects.get(cas="67-66-3").ec_number == "200-663-8"
    assert Substance.objects.get(name_zh="某商品名助剂").cas is None

    again = check(data, users)
    assert (len(again.new), len(again.changed), again.unchanged) == (0, 0, 4)
    commit(data, again, users)
    assert Substance.objects.count() == 4 and groups["PFOS类"].members.count() == 1
    assert AuditEvent.objects.filter(action="import.substances").count() == 2


def test_wrong_check_digits_unknown_groups_and_duplicates_are_named_and_nothing_is_written(users, groups):
    data = sheet(
        row(),                                                    # row 2: fine
        row(CAS号="75-09-3", 中文名称="二氯甲烷?"),              # row 3: wrong check digit
        row(CAS号="75-9-2x", 中文名称="坏格式"),                 # row 4: not a CAS number
        row(CAS号="67-66-3", 中文名称=""),                       # row 5: Chinese name missing
        row(CAS号="71-55-6", 中文名称="1,1,1-三氯乙烷", 物质类别="不存在的类"),  # row 6: no such group
        row(CAS号="79-01-6", 中文名称="三氯乙烯", EC号="200-663-9"),  # row 7: EC check digit wrong
        row(CAS号="75092", 中文名称="DCM"),                      # row 8: same CAS as row 2, written otherwise
        row(CAS号="", 中文名称="某助剂"),                        # row 9: fine
        row(CAS号="", 中文名称="某助剂"),                        # row 10: same name, no CAS: duplicates row 9
    )
    checked = check(data, users)
    assert by_row(checked, 2) == [] and by_row(checked, 9) == []
    assert by_row(checked, 3) == [("CAS号", "cas_check")]
    assert "75-09-2" in next(e.message for e in checked.errors if e.row == 3)       # the corrected number
    assert by_row(checked, 4) == [("CAS号", "cas_format")]
    assert by_row(checked, 5) == [("中文名称", "required")]
    assert by_row(checked, 6) == [("物质类别", "unknown_group")]
    assert by_row(checked, 7) == [("EC号", "ec_check")]
    assert by_row(checked, 8) == [("CAS号", "duplicate")]
    assert "2" in next(e.message for e in checked.errors if e.row == 8)
    assert by_row(checked, 10) == [("中文名称", "duplicate")]
    # A duplicate is named even beside the row's other errors.
    again = check(sheet(row(), row(CAS号="75092", 中文名称="", EC号="1")), users)
    assert sorted(by_row(again, 3)) == [("CAS号", "duplicate"), ("EC号", "ec_format"), ("中文名称", "required")]
    assert "9" in next(e.message for e in checked.errors if e.row == 10)
    with pytest.raises(ValidationError):
        commit(data, checked, users)
    assert not Substance.objects.exists() and not ImportRecord.objects.exists()


def test_a_row_without_cas_updates_the_substance_of_that_name_and_records_the_old_values(users, groups):
    Substance.objects.create(cas=None, name_zh="某助剂", name_en="Additive X")
    Substance.objects.create(cas="75-09-2", name_zh="二氯甲烷", name_en="DCM")
    data = sheet(row(CAS号="", 中文名称="某助剂", 英文名称="Additive Y", 物质类别="PFOS类"),
                 row(英文名称="", 物质类别="氯代烃类"))
    checked = check(data, users)
    assert checked.ok and not checked.new and len(checked.changed) == 2
    record = commit(data, checked, users)
    additive = Substance.objects.get(name_zh="某助剂")
    assert additive.name_en == "Additive Y" and list(additive.groups.values_list("name", flat=True)) == ["PFOS类"]
    dcm = Substance.objects.get(cas="75-09-2")
    assert dcm.name_en == "DCM"                                  # a blank cell keeps the value
    assert {(o["key"], o["field"], str(o["before"])) for o in record.overwritten} == {
        ("某助剂", "name_en", "Additive X"), ("某助剂", "groups", "[]"), ("75-09-2", "groups", "[]")}
    assert Substance.objects.count() == 2


def test_two_substances_without_cas_sharing_a_name_make_the_row_ambiguous(users, groups):
    Substance.objects.create(cas=None, name_zh="某助剂")
    Substance.objects.create(cas=None, name_zh="某助剂")
    checked = check(sheet(row(CAS号="", 中文名称="某助剂")), users)
    assert by_row(checked, 2) == [("中文名称", "ambiguous")]


def test_a_missing_required_column_is_named(users, groups):
    with pytest.raises(SheetError) as error:
        check(sheet(headers=["CAS号", "英文名称"]), users)
    assert "中文名称" in str(error.value)
