"""Spreadsheet export shared by every list: xlsx and csv, with cells protected against formula
injection (a value starting with = + - @ or a control character is written as text). Whatever is stored is
written: the control characters an xlsx cannot hold as such (older rows may have them) are written in the
workbook's own escape, _x0001_, which Excel shows as the character itself."""
import csv
import io
import re

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    if hasattr(value, "tzinfo") and getattr(value, "tzinfo", None) is not None:
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")
    return value


# A literal "_x0041_" in stored text is escaped too (its underscore as _x005F_), so that it is not read back as "A".
_XLSX_ESCAPED_RE = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)")


def _xlsx_escape(match) -> str:
    return f"_x{ord(match.group()):04X}_"


def xlsx_value(value):
    """A value as an xlsx cell holds it: text with the characters XML cannot carry in the workbook's escape
    (_x0001_, as ECMA-376 writes them and Excel reads them back)."""
    if isinstance(value, str) and "_x" in value:
        value = _XLSX_ESCAPED_RE.sub("_x005F_", value)
    if isinstance(value, str) and ILLEGAL_CHARACTERS_RE.search(value):
        return ILLEGAL_CHARACTERS_RE.sub(_xlsx_escape, value)
    return value


def xlsx_cell(value):
    """safe_cell for an xlsx sheet (dicts and lists written as their text)."""
    if isinstance(value, (dict, list)):
        value = str(value)
    return xlsx_value(safe_cell(value))


_TITLE_RE = re.compile(r"[\\/*?:\[\]\x00-\x1f\x7f]")
_FILENAME_RE = re.compile(r'[\\/"\x00-\x1f\x7f]')


def _sheet_title(name) -> str:
    return _TITLE_RE.sub("", str(name))[:31] or "Sheet"


def attachment_header(filename: str) -> str:
    """The Content-Disposition of a download named `filename` (Chinese kept: RFC 6266 `filename*`, with a plain
    ASCII `filename` only when the name is ASCII), characters no file name may hold removed."""
    from django.utils.http import content_disposition_header

    return content_disposition_header(True, _FILENAME_RE.sub("", str(filename)))


def _disposition(filename: str, stamp: str, extension: str) -> str:
    return attachment_header(f"{filename}-{stamp}.{extension}")


def export_response(*, headers, rows, filename: str, fmt: str) -> HttpResponse:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    if fmt == "csv":
        buffer = io.StringIO()
        buffer.write("\ufeff")  # Excel opens UTF-8 CSV correctly with a BOM
        writer = csv.writer(buffer)
        writer.writerow(headers)
        for row in rows:
            writer.writerow([safe_cell(v) for v in row])
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = _disposition(filename, stamp, "csv")
        return response
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_title(filename))
    sheet.append([xlsx_value(str(h)) for h in headers])
    for row in rows:
        sheet.append([xlsx_cell(v) for v in row])
    out = io.BytesIO()
    workbook.save(out)
    response = HttpResponse(
        out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = _disposition(filename, stamp, "xlsx")
    return response


def workbook_response(*, sheets, filename: str) -> HttpResponse:
    """Several sheets in one xlsx: sheets is [(title, headers, rows)]."""
    workbook = Workbook(write_only=True)
    for title, headers, rows in sheets:
        sheet = workbook.create_sheet(title=_sheet_title(title))
        sheet.append([xlsx_value(str(h)) for h in headers])
        for row in rows:
            sheet.append([xlsx_cell(v) for v in row])
    out = io.BytesIO()
    workbook.save(out)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    response = HttpResponse(out.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = _disposition(filename, stamp, "xlsx")
    return response
