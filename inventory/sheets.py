"""Reading the spreadsheets bureaus send: xlsx (python-calamine) and csv (UTF-8, or GBK/GB18030 as
Chinese Excel writes it), safely — a zip bomb, an unknown encoding or a sheet of a million empty
formatted rows is refused with a clear reason — and turning each cell into a typed value with a
message that names the row, the column and what is wrong."""
from __future__ import annotations

import csv
import datetime
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from itertools import islice
from operator import itemgetter

from django.utils.translation import gettext as _

from portal.text import FORBIDDEN_MULTI_LINE_RE
from portal.utils import gc_paused

MAX_UNCOMPRESSED = 300 * 1024 * 1024     # bytes, all parts of an xlsx together
MAX_RATIO = 200                          # uncompressed / compressed, per part
MAX_ROWS = 1_200_000
EMPTY_ROWS_END = 1_000                   # this many empty rows in a row end the data
EXCEL_EPOCH = datetime.date(1899, 12, 30)
CHUNK_ROWS = 4096                        # rows read and looked at together




class SheetError(ValueError):
    """The file as a whole cannot be read (message in Chinese, for the person who uploaded it)."""


@dataclass
class Table:
    headers: list[str]
    rows: list[tuple[int, list]]          # (row number as Excel shows it, cells)
    encoding: str | None = None
    notes: list[str] = field(default_factory=list)
    header_row: int = 1                   # the row number of the headers (rows above it were empty)


