"""Importing the enterprise directory: keyed by 统一社会信用代码, codes normalised and checked (forbidden
letters, GB 32100 check character with an audited override), regions and industries looked up and
scoped, all or nothing, no duplicates on re-import, overwritten values recorded."""
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from inventory.identifiers import USCC_CHARSET, uscc_check_char
from inventory.importers import ENTERPRISE_COLUMNS, IMPORT_KINDS
from inventory.models import Enterprise, ImportRecord
from inventory.services import INDUSTRIES_CSV, industries_load
from inventory.sheets import SheetError, read_table
from portal.models import AuditEvent

HEADERS = [c.header for c in ENTERPRISE_COLUMNS]
KIND = IMPORT_KINDS["enterprises"]


def code(n: int, region: str = "140602") -> str:
    first = f"91{region}{n:09d}"
    return first + uscc_check_char(first)


def legacy(n: int) -> str:
    """A code whose check character is wrong (as some early, valid codes are)."""
    valid = code(n)
    wrong = USCC_CHARSET[(USCC_CHARSET.index(valid[-1]) + 1) % 31]
    return valid[:-1] + wrong


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def industries(db, tmp_path):
    """The GB/T 4754-2017 rows the tests use, loaded by the service from a slice of the fixture file
    (the whole file takes seconds per test)."""
    wanted = {"C", "26", "261", "2614", "D", "44", "441", "4411"}
    lines = INDUSTRIES_CSV.read_text(encoding="utf-8-sig").splitlines()
    path = tmp_path / "industries.csv"
    path.write_text("\n".join([lines[0], *(line for line in lines[1:] if line.split(",")[0] in wanted)]) + "\n",
                    encoding="utf-8")
    assert industries_load(path=path) == len(wanted)


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
    values = {"统一社会信用代码": code(1), "企业名称": "朔城某化工有限公司", "行政区划代码": "140602", "行业代码": "2614",
              "纬度": 39.33, "经度": 112.43, "土壤污染重点监管单位": "否", "联系人": "张三", "联系电话": "0349-1234567"}
    values.update(kw)
    return [values.get(h, "") for h in HEADERS]


def check(data, users, who="county_staff", name="企业.xlsx", progress=None):
    return KIND.check(read_table(data, name), actor=users[who], progress=progress)


def commit(data, checked, users, who="county_staff", name="企业.xlsx", **kw):
    return KIND.commit(actor=users[who], campaign=None, checked=checked, file_name=name, data=data, **kw)


def by_row(checked, number):
    return [(e.column, e.code) for e in checked.errors if e.row == number]


def test_a_clean_directory_imports_and_reimporting_it_changes_nothing(users, regions, industries):
    data = sheet(row(), row(**{"统一社会信用代码": " ９１" + code(2)[2:8] + " " + code(2)[8:].lower(),
                              "企业名称": "平鲁　某材料 有限公司", "行政区划代码": "１４０６０２", "行业代码": 4411}))
    checked = check(data, users)
    assert checked.ok, checked.errors
    assert len(checked.new) == 2
    record = commit(data, checked, users)
    assert (record.kind, record.created, record.updated, record.unchanged) == ("enterprises", 2, 0, 0)
    second = Enterprise.objects.get(credit_code=code(2))        # full-width, spaces, lower case: normalised
    assert second.name == "平鲁 某材料 有限公司" and second.region == regions["county"]
    assert second.industry_id == "4411" and second.created_by == users["county_staff"]
    first = Enterprise.objects.get(credit_code=code(1))
    assert first.latitude == Decimal("39.33") and first.contact_phone == "0349-1234567" and not first.soil_key_unit

    again = check(data, users)
    assert (len(again.new), len(again.changed), again.unchanged) == (0, 0, 2)
    commit(data, again, users)
    assert Enterprise.objects.count() == 2
    event = AuditEvent.objects.filter(action="import.enterprises").first()
    assert event.after["sha256"] == record.sha256 and event.after["rows"] == 2


