"""Reading bureaus' spreadsheets: the bad inputs of the issue, each with a clear reason, and the
tolerated ones (GBK csv, full-width digits, Excel serial dates) accepted."""
import datetime
import io
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from django.utils import translation

from inventory.sheets import CellError, SheetError, parse_bool, parse_date, parse_decimal, read_table


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


def xlsx(rows, empty_formatted_rows=0):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    if empty_formatted_rows:
        from openpyxl.styles import Font

        bold = Font(bold=True)
        for r in range(len(rows) + 1, len(rows) + 1 + empty_formatted_rows):
            sheet.cell(row=r, column=1).font = bold
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_xlsx_rows_keep_their_excel_row_numbers():
    table = read_table(xlsx([["统一社会信用代码", "数量（吨/年）"], ["91110000600037341L", 12.5], [],
                             ["91110000600037341L", 3]]), "调查.xlsx")
    assert table.headers == ["统一社会信用代码", "数量(吨/年)"]  # normalised (NFKC) for matching
    assert [n for n, _ in table.rows] == [2, 4]


def test_gbk_csv_is_accepted():
    data = "企业名称,数量\n朔州某化工有限公司,12\n".encode("gbk")
    table = read_table(data, "调查.csv")
    assert table.encoding == "gbk" and table.rows[0][1][0] == "朔州某化工有限公司"


def test_utf8_csv_with_bom_is_accepted():
    table = read_table("\ufeff企业名称,数量\n某公司,1\n".encode(), "x.csv")
    assert table.headers == ["企业名称", "数量"] and table.encoding == "utf-8"


def test_csv_in_an_unknown_encoding_is_refused():
    data = "企业名称,数量\n".encode("utf-16")
    with pytest.raises(SheetError) as error:
        read_table(data, "x.csv")
    assert "编码" in str(error.value)


def test_zip_bomb_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * (400 * 1024 * 1024))
    with pytest.raises(SheetError) as error:
        read_table(out.getvalue(), "bomb.xlsx")
    assert "压缩炸弹" in str(error.value) or "过大" in str(error.value)


def test_a_million_empty_formatted_rows_end_the_data_quickly():
    data = xlsx([["企业名称", "数量"], ["某公司", 1]], empty_formatted_rows=50_000)
    table = read_table(data, "formatted.xlsx")
    assert len(table.rows) == 1


def test_not_a_spreadsheet_is_refused():
    with pytest.raises(SheetError):
        read_table(b"%PDF-1.4 ...", "report.pdf")
    with pytest.raises(SheetError):
        read_table(b"", "empty.csv")
    with pytest.raises(SheetError):
        read_table(b"PK\x03\x04not really a zip", "broken.xlsx")


@pytest.mark.parametrize("cell, number", [(12, Decimal(12)), (12.5, Decimal("12.5")), ("12.5", Decimal("12.5")),
                                          ("１２．５", Decimal("12.5")), ("1,200", Decimal(1200)), ("", None),
                                          (None, None)])
def test_numbers(cell, number):
    assert parse_decimal(cell) == number


def test_a_unit_in_the_quantity_cell_is_refused_with_advice():
    with pytest.raises(CellError) as error:
        parse_decimal("12吨")
    assert "12吨" in str(error.value) and "12" in str(error.value) and "单位" in str(error.value)


@pytest.mark.parametrize("cell", ["-3", -3, "abc", "1.2.3"])
def test_negative_or_non_numeric_quantities_are_refused(cell):
    with pytest.raises(CellError):
        parse_decimal(cell)


@pytest.mark.parametrize("cell, day", [(45352, datetime.date(2024, 3, 1)), ("45352", datetime.date(2024, 3, 1)),
                                       ("2024-03-01", datetime.date(2024, 3, 1)),
                                       ("2024/3/1", datetime.date(2024, 3, 1)),
                                       ("2024年3月1日", datetime.date(2024, 3, 1)),
                                       (datetime.datetime(2024, 3, 1, 0, 0), datetime.date(2024, 3, 1))])
def test_dates_as_excel_serials_and_as_text(cell, day):
    assert parse_date(cell) == day


def test_a_bad_date_is_named():
    with pytest.raises(CellError) as error:
        parse_date("三月一日")
    assert "三月一日" in str(error.value)


@pytest.mark.parametrize("cell, value", [("是", True), ("否", False), ("Y", True), ("", False), (1, True)])
def test_yes_no(cell, value):
    assert parse_bool(cell) is value


@pytest.mark.parametrize("cell, code", [("12吨", "unit_in_number"), ("-3", "negative"), ("abc", "not_number"),
                                        (True, "not_number")])
def test_cell_errors_carry_a_code_saying_why(cell, code):
    with pytest.raises(CellError) as error:
        parse_decimal(cell)
    assert error.value.code == code


def test_the_header_row_is_the_first_filled_row_and_whitespace_rows_are_skipped():
    data = "\n \t,\n企业名称,数量\n某公司,1\n , \n另一公司,2\n".encode()
    table = read_table(data, "x.csv")
    assert table.header_row == 3 and table.headers == ["企业名称", "数量"]
    assert [(n, cells[0]) for n, cells in table.rows] == [(4, "某公司"), (6, "另一公司")]


def test_dates_written_with_a_time_are_read_as_the_day():
    assert parse_date("2023-07-01 09:30") == datetime.date(2023, 7, 1)
    with pytest.raises(CellError) as error:
        parse_date("2023-13-01")
    assert error.value.code == "not_date"
