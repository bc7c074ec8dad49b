"""Every export writes whatever is stored: a name holding control characters (older rows, written before
input refused them) is exported to xlsx and csv, not answered with a server error."""
import io

import openpyxl
import pytest
from openpyxl.utils.escape import unescape

from inventory.importers import template_workbook
from inventory.models import Enterprise, Substance
from portal import permissions as perms
from portal import services
from portal.exports import export_response, workbook_response

STORED = "CTRL\u0001\b企业"


@pytest.fixture
def stored(inventory, users):
    """Rows holding control characters, put straight into the database as old rows may hold them."""
    Enterprise.objects.filter(pk=inventory["enterprise"].pk).update(name=STORED)
    Substance.objects.filter(pk=inventory["pfos"].pk).update(name_zh="全氟\x1f辛基磺酸")
    enterprise = Enterprise.objects.get(pk=inventory["enterprise"].pk)
    services.audit_record(actor=users[perms.BUREAU_STAFF], action="enterprise.update", obj=enterprise,
                          detail=f"name {STORED}")
    return inventory


def _cells(content: bytes) -> list:
    """The cells of every sheet, text read back as Excel reads it (_x0001_ is U+0001)."""
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    return [unescape(cell) if isinstance(cell, str) else cell
            for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True) for cell in row]


EXPORTS = [
    (perms.BUREAU_STAFF, "/inventory/enterprises/", "export", STORED),
    (perms.BUREAU_STAFF, "/inventory/reports/", "export", STORED),
    (perms.BUREAU_STAFF, "/inventory/substances/", "export", "全氟\x1f辛基磺酸"),
    (perms.AUDIT_ADMIN, "/audit/export/", "format", STORED),
]


@pytest.mark.parametrize(("role", "url", "param", "value"), EXPORTS, ids=[e[1] for e in EXPORTS])
def test_a_list_holding_control_characters_exports_to_xlsx_and_csv_with_the_characters_kept(
        client_for, stored, role, url, param, value):
    client = client_for(role)
    workbook = client.get(url, {param: "xlsx"} if param == "export" else {})
    assert workbook.status_code == 200
    assert workbook["Content-Type"].startswith("application/vnd.openxmlformats")
    assert any(isinstance(cell, str) and value in cell for cell in _cells(workbook.content))
    text = client.get(url, {param: "csv"})
    assert text.status_code == 200
    assert value in text.content.decode("utf-8-sig")


def test_monitoring_results_of_a_substance_with_a_control_character_export(client_for, stored):
    url = f"/inventory/monitoring/{stored['site'].pk}/"
    for fmt in ("xlsx", "csv"):
        response = client_for(perms.BUREAU_STAFF).get(url, {"export": fmt})
        assert response.status_code == 200, fmt


def test_the_shared_writers_keep_every_stored_character_and_a_file_name_with_control_characters():
    rows = [["A\x00B", "\x0bvertical", "=1+1", {"k": "v\x02"}, "literally _x0041_"]]
    response = export_response(headers=["名称\x03"], rows=rows, filename="监测结果-\n站点\x01", fmt="xlsx")
    assert response.status_code == 200
    assert "\n" not in response["Content-Disposition"]
    cells = _cells(response.content)
    assert "A\x00B" in cells and "\x0bvertical" in cells and "'=1+1" in cells and "名称\x03" in cells
    assert "literally _x0041_" in cells
    several = workbook_response(sheets=[("表\x01[1]", ["列"], [["值\x1f"]])], filename="cockpit")
    assert "值\x1f" in _cells(several.content)
    csv_response = export_response(headers=["名称"], rows=rows, filename="x", fmt="csv")
    assert "A\x00B" in csv_response.content.decode("utf-8-sig")


def test_a_template_filled_with_stored_rows_keeps_their_control_characters():
    assert STORED in _cells(template_workbook("enterprises", rows=[["91110000600037341L", STORED]]))
