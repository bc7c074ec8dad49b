"""Control-list entries and measures imported through the inventory's import flow into one draft list: every bad
cell named by row and column, the preview's counts, all or nothing, audited; exported in the template's own format
so that export → edit → import changes exactly what was edited (and an unedited export changes nothing)."""
import datetime
import io

import openpyxl
import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

from controls import importers, services
from controls.choices import Jurisdiction, ListKind, MeasureType
from controls.models import ControlEntry, ControlList, ControlMeasure, EntrySubstance
from inventory import uploads
from inventory.importers import IMPORT_KINDS, template_workbook
from inventory.models import ImportRecord
from inventory.sheets import read_table
from portal.models import AuditEvent, DepartmentAlias
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ENTRY_HEADERS = ["序号", "编码", "名称", "英文名称", "类别", "是否类别", "CAS号", "涵盖范围", "管控要求原文", "已核实",
                 "待核实事项"]
MEASURE_HEADERS = ["条目序号", "措施类型", "适用范围", "施行日期", "截止日期", "法律依据", "责任部门", "到期后任务天数",
                   "已核实"]
ENTRIES, MEASURES = "control_entries", "control_measures"


@pytest.fixture(autouse=True)
def chinese(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def staff(users):
    return users["bureau_staff"]


@pytest.fixture
def supplement(staff, regions, inventory):
    """A draft city list with a single substance, a group and an entry without CAS, and three measures."""
    clist = services.list_save(actor=staff, kind=ListKind.LOCAL_SUPPLEMENT, name="朔州市重点管控新污染物补充清单",
                               edition="2024年版", year=2024, jurisdiction=Jurisdiction.CITY, region=regions["city"],
                               effective_on=datetime.date(2024, 7, 1))
    return clist


@pytest.fixture
def filled(staff, departments, supplement):
    dcm, _ = services.entry_save(actor=staff, clist=supplement, number=1, code="SZ01", name="二氯甲烷",
                                 name_en="Dichloromethane", category="toxic", cas_text="75-09-2",
                                 summary="限制在清洗剂中的使用；\n排放须达标。", verified=True)
    pfas, _ = services.entry_save(actor=staff, clist=supplement, number=2, name="全氟化合物类", category="pop",
                                  is_group=True, cas_text="1763-23-1、335-67-1", covers="及其盐类和相关化合物",
                                  to_confirm="待核实：相关化合物清单")
    services.entry_save(actor=staff, clist=supplement, number=3, name="抗生素", category="antibiotic")
    services.measure_save(actor=staff, entry=dcm, type=MeasureType.EMISSION_LIMIT, scope="废气排放",
                          effective_on=datetime.date(2024, 7, 1), legal_basis="《大气污染防治法》",
                          departments=[departments["bureau"], departments["agri"]], task_days_after=30, verified=True)
    services.measure_save(actor=staff, entry=pfas, type=MeasureType.EXEMPTION, scope="=消防泡沫（灭火）",
                          ends_on=datetime.date(2025, 12, 31))
    services.measure_save(actor=staff, entry=pfas, type=MeasureType.BAN_PRODUCTION,
                          effective_on=datetime.date(2024, 7, 1))
    return supplement


def workbook(headers, *rows):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(list(row) + [""] * (len(headers) - len(row)))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def check(kind, user, data, clist):
    return IMPORT_KINDS[kind].check(read_table(data, "清单.xlsx"), actor=user, target=clist)


def commit(kind, user, checked, data, clist):
    return IMPORT_KINDS[kind].commit(actor=user, campaign=None, checked=checked, file_name="清单.xlsx", data=data,
                                     target=clist)


def found(checked):
    return {(e.row, e.column, e.code) for e in checked.errors}


def counts(checked):
    return len(checked.new), len(checked.changed), checked.unchanged, len(checked.errors)


def cas_of(clist, number):
    return sorted(EntrySubstance.objects.filter(entry__list=clist, entry__number=number).values_list("cas", flat=True))


def edit(data, changes: dict):
    """The workbook with cells changed: {(row, column): value}."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    for (row, column), value in changes.items():
        book.worksheets[0].cell(row=row, column=column).value = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# ---------------------------------------------------------------- export → import

def test_an_exported_list_imports_again_with_no_change(staff, filled):
    entries, measures = importers.entries_workbook(filled), importers.measures_workbook(filled)
    book = openpyxl.load_workbook(io.BytesIO(entries))
    assert book.sheetnames == ["清单条目", "填写说明"]
    assert [c.value for c in book.worksheets[0][1]] == [h + ("*" if h in ("序号", "名称", "类别") else "")
                                                       for h in ENTRY_HEADERS]
    assert [c.value for c in book.worksheets[0][3]][:7] == [2, None, "全氟化合物类", None, "持久性有机污染物", "是",
                                                           "1763-23-1、335-67-1"]
    checked = check(ENTRIES, staff, entries, filled)
    assert counts(checked) == (0, 0, 3, 0)
    checked = check(MEASURES, staff, measures, filled)
    assert counts(checked) == (0, 0, 3, 0)
    sheet = openpyxl.load_workbook(io.BytesIO(measures)).worksheets[0]
    assert [c.value for c in sheet[2]][6] == "朔州市生态环境局、朔州市农业农村局"
    assert sheet.cell(row=3, column=3).value == "=消防泡沫（灭火）"  # text, never a formula
    assert sheet.cell(row=3, column=3).data_type == "s"


def test_the_national_reference_list_round_trips_through_a_new_edition(inventory, departments):
    services.reference_lists_load()
    national = ControlList.objects.get(kind="national_key")
    root = UserFactory(username="root", is_superuser=True, department=departments["bureau"])
    draft = services.list_edition_create(actor=root, clist=national, edition="2025年版", year=2025)
    entries, measures = importers.entries_workbook(draft), importers.measures_workbook(draft)
    assert counts(check(ENTRIES, root, entries, draft)) == (0, 0, 14, 0)
    checked = check(MEASURES, root, measures, draft)
    assert counts(checked) == (0, 0, ControlMeasure.objects.filter(entry__list=draft).count(), 0)


def test_an_edited_export_changes_only_what_was_edited(staff, filled):
    data = edit(importers.entries_workbook(filled), {(2, 3): "二氯甲烷（DCM）", (3, 7): "1763-23-1\n307-35-7",
                                                     (3, 11): None, (4, 10): "是"})
    checked = check(ENTRIES, staff, data, filled)
    assert counts(checked) == (0, 3, 0, 0)
    record = commit(ENTRIES, staff, checked, data, filled)
    assert (record.kind, record.updated, record.unchanged) == (ENTRIES, 3, 0)
    assert cas_of(filled, 2) == ["1763-23-1", "307-35-7"]
    group = filled.entries.get(number=2)
    assert group.to_confirm == "" and group.covers == "及其盐类和相关化合物"  # cleared; the rest kept
    assert filled.entries.get(number=1).name == "二氯甲烷（DCM）"
    assert filled.entries.get(number=3).verified
    assert {"field": "cas", "before": ["1763-23-1", "335-67-1"], "after": ["1763-23-1", "307-35-7"]}.items() <= next(
        o for o in record.overwritten if o["field"] == "cas").items()
    assert counts(check(ENTRIES, staff, data, filled)) == (0, 0, 3, 0)  # the same file again: nothing to do


# ---------------------------------------------------------------- preview and writing

def test_the_preview_counts_what_would_be_created_and_updated(staff, departments, filled):
    data = workbook(ENTRY_HEADERS,
                    (1, "SZ01", "二氯甲烷", "Dichloromethane", "有毒有害化学物质", "否", "75-09-2",
                     "", "限制在清洗剂中的使用；\n排放须达标。", "是", ""),                   # unchanged
                    (3, "", "抗生素", "", "抗生素", "否", "", "", "", "否", "待核实：具体品种"),   # updated
                    (4, "SZ04", "壬基酚", "Nonylphenol", "环境内分泌干扰物", "否", "25154-52-3"),  # created
                    (5, "", "三氯甲烷", "", "toxic", "", "67-66-3"))                             # created (code)
    record = uploads.import_upload(actor=staff, kind=ENTRIES, target=filled.pk,
                                   upload=SimpleUploadedFile("补充清单.xlsx", data))
    record.refresh_from_db()  # the preview as the page reads it (JSON)
    assert (record.status, record.rows, record.created, record.updated, record.unchanged) == ("validated", 4, 2, 1, 1)
    assert record.preview[0]["action"] == "update" and "待核实事项" in record.preview[0]["changes"]
    created = next(p for p in record.preview if p["key"] == "4. 壬基酚")
    assert created["changes"]["类别"] == [None, "环境内分泌干扰物"] and created["changes"]["CAS号"] == [None, ["25154-52-3"]]
    assert not ControlEntry.objects.filter(list=filled, number=4).exists()  # the check writes nothing
    record = uploads.import_confirm(actor=staff, record=record)
    assert (record.status, record.created, record.updated) == ("done", 2, 1)
    assert cas_of(filled, 4) == ["25154-52-3"] and filled.entries.get(number=5).category == "toxic"
    assert AuditEvent.objects.filter(action="import.control_entries", object_id=str(record.pk)).exists()
    assert AuditEvent.objects.filter(action="control_list.import.entries", object_id=str(filled.pk)).exists()
    upload = AuditEvent.objects.get(action="import.upload", object_id=str(record.pk))
    assert upload.after["target"]["id"] == filled.pk

    data = workbook(MEASURE_HEADERS,
                    (1, "限排", "废气排放", "2024-07-01", "", "《大气污染防治法》", "市生态环境局", 60, "是"),  # updated
                    (4, "禁止生产", "", datetime.date(2025, 1, 1), "", "", "农业局", "", ""))               # created
    DepartmentAlias.objects.create(name="农业局", department=departments["agri"])
    record = uploads.import_upload(actor=staff, kind=MEASURES, target=filled.pk,
                                   upload=SimpleUploadedFile("措施.xlsx", data))
    record.refresh_from_db()
    assert (record.status, record.created, record.updated, record.unchanged) == ("validated", 1, 1, 0)
    changes = record.preview[0]["changes"]
    assert changes["责任部门"] == [["朔州市生态环境局", "朔州市农业农村局"], ["朔州市生态环境局"]]
    assert changes["到期后任务天数"] == [30, 60]
    record = uploads.import_confirm(actor=staff, record=record)
    assert record.status == "done"
    emission = ControlMeasure.objects.get(entry__list=filled, type=MeasureType.EMISSION_LIMIT)
    assert emission.task_days_after == 60 and list(emission.departments.all()) == [departments["bureau"]]
    ban = ControlMeasure.objects.get(entry__list=filled, entry__number=4)
    assert ban.effective_on == datetime.date(2025, 1, 1) and list(ban.departments.all()) == [departments["agri"]]
    assert AuditEvent.objects.filter(action="import.control_measures", object_id=str(record.pk)).exists()


# ---------------------------------------------------------------- every bad cell, by row and column

def test_every_bad_entry_row_is_named_and_nothing_is_written(staff, filled):
    data = workbook(ENTRY_HEADERS,
                    (6, "", "坏校验位", "", "有毒有害化学物质", "否", "75-09-3"),
                    (7, "", "全角", "", "有毒有害化学物质", "否", "６７－６６－３"),
                    (8, "", "未知类别", "", "剧毒物质", "否", ""),
                    (9, "", "两个号", "", "有毒有害化学物质", "否", "127-18-4；79-01-6"),
                    (10, "", "重复序号", "", "有毒有害化学物质", "否", ""),
                    (10, "", "重复序号", "", "有毒有害化学物质", "否", ""),
                    ("十", "", "", "", "有毒有害化学物质"))
    checked = check(ENTRIES, staff, data, filled)
    assert found(checked) == {(2, "CAS号", "cas_check"), (4, "类别", "choice"), (5, "CAS号", "several_cas"),
                              (7, "序号", "duplicate"), (8, "序号", "not_whole_number"), (8, "名称", "required")}
    assert "75-09-3" in next(e.message for e in checked.errors if e.row == 2)
    assert "剧毒物质" in next(e.message for e in checked.errors if e.row == 4)
    assert next(e for e in checked.new if e.number == 7)._import_cas == ["67-66-3"]  # full-width made canonical
    with pytest.raises(ValidationError):
        commit(ENTRIES, staff, checked, data, filled)
    assert filled.entries.count() == 3


def test_a_cas_in_another_entry_is_a_warning_for_single_substances_only(staff, filled):
    data = workbook(ENTRY_HEADERS,
                    (6, "", "二氯甲烷（重复）", "", "有毒有害化学物质", "否", "75-09-2"),
                    (7, "", "全氟类B", "", "持久性有机污染物", "是", "335-67-1"))
    checked = check(ENTRIES, staff, data, filled)
    assert checked.ok and counts(checked)[:2] == (2, 0)
    warned = [(w.row, w.column, w.code) for w in checked.warnings]
    assert warned == [(2, "CAS号", "cas_elsewhere")]
    assert "1（二氯甲烷）" in checked.warnings[0].message


def test_every_bad_measure_row_is_named_and_nothing_is_written(staff, departments, filled):
    data = workbook(MEASURE_HEADERS,
                    (1, "禁止加工使用", "清洗剂", "2025-01-01", "2024-12-31"),
                    (2, "豁免用途", "电镀铬雾抑制剂", "2024-01-01", ""),
                    (1, "信息公开", "", "", "", "", "市生态环境局、市卫健委"),
                    (1, "信息公开", "", "", "", "", "内蒙古自治区生态环境厅"),
                    (99, "环境监测"),
                    (1, "禁止燃烧"),
                    (1, "环境监测", "", "", "", "", "", 5000),
                    (1, "环境监测", "河流", "2024-02-30"),
                    (3, "环境监测", "地表水", "2024-07-01", "", "", "市农业农村局", 30, "是"))
    checked = check(MEASURES, staff, data, filled)
    assert found(checked) == {(2, "截止日期", "ends_before_start"), (3, "截止日期", "exemption_without_end"),
                              (4, "责任部门", "unknown_department"), (5, "责任部门", "unknown_department"),
                              (6, "条目序号", "unknown_entry"), (7, "措施类型", "choice"),
                              (8, "到期后任务天数", "not_whole_number"), (9, "施行日期", "not_date")}
    assert "市卫健委" in next(e.message for e in checked.errors if e.row == 4)
    assert "99" in next(e.message for e in checked.errors if e.row == 6)
    assert counts(checked)[:2] == (1, 0)
    with pytest.raises(ValidationError):
        commit(MEASURES, staff, checked, data, filled)
    assert ControlMeasure.objects.filter(entry__list=filled).count() == 3


def test_an_ambiguous_short_name_asks_for_the_full_name(staff, departments, regions, filled):
    from tests.factories import DepartmentFactory
    DepartmentFactory(name="朔州市平鲁区农业农村局", short_name="市农业农村局", region=regions["sibling"])
    checked = check(MEASURES, staff, workbook(MEASURE_HEADERS, (3, "环境监测", "", "", "", "", "市农业农村局")), filled)
    assert found(checked) == {(2, "责任部门", "ambiguous_department")}
    checked = check(MEASURES, staff, workbook(MEASURE_HEADERS, (3, "环境监测", "", "", "", "", "朔州市农业农村局")),
                    filled)
    assert checked.ok


# ---------------------------------------------------------------- who may import into which list

def test_a_list_in_force_is_refused(staff, filled):
    services.list_put_in_force(actor=staff, clist=filled)
    data = importers.entries_workbook(filled)
    with pytest.raises(ValidationError):
        check(ENTRIES, staff, data, filled)
    with pytest.raises(ValidationError):
        uploads.import_upload(actor=staff, kind=ENTRIES, target=filled.pk, upload=SimpleUploadedFile("a.xlsx", data))
    with pytest.raises(ValidationError):
        check(MEASURES, staff, importers.measures_workbook(filled), filled)


def test_users_without_the_permission_or_outside_the_region_are_refused(users, roles, departments, filled):
    data = importers.entries_workbook(filled)
    for who in ("leader", "department_officer", "county_staff"):
        with pytest.raises(PermissionDenied):
            check(ENTRIES, users[who], data, filled)
    importer = UserFactory(username="importer", department=departments["bureau"])
    group = Group.objects.create(name="只能导入")
    group.permissions.add(Permission.objects.get(content_type__app_label="inventory", codename="import_data"))
    importer.groups.add(group)
    with pytest.raises(PermissionDenied):
        check(ENTRIES, importer, data, filled)
    with pytest.raises(PermissionDenied):
        uploads.import_upload(actor=importer, kind=ENTRIES, target=filled.pk, upload=SimpleUploadedFile("a.xlsx", data))
    with pytest.raises(ValidationError):  # a kind with a target needs one
        uploads.import_upload(actor=users["bureau_staff"], kind=ENTRIES, upload=SimpleUploadedFile("a.xlsx", data))


def test_a_conflict_while_writing_leaves_nothing_half_saved(staff, filled):
    data = workbook(ENTRY_HEADERS,
                    (3, "", "抗生素", "", "抗生素", "否", "", "", "", "是"),
                    (4, "", "壬基酚", "", "环境内分泌干扰物", "否", "25154-52-3"),
                    (5, "", "三氯甲烷", "", "有毒有害化学物质", "否", "67-66-3"))
    checked = check(ENTRIES, staff, data, filled)
    assert counts(checked) == (2, 1, 0, 0)
    services.entry_save(actor=staff, clist=filled, number=5, name="别人刚加的", category="other")
    with pytest.raises(ValidationError):
        commit(ENTRIES, staff, checked, data, filled)
    assert sorted(filled.entries.values_list("number", flat=True)) == [1, 2, 3, 5]
    assert not filled.entries.get(number=3).verified
    assert not EntrySubstance.objects.filter(cas="25154-52-3").exists()
    assert not AuditEvent.objects.filter(action="import.control_entries").exists()


def test_a_list_put_in_force_between_check_and_confirm_is_not_written(staff, filled):
    data = workbook(ENTRY_HEADERS, (4, "", "壬基酚", "", "环境内分泌干扰物", "否", "25154-52-3"))
    record = uploads.import_upload(actor=staff, kind=ENTRIES, target=filled.pk, upload=SimpleUploadedFile("a.xlsx", data))
    assert record.status == "validated"
    services.list_put_in_force(actor=staff, clist=filled)
    record = uploads.import_confirm(actor=staff, record=record)
    assert record.status == "failed" and "草稿" in record.errors[0]["message"]
    assert not filled.entries.filter(number=4).exists()


# ---------------------------------------------------------------- pages and template

def test_the_import_page_is_opened_from_the_list(staff, users, regions, filled):
    client = Client()
    client.force_login(staff)
    url = reverse("inventory:import_start") + f"?kind={ENTRIES}&target={filled.pk}"
    response = client.get(url)
    assert response.status_code == 200
    assert [k for k, _label in response.context["form"].fields["kind"].choices] == [ENTRIES, MEASURES]
    assert str(filled) in response.content.decode()
    data = workbook(ENTRY_HEADERS, (4, "", "壬基酚", "", "环境内分泌干扰物", "否", "25154-52-3"))
    response = client.post(url, {"kind": ENTRIES, "file": SimpleUploadedFile("补充.xlsx", data)})
    record = ImportRecord.objects.latest("pk")
    assert response.status_code == 302 and (record.kind, record.status, record.created) == (ENTRIES, "validated", 1)
    assert uploads.import_target_id(record) == filled.pk
    # Without a target the kinds that need one are not offered; a list of another province is not found.
    plain = client.get(reverse("inventory:import_start"))
    assert ENTRIES not in dict(plain.context["form"].fields["kind"].choices)
    other = ControlList.objects.create(kind=ListKind.LOCAL_SUPPLEMENT, name="内蒙古补充清单", edition="2024年版", year=2024,
                                       jurisdiction=Jurisdiction.PROVINCE, region=regions["other"])
    assert client.get(reverse("inventory:import_start") + f"?kind={ENTRIES}&target={other.pk}").status_code == 404
    services.list_put_in_force(actor=staff, clist=filled)
    response = client.get(url, follow=True)
    assert "草稿" in response.content.decode()


def test_a_filled_template_imports(staff, filled):
    for kind, row in ((ENTRIES, [6, "", "四氯乙烯", "", "有毒有害化学物质", "否", "127-18-4"]),
                      (MEASURES, [6, "含量限值", "清洗剂", "2025-01-01"])):
        book = openpyxl.load_workbook(io.BytesIO(template_workbook(kind)))
        book.worksheets[0].append(row)
        out = io.BytesIO()
        book.save(out)
        checked = check(kind, staff, out.getvalue(), filled)
        assert counts(checked) == (1, 0, 0, 0)
        assert commit(kind, staff, checked, out.getvalue(), filled).created == 1
    assert ControlMeasure.objects.get(entry__list=filled, entry__number=6).type == MeasureType.CONTENT_LIMIT


def test_the_templates_offer_the_choices_in_chinese(staff, filled):
    book = openpyxl.load_workbook(io.BytesIO(template_workbook(MEASURES)))
    assert book.sheetnames == ["管控措施", "填写说明"]
    lists = [v.formula1 for v in book.worksheets[0].data_validations.dataValidation]
    assert any("豁免用途" in f and "禁止生产" in f for f in lists)
    assert any("匹配已有措施" in (row[0].value or "") for row in book.worksheets[1].iter_rows())
    sheet = openpyxl.load_workbook(io.BytesIO(template_workbook(ENTRIES))).worksheets[0]
    assert any("持久性有机污染物" in v.formula1 for v in sheet.data_validations.dataValidation)