def test_forbidden_letters_legacy_codes_and_unknown_references_are_named_and_nothing_is_written(
        users, regions, industries):
    data = sheet(
        row(),                                                            # row 2: fine
        row(统一社会信用代码="91140602MA0KIOZSV1"),                       # row 3: I, O, Z, S, V
        row(统一社会信用代码=legacy(3)),                                  # row 4: check character wrong
        row(统一社会信用代码=code(5), 行政区划代码="149999"),             # row 5: no such region
        row(统一社会信用代码=code(6), 行业代码="9999"),                   # row 6: no such industry
        row(统一社会信用代码=code(7), 行业代码="261"),                    # row 7: a group, not a class
        row(统一社会信用代码=code(8), 行政区划代码="14060"),              # row 8: not six digits
        row(统一社会信用代码=code(9), 企业名称=""),                       # row 9: name missing
        row(统一社会信用代码=code(10), 纬度=95),                          # row 10: latitude out of range
        row(统一社会信用代码=code(11), 经度="112.4度"),                   # row 11: unit in a number cell
        row(统一社会信用代码=code(12), 土壤污染重点监管单位="也许"),     # row 12: not 是/否
        row(企业名称="重复"),                                             # row 13: same code as row 2
    )
    checked = check(data, users)
    assert by_row(checked, 2) == []
    assert by_row(checked, 3) == [("统一社会信用代码", "uscc_letters")]
    letters_message = next(e.message for e in checked.errors if e.row == 3)
    assert all(letter in letters_message for letter in "IOZSV")
    assert by_row(checked, 4) == [("统一社会信用代码", "uscc_check")]
    assert by_row(checked, 5) == [("行政区划代码", "unknown_region")]
    assert by_row(checked, 6) == [("行业代码", "unknown_industry")]
    assert by_row(checked, 7) == [("行业代码", "unknown_industry")]
    assert by_row(checked, 8) == [("行政区划代码", "region_format")]
    assert by_row(checked, 9) == [("企业名称", "required")]
    assert by_row(checked, 10) == [("纬度", "out_of_range")]
    assert by_row(checked, 11) == [("经度", "unit_in_number")]
    assert by_row(checked, 12) == [("土壤污染重点监管单位", "not_yes_no")]
    assert by_row(checked, 13) == [("统一社会信用代码", "duplicate")]
    assert "2" in next(e.message for e in checked.errors if e.row == 13)
    assert str(checked.errors[0]).startswith("第 3 行")
    with pytest.raises(ValidationError):
        commit(data, checked, users)
    assert not Enterprise.objects.exists() and not ImportRecord.objects.exists()


def test_a_legacy_code_is_kept_only_when_confirmed_and_the_audit_says_so(users, regions, industries):
    data = sheet(row(统一社会信用代码=legacy(3), 确认旧代码="是"))
    checked = check(data, users)
    assert checked.ok
    record = commit(data, checked, users)
    enterprise = Enterprise.objects.get()
    assert enterprise.credit_code == legacy(3) and enterprise.credit_code_override
    event = AuditEvent.objects.get(action="import.enterprises", object_id=str(record.pk))
    assert legacy(3) in event.detail and event.after["legacy_codes_confirmed"] == [legacy(3)]
    # Confirmed once, the code needs no confirmation when the directory is imported again.
    again = check(sheet(row(统一社会信用代码=legacy(3))), users)
    assert again.ok and again.unchanged == 1


def test_regions_outside_the_users_scope_are_errors(users, regions, industries):
    Enterprise.objects.create(credit_code=code(20, "140603"), name="平鲁某企业", region=regions["sibling"])
    data = sheet(row(行政区划代码="140603"),                                     # row 2: new, in the sibling county
                 row(统一社会信用代码=code(20, "140603"), 行政区划代码="140602"),  # row 3: exists in the sibling county
                 row(统一社会信用代码=code(21), 行政区划代码="150000"))            # row 4: another province
    checked = check(data, users)
    assert by_row(checked, 2) == [("行政区划代码", "out_of_scope")]
    assert by_row(checked, 3) == [("统一社会信用代码", "out_of_scope")]
    assert by_row(checked, 4) == [("行政区划代码", "out_of_scope")]
    # The city sees both counties.
    city = check(data, users, who="bureau_staff")
    assert [e.row for e in city.errors] == [4]


