"""The import registry and its blank templates: the headers the importer reads (required ones bold with
a *), frozen, sized, no example rows, a 填写说明 sheet — and a filled template imports, for every kind."""
import io

import openpyxl
import pytest
from django.utils import translation

from inventory.importers import IMPORT_KINDS, TEMPLATE_SHEETS, Checked, template_workbook
from inventory.models import Enterprise, MonitoringResult, Substance, SubstanceGroup, SurveyLine
from inventory.sheets import read_table
from portal.models import AuditEvent
from screening.models import HazardRecord

from .conftest import CODE_COUNTY


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


def test_the_registry_names_every_kind_and_only_survey_lines_need_a_campaign():
    # The inventory's four, the hazard records the screening feature registers, and the control-list entries and
    # measures the controls feature registers (written into a list: ImportKind.target).
    assert list(IMPORT_KINDS) == ["survey_lines", "enterprises", "substances", "monitoring_results", "hazard_records",
                                  "control_entries", "control_measures"]
    assert [k for k, spec in IMPORT_KINDS.items() if spec.target] == ["control_entries", "control_measures"]
    assert [k for k, spec in IMPORT_KINDS.items() if spec.needs_campaign] == ["survey_lines"]
    for key, spec in IMPORT_KINDS.items():
        assert spec.key == key and str(spec.label) and callable(spec.check) and callable(spec.commit)
        assert len({c.header for c in spec.columns}) == len(spec.columns)


@pytest.mark.parametrize("kind", list(IMPORT_KINDS))
def test_a_template_has_the_headers_and_explains_every_column(kind):
    workbook = openpyxl.load_workbook(io.BytesIO(template_workbook(kind)))
    columns = IMPORT_KINDS[kind].columns
    first, notes = workbook.worksheets
    assert first.title == TEMPLATE_SHEETS[kind] and notes.title == "填写说明"
    headers = [cell.value for cell in first[1]]
    assert headers == [c.header + ("*" if c.required else "") for c in columns]
    assert [cell.font.bold for cell in first[1]] == [c.required for c in columns]
    assert first.freeze_panes == "A2" and first.max_row == 1            # no example rows
    assert all(first.column_dimensions[cell.column_letter].width >= 12 for cell in first[1])
    listed = {row[0]: row[1] for row in notes.iter_rows(min_row=2, values_only=True) if row[0]}
    for column in columns:
        assert listed[column.header] == ("必填" if column.required else "选填")
    text = "\n".join(str(row[0]) for row in notes.iter_rows(values_only=True) if row[0])
    assert "全部导入" in text and "第一个工作表" in text


def fill(kind, values: dict) -> bytes:
    """The template with one row filled in by header (without the *)."""
    workbook = openpyxl.load_workbook(io.BytesIO(template_workbook(kind)))
    sheet = workbook.worksheets[0]
    headers = [str(cell.value).rstrip("*") for cell in sheet[1]]
    assert set(values) <= set(headers)
    sheet.append([values.get(h, "") for h in headers])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


FILLED = {
    "survey_lines": {"统一社会信用代码": CODE_COUNTY, "物质名称": "全氟辛基磺酸", "CAS号": "1763-23-1", "活动类型": "加工使用",
                     "数量（吨/年）": 2.5, "分散式用途": "否"},
    "enterprises": {"统一社会信用代码": "91140602000000001A", "企业名称": "模板测试企业", "行政区划代码": "140602",
                    "土壤污染重点监管单位": "是", "确认旧代码": "是"},
    "substances": {"CAS号": "67-66-3", "中文名称": "三氯甲烷", "别名": "氯仿", "物质类别": "氯代烃类"},
    "monitoring_results": {"点位编码": "SZ-W-001", "采样日期": "2023-08-01", "CAS号": "75-09-2", "浓度": 1.2,
                           "单位": "μg/L", "检出限": 0.1},
    "hazard_records": {"CAS号": "1763-23-1", "危害终点": "BCF", "数值": "≥2000", "单位": "L/kg", "出处": "模板"},
}


# Kinds written into a target (a draft control list) are filled and imported in tests/controls/test_import.py.
@pytest.mark.parametrize("kind", [key for key, spec in IMPORT_KINDS.items() if spec.target is None])
def test_a_filled_template_reads_back_checks_and_imports(kind, users, inventory):
    SubstanceGroup.objects.create(name="氯代烃类")
    data = fill(kind, FILLED[kind])
    spec = IMPORT_KINDS[kind]
    table = read_table(data, "模板.xlsx")
    campaign = inventory["campaign"] if spec.needs_campaign else None
    checked = spec.check(table, actor=users["county_staff"], campaign=campaign)
    assert isinstance(checked, Checked) and checked.ok, checked.errors
    assert (checked.rows, len(checked.new)) == (1, 1)
    assert checked.preview_rows()[0]["action"] == "create"
    record = spec.commit(actor=users["county_staff"], campaign=campaign, checked=checked, file_name="模板.xlsx",
                         data=data)
    assert (record.kind, record.created) == (kind, 1)
    assert AuditEvent.objects.filter(action=f"import.{kind}", object_id=str(record.pk)).exists()
    written = {"survey_lines": lambda: SurveyLine.objects.filter(raw_cas="1763-23-1").exists(),
               "enterprises": lambda: Enterprise.objects.get(name="模板测试企业").credit_code_override,
               "substances": lambda: Substance.objects.get(cas="67-66-3").groups.filter(name="氯代烃类").exists(),
               "monitoring_results": lambda: MonitoringResult.objects.filter(substance__cas="75-09-2").exists(),
               "hazard_records": lambda: HazardRecord.objects.filter(substance__cas="1763-23-1", qualifier=">=").exists()}
    assert written[kind]()


def test_an_unknown_kind_has_no_template():
    with pytest.raises(KeyError):
        template_workbook("plans")