def _check_zip(data: bytes):
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise SheetError(_("The file is not a valid xlsx workbook.")) from exc
    total = 0
    for info in archive.infolist():
        total += info.file_size
        if info.compress_size and info.file_size / info.compress_size > MAX_RATIO and info.file_size > 10 * 1024 * 1024:
            raise SheetError(_("The workbook expands to an implausible size (a compressed “zip bomb”); it was refused."))
    if total > MAX_UNCOMPRESSED:
        raise SheetError(_("The workbook is too large once unpacked (%(mb)d MB); split it into smaller files.")
                         % {"mb": total // 1048576})
    if "xl/workbook.xml" not in archive.namelist():
        raise SheetError(_("The file is not a valid xlsx workbook."))


def _clean_header(value) -> str:
    text = unicodedata.normalize("NFKC", str(value or "")).strip()
    return re.sub(r"\s+", "", text)


def _blank(value) -> bool:
    return value is None or value == "" or (isinstance(value, str) and not value.strip())


def _plainly_filled(chunk) -> bool:
    """Whether every row of the chunk starts with a filled text cell — the usual case, kept as it is
    without looking at each row in Python."""
    if not all(chunk):
        return False
    firsts = list(map(itemgetter(0), chunk))
    return set(map(type, firsts)) == {str} and all(firsts) and not any(map(str.isspace, firsts))


def _without_forbidden(chunk):
    """The chunk's rows with the control and invisible formatting characters taken out of their text cells
    (portal/text.py: a sheet cannot show which cell holds one). One search over the whole chunk when it has
    none, as almost every chunk."""
    if not FORBIDDEN_MULTI_LINE_RE.search("\n".join(c for row in chunk for c in row if c.__class__ is str)):
        return chunk
    sub = FORBIDDEN_MULTI_LINE_RE.sub
    return [[sub("", c) if c.__class__ is str else c for c in row] for row in chunk]


def _collect(rows_iter, first_row_number=1, *, clean=True) -> Table:
    headers = None
    header_row = first_row_number
    rows = []
    empty_run = 0
    number = first_row_number - 1
    iterator = iter(rows_iter)
    while chunk := list(islice(iterator, CHUNK_ROWS)):
        if clean:
            chunk = _without_forbidden(chunk)
        if headers is not None and _plainly_filled(chunk):
            rows.extend(enumerate(chunk, number + 1))
            number += len(chunk)
            empty_run = 0
            if len(rows) > MAX_ROWS:
                raise SheetError(_("The file has more than %(n)d rows; split it into smaller files.") % {"n": MAX_ROWS})
            continue
        for cells in chunk:
            number += 1
            if all(_blank(v) for v in cells):
                empty_run += 1
                if headers is not None and empty_run >= EMPTY_ROWS_END:
                    return Table(headers=headers, rows=rows, header_row=header_row)
                continue
            if None in cells:
                cells = ["" if c is None else c for c in cells]
            empty_run = 0
            if headers is None:
                headers, header_row = [_clean_header(v) for v in cells], number
                continue
            rows.append((number, cells))
            if len(rows) > MAX_ROWS:
                raise SheetError(_("The file has more than %(n)d rows; split it into smaller files.") % {"n": MAX_ROWS})
    if headers is None:
        raise SheetError(_("The file is empty: no header row was found."))
    return Table(headers=headers, rows=rows, header_row=header_row)


def read_xlsx(data: bytes, sheet: str | None = None) -> Table:
    from python_calamine import CalamineWorkbook

    _check_zip(data)
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        name = sheet if sheet in workbook.sheet_names else workbook.sheet_names[0]
        rows = workbook.get_sheet_by_name(name).iter_rows()
    except Exception as exc:  # noqa: BLE001 - calamine raises its own error types
        raise SheetError(_("The workbook cannot be read: %(reason)s") % {"reason": exc}) from exc
    return _collect(rows)


def read_csv(data: bytes) -> Table:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            break
        table = _collect(csv.reader(io.StringIO(text, newline="")),   # newline="": as the csv module wants
                         clean=FORBIDDEN_MULTI_LINE_RE.search(text) is not None)
        table.encoding = "utf-8" if encoding == "utf-8-sig" else "gbk"
        return table
    raise SheetError(_("The CSV file's encoding is not recognised: save it as UTF-8 or as GBK (Excel's “CSV”)."))


@gc_paused
def read_table(data: bytes, filename: str) -> Table:
    name = (filename or "").lower()
    if not data:
        raise SheetError(_("The file is empty."))
    if name.endswith(".xlsx") or data[:4] == b"PK\x03\x04":
        return read_xlsx(data)
    if name.endswith(".csv") or name.endswith(".txt"):
        return read_csv(data)
    raise SheetError(_("Only .xlsx and .csv files can be imported."))


# ---------------------------------------------------------------- cells

class CellError(ValueError):
    """A cell that cannot be read as what its column holds; `code` says why (for the preview and tests)."""

    def __init__(self, message, code: str = "invalid"):
        super().__init__(message)
        self.code = code


def cell_text(value) -> str:
    """A cell as text: full-width characters made half-width (NFKC), trimmed; 12.0 → '12'."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFKC", str(value)).strip()


_text = cell_text


UNIT_RE = re.compile(r"^\s*[-+]?[\d.,]+\s*([^\d\s.,]+)\s*$")


def parse_decimal(value, *, allow_negative=False) -> Decimal | None:
    """A number in the cell: 12, 12.5, '12.5', '１２．５', '1,200'. '12吨' is refused with advice."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise CellError(_("expected a number"), "not_number")
    if isinstance(value, (int, float, Decimal)):
        number = Decimal(str(value))
    else:
        text = _text(value).replace(",", "")
        unit = UNIT_RE.match(text)
        if unit:
            raise CellError(_("“%(value)s” has a unit in it; write only the number (%(number)s) — the unit is in "
                              "the column's header.") % {"value": value, "number": text[: -len(unit.group(1))].strip()},
                            "unit_in_number")
        try:
            number = Decimal(text)
        except InvalidOperation as exc:
            raise CellError(_("“%(value)s” is not a number") % {"value": value}, "not_number") from exc
    if not number.is_finite():
        raise CellError(_("“%(value)s” is not a number") % {"value": value}, "not_number")
    if number < 0 and not allow_negative:
        raise CellError(_("%(value)s is negative; quantities cannot be negative") % {"value": value}, "negative")
    return number


DATE_PATTERNS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M",
                 "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M")


def parse_date(value) -> datetime.date | None:
    """A date as Excel stores it (a date cell, or a serial number such as 45352) or as text
    (2024-03-01, 2024/3/1, 2024年3月1日)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 1 <= value < 2958466:
            return EXCEL_EPOCH + datetime.timedelta(days=int(value))
        raise CellError(_("%(value)s is not a date") % {"value": value}, "not_date")
    text = _text(value)
    if re.fullmatch(r"\d{5}(\.0+)?", text):
        return EXCEL_EPOCH + datetime.timedelta(days=int(float(text)))
    for pattern in DATE_PATTERNS:
        try:
            return datetime.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise CellError(_("“%(value)s” is not a date (write it as 2024-03-01)") % {"value": value}, "not_date")


TRUE = {"是", "y", "yes", "true", "1", "√", "有"}
FALSE = {"否", "n", "no", "false", "0", "×", "无", ""}


def parse_bool(value) -> bool:
    text = _text(value if value is not None else "").lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise CellError(_("“%(value)s” should be 是 or 否") % {"value": value}, "not_yes_no")