def test_an_update_keeps_blank_cells_and_records_what_it_overwrote(users, regions, industries):
    first = sheet(row(详细地址="朔城区民福街1号"))
    commit(first, check(first, users), users)
    second = sheet(row(企业名称="朔城某化工股份有限公司", 行业代码="", 详细地址="", 联系电话="13900001111",
                       土壤污染重点监管单位="是"))
    checked = check(second, users)
    assert len(checked.changed) == 1
    [preview] = checked.preview_rows()
    assert preview["action"] == "update" and preview["key"] == code(1)
    assert preview["changes"]["name"] == ("朔城某化工有限公司", "朔城某化工股份有限公司")
    assert set(preview["changes"]) == {"name", "contact_phone", "soil_key_unit"}
    record = commit(second, checked, users)
    enterprise = Enterprise.objects.get()
    assert enterprise.address == "朔城区民福街1号" and enterprise.industry_id == "2614"   # blank: kept
    assert enterprise.name == "朔城某化工股份有限公司" and enterprise.soil_key_unit
    assert {(o["field"], o["before"], o["after"]) for o in record.overwritten} == {
        ("name", "朔城某化工有限公司", "朔城某化工股份有限公司"), ("contact_phone", "0349-1234567", "13900001111"),
        ("soil_key_unit", False, True)}
    event = AuditEvent.objects.get(action="import.enterprises", object_id=str(record.pk))
    assert event.before["overwritten"] == record.overwritten


def test_a_missing_required_column_is_named(users, regions):
    with pytest.raises(SheetError) as error:
        check(sheet(headers=[h for h in HEADERS if h != "行政区划代码"]), users)
    assert "行政区划代码" in str(error.value)


def test_headers_with_the_templates_star_and_in_csv_are_read(users, regions, industries):
    headers = [f"{h}*" if c.required else h for h, c in zip(HEADERS, ENTERPRISE_COLUMNS, strict=True)]
    text = ",".join(headers) + "\n" + ",".join(str(v) for v in row()) + "\n"
    checked = check(text.encode("gbk"), users, name="企业.csv")
    assert checked.ok and len(checked.new) == 1


def test_officers_cannot_import(users, regions):
    with pytest.raises(PermissionDenied):
        check(sheet(row()), users, who="department_officer")
    data = sheet(row())
    checked = check(data, users)
    with pytest.raises(PermissionDenied):
        commit(data, checked, users, who="department_officer")


def test_progress_is_reported_from_0_to_100_a_bounded_number_of_times(users, regions, industries):
    data = sheet(*[row(统一社会信用代码=code(n)) for n in range(300)])
    seen = []
    checked = check(data, users, progress=seen.append)
    assert checked.ok and len(checked.new) == 300
    commit(data, checked, users, progress=seen.append)
    assert seen[0] == 0 and seen[-1] == 100 and len(seen) <= 50
    assert all(0 <= p <= 100 for p in seen)


def test_commit_fills_the_import_record_it_is_given(users, regions, industries):
    data = sheet(row())
    record = ImportRecord.objects.create(kind="enterprises", actor=users["county_staff"], file_name="企业.xlsx",
                                         sha256="0" * 64, status="committing")
    done = commit(data, check(data, users), users, record=record)
    assert done.pk == record.pk and ImportRecord.objects.count() == 1
    record.refresh_from_db()
    assert (record.status, record.created, record.progress) == ("done", 1, 100)


def test_data_changed_between_check_and_commit_leaves_everything_as_it_was(users, regions, industries):
    data = sheet(row(), row(统一社会信用代码=code(2)))
    checked = check(data, users)
    assert checked.ok and len(checked.new) == 2
    Enterprise.objects.create(credit_code=code(2), name="同时录入的企业", region=regions["county"])
    with pytest.raises(ValidationError):
        commit(data, checked, users)
    assert list(Enterprise.objects.values_list("name", flat=True)) == ["同时录入的企业"]
    assert not ImportRecord.objects.exists() and not AuditEvent.objects.filter(action="import.enterprises").exists()
