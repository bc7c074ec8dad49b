"""Spreadsheet imports of the inventory: survey lines, enterprises, substances and monitoring results.

Every kind works the same way. First every row is checked — types, identifiers, references, the
actor's region, duplicates within the file — into a preview of what would be created, updated or
left unchanged and of every error by row and column; nothing is written. Then, on confirmation,
all of it is written in one transaction, or nothing. Re-importing the same file creates nothing
new: each kind has a natural key (survey line: enterprise, substance — or the CAS/name as reported
while unresolved —, campaign and activity; enterprise: 统一社会信用代码; substance: CAS RN, or the
Chinese name when it has none; monitoring result: site, sampling date and substance). References
are looked up once per file, not once per row; rows are written with PostgreSQL COPY (changed rows
through a temporary table). Each import leaves an ImportRecord — file name, sha256, counts and every
value it overwrote — and an audit event, so bulk writes are audited like single ones.

IMPORT_KINDS is what the web UI and the Celery job call; template_workbook(kind) is the blank
workbook to fill in."""
from __future__ import annotations

import csv
import datetime
import hashlib
import io
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from itertools import islice
from operator import itemgetter
from typing import NamedTuple

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DataError, IntegrityError, connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import permissions as perms
from portal.models import Region
from portal.services import audit_record
from portal.utils import gc_paused

from .choices import Activity, CheckSeverity, IndustryLevel, Medium, ReportState, SiteType, SurveyKind
from .identifiers import cas_normalise, ec_normalise, uscc_parse
from .models import (
    Enterprise,
    ImportRecord,
    Industry,
    MonitoringResult,
    MonitoringSite,
    SamplingEvent,
    Substance,
    SubstanceGroup,
    SurveyCampaign,
    SurveyLine,
    SurveyReport,
)
from .quality import check_line
from .sheets import CellError, SheetError, Table, cell_text, parse_bool, parse_date, parse_decimal

BATCH = 5000
PROGRESS_STEPS = 20                       # progress reported about every 5 % of the rows
NUMBER_LIMIT = Decimal(10) ** 10          # numeric(14,4) and numeric(16,6) hold less than this
_MISS = object()
_KEEP = object()                          # an optional cell left blank: an existing value stays as it is


# ---------------------------------------------------------------- what every kind shares

@dataclass(frozen=True)
class Column:
    key: str
    header: str                           # as the template writes it, without the * of required columns
    required: bool = False
    note: str = ""                        # what to enter (the template's 填写说明)
    allowed: str = ""                     # the values allowed, in words
    choices: tuple = ()                   # offered as a drop-down list in the template
    text: bool = False                    # a code: the template formats the column as text


@dataclass
class RowError:
    row: int
    column: str
    message: str
    code: str = ""                        # why, for programs: "required", "cas_check", "duplicate", "out_of_scope"…

    def __str__(self):
        return _("Row %(row)d, column “%(column)s”: %(message)s") % {"row": self.row, "column": self.column,
                                                                 "message": self.message}


@dataclass
class Checked:
    """The outcome of checking a file: rows ready to write, and what they would do."""

    rows: int = 0
    new: list = field(default_factory=list)          # objects to create
    changed: list = field(default_factory=list)      # (object, {field: (before, after)})
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    new_reports: dict = field(default_factory=dict)  # survey lines: enterprise id → enterprise without a report yet
    kind: str = "survey_lines"
    refs: dict = field(default_factory=dict)         # what the check looked up and the commit and preview reuse

    @property
    def ok(self):
        return not self.errors

    def preview_rows(self, limit: int = 50) -> list[dict]:
        """The first rows that would change something — updates first, as they overwrite values — as
        JSON-ready dicts {"action": "create"|"update", "key": natural key, "changes": {field: (before, after)}}."""
        key_of, values_of = _PREVIEW[self.kind]
        rows = []
        for obj, diff in self.changed[:limit]:
            rows.append({"action": "update", "key": key_of(self, obj),
                         "changes": {name: (_shown(before), _shown(after)) for name, (before, after) in diff.items()}})
        for obj in self.new[:max(0, limit - len(rows))]:
            values = {name: _shown(value) for name, value in values_of(self, obj).items()}
            rows.append({"action": "create", "key": key_of(self, obj),
                         "changes": {name: (None, value) for name, value in values.items()
                                     if value not in (None, "", [], False)}})
        return rows


@dataclass(frozen=True)
class ImportKind:
    key: str                    # "survey_lines" | "enterprises" | "substances" | "monitoring_results"
    label: str                  # lazily translated
    columns: list[Column]
    needs_campaign: bool        # only survey_lines
    check: Callable             # check(table, *, actor, campaign=None, progress=None) -> Checked
    commit: Callable            # commit(*, actor, campaign, checked, file_name, data, progress=None) -> ImportRecord
    # A kind that writes into one object chosen by the user (a draft control list…): target(actor, pk) returns
    # that object — or raises ValidationError / PermissionDenied —, and check and commit also receive target=….
    target: Callable | None = None
    notes: tuple = ()           # lines the template's 填写说明 adds for this kind


def _norm(text) -> str:
    return "".join(unicodedata.normalize("NFKC", str(text or "")).split())


def _header_key(text) -> str:
    return _norm(text).rstrip("*")


def map_columns(table: Table, columns) -> dict[str, int]:
    """Column key → position in the table. Headers match with or without the template's trailing *, in
    full-width or half-width characters; a missing required column stops the whole file."""
    index = {}
    for i, header in enumerate(table.headers):
        key = _header_key(header)
        if not key:
            continue
        if key in index and any(_header_key(c.header) == key for c in columns):
            raise SheetError(_("The column “%(column)s” appears twice; keep only one.") % {"column": header})
        index.setdefault(key, i)
    missing = [c.header for c in columns if c.required and _header_key(c.header) not in index]
    if missing:
        raise SheetError(_("Required columns are missing: %(columns)s. Download the template to see the headers.")
                         % {"columns": "、".join(missing)})
    return {c.key: index[_header_key(c.header)] for c in columns if _header_key(c.header) in index}


class _Sheet:
    """A table's rows with the cells of the kind's columns fetched in one call (`get`, in column order);
    a column the file lacks reads as blank."""

    def __init__(self, table: Table, columns, result: Checked):
        cols = map_columns(table, columns)
        width = len(table.headers)
        self.header = {c.key: c.header for c in columns}
        self.keys = [c.key for c in columns]
        self.index = {c.key: cols.get(c.key, width) for c in columns}
        positions = list(self.index.values())
        need = width + 1 if len(cols) < len(columns) else max(positions) + 1
        rows = table.rows
        if rows and min(map(len, map(itemgetter(1), rows))) < need:
            pad = [""] * need
            rows = [(n, values if len(values) >= need else [*values, *pad[len(values):]]) for n, values in rows]
        self.rows = rows
        self.get = itemgetter(*positions)
        known = {_header_key(c.header) for c in columns}
        for header in table.headers:
            if header and _header_key(header) not in known:
                result.warnings.append(RowError(table.header_row, header, _(
                    "this column is not part of the template and is ignored"), "unknown_column"))

    def dicts(self):
        keys, get = self.keys, self.get
        for number, values in self.rows:
            yield number, dict(zip(keys, get(values), strict=True))


class _Row:
    """The problems of one row (the kinds whose files are not a hundred thousand rows long)."""

    __slots__ = ("number", "header", "errors", "warnings")

    def __init__(self, number, header):
        self.number, self.header, self.errors, self.warnings = number, header, [], []

    def error(self, key, message, code="invalid"):
        self.errors.append(RowError(self.number, self.header[key], str(message), code))

    def warn(self, key, message, code="warning"):
        self.warnings.append(RowError(self.number, self.header[key], str(message), code))

    def outcome(self, value):
        """A value with the problems found while reading it, to be repeated on other rows by take()."""
        return value, tuple(self.errors), tuple(self.warnings)

    def take(self, outcome):
        value, errors, warnings = outcome
        for e in errors:
            self.errors.append(RowError(self.number, e.column, e.message, e.code))
        for w in warnings:
            self.warnings.append(RowError(self.number, w.column, w.message, w.code))
        return value


class _Memo(dict):
    """A pure function of a cell (or of a tuple of cells), computed once per distinct value."""

    def __init__(self, function):
        super().__init__()
        self.function = function

    def __missing__(self, key):
        value = self[key] = self.function(key)
        return value


def _memo_cell(header, read):
    """read(row, cell) once per distinct cell; its problems are recorded to be repeated by _Row.take."""

    def outcome(cell):
        row = _Row(0, header)
        return row.outcome(read(row, cell))

    return _Memo(outcome)


def _error_code(exc) -> str:
    if isinstance(exc, ValidationError):
        return exc.error_list[0].code or "invalid"
    return getattr(exc, "code", "invalid")


def _message(exc) -> str:
    return exc.messages[0] if isinstance(exc, ValidationError) else str(exc)


def _require_import(actor):
    if actor is not None and not perms.can(actor, "inventory.import_data"):
        raise PermissionDenied(_("You do not have permission to do this."))


def _in_scope(actor, region) -> bool:
    return actor is None or perms.region_visible(actor, region)


def _report(progress, percent):
    if progress is not None:
        progress(int(percent))


def _in_steps(rows, progress, start, end):
    """The rows in about PROGRESS_STEPS slices, reporting start…end after each one."""
    total = len(rows)
    size = max(1, -(-total // PROGRESS_STEPS))
    for i in range(0, total, size):
        yield rows[i:i + size]
        _report(progress, start + (end - start) * min(total, i + size) // total)


def _cell_str(value) -> str:
    """A free-text cell as typed, trimmed (12.0 read from Excel → '12')."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _plain(value) -> str:
    """A name or an address: trimmed, each run of white space (full-width too) made one space."""
    return " ".join(_cell_str(value).split())


def _code(value) -> str:
    """A code: full-width characters made half-width, no spaces at all."""
    return "".join(cell_text(value).split())


def _parse_number(cell, *, allow_negative=False, limit=NUMBER_LIMIT):
    """parse_decimal, returning its CellError instead of raising it; a plain number skips its checks."""
    if cell.__class__ is str:
        try:
            number = Decimal(cell)
        except InvalidOperation:
            pass
        else:
            if number.is_finite() and (allow_negative or number >= 0) and -limit < number < limit:
                return number
    try:
        number = parse_decimal(cell, allow_negative=allow_negative)
    except CellError as exc:
        return exc
    if number is not None and not -limit < number < limit:
        return CellError(_("%(value)s is too large for this column") % {"value": cell}, "too_large")
    return number


def _number(cell, cache):
    """_parse_number, remembering the text cells seen (a file repeats most of its values)."""
    if cell.__class__ is str:
        hit = cache.get(cell, _MISS)
        if hit is _MISS:
            hit = _parse_number(cell)
            if len(cache) < 100_000:
                cache[cell] = hit
        return hit
    return _parse_number(cell)


def _round(value: Decimal | None, places: Decimal) -> Decimal | None:
    """A number as a numeric column with these decimal places stores it (PostgreSQL rounds half away from zero)."""
    return None if value is None else value.quantize(places, rounding=ROUND_HALF_UP)


def _differs(a, b):
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        return (a is None) != (b is None) or (a is not None and Decimal(a) != Decimal(b))
    return (a or "") != (b or "") if isinstance(a, str) or isinstance(b, str) else a != b


def _jsonable(value):
    """A value as ImportRecord.overwritten and the audit keep it: references by their code."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return getattr(value, "code", None) or value.pk
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def _shown(value):
    """A value for the preview table (JSON-ready, as a person reads it)."""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_shown(v) for v in value]
    return value


class _CopySource:
    """The file COPY … FROM STDIN reads, writing the CSV of the next rows only when PostgreSQL asks for
    them: the server inserts one batch while Python formats the next (two processes, two cores)."""

    ROWS_PER_READ = 2000

    def __init__(self, rows, *, total=0, progress=None, start=0, end=100):
        self.rows, self.total, self.done = iter(rows), total, 0
        self.progress, self.start, self.end, self.reported = progress, start, end, -1
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer)

    def read(self, _size=-1) -> str:
        buffer = self.buffer
        buffer.seek(0)
        buffer.truncate()
        self.writer.writerows(islice(self.rows, self.ROWS_PER_READ))
        self.done += self.ROWS_PER_READ
        if self.progress is not None and self.total:
            percent = self.start + (self.end - self.start) * min(self.done, self.total) // self.total
            if percent >= self.reported + (self.end - self.start) / PROGRESS_STEPS:
                self.reported = percent
                _report(self.progress, percent)
        return buffer.getvalue()


def _copy_in(table: str, columns, rows, *, not_null=(), total=0, progress=None, start=0, end=100) -> None:
    """Rows (tuples of Python values; None is NULL) into a table with COPY, in the current transaction."""
    force = f", FORCE_NOT_NULL ({', '.join(not_null)})" if not_null else ""
    source = _CopySource(rows, total=total, progress=progress, start=start, end=end)
    with connection.cursor() as cursor, connection.wrap_database_errors:     # psycopg2's errors as Django's
        cursor.cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv{force})", source,
                                  size=1 << 16)


def _copy_objects(model, objects, now) -> None:
    """New model instances (not saved) into their table with COPY; auto_now fields get `now`. For rows
    whose primary keys are not needed afterwards, or can be looked up by a unique key."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    stamped = [i for i, f in enumerate(fields) if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
    attnames = [f.attname for f in fields]

    def rows():
        for obj in objects:
            values = [getattr(obj, name) for name in attnames]
            for i in stamped:
                values[i] = now
            yield values

    _copy_in(model._meta.db_table, [f.column for f in fields], rows(),
             not_null=_text_columns(model, [f.name for f in fields]))


def _text_columns(model, names) -> list[str]:
    columns = []
    for name in names:
        f = model._meta.get_field(name)
        if isinstance(f, (models.CharField, models.TextField)) and not f.null:
            columns.append(f.column)
    return columns


def _copy_update(model, names, rows) -> None:
    """Update rows [(pk, value, …)] of `model` — fields `names` — through a temporary table filled with COPY:
    one statement, however many rows (bulk_update's CASE per row grows with the batch)."""
    if not rows:
        return
    table, pk = model._meta.db_table, model._meta.pk.column
    columns = [model._meta.get_field(n).column for n in names]
    temp = f"import_update_{table}"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{temp}")
        cursor.execute(f"CREATE TEMP TABLE {temp} ON COMMIT DROP AS SELECT {pk}, {', '.join(columns)} FROM {table} "
                       "WITH NO DATA")
    _copy_in(temp, [pk, *columns], rows, not_null=_text_columns(model, names))
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} AS t SET {', '.join(f'{c} = u.{c}' for c in columns)} "
                       f"FROM {temp} AS u WHERE t.{pk} = u.{pk}")
        cursor.execute(f"DROP TABLE {temp}")


def _require_commit(actor, checked: Checked, kind: str):
    _require_import(actor)
    if checked.kind != kind:
        raise ValueError(f"a check of {checked.kind} cannot be committed as {kind}")
    if not checked.ok:
        raise ValidationError([str(e) for e in checked.errors[:200]])


def _write(write):
    """Run `write` in one transaction; a conflict with data changed since the check undoes all of it."""
    try:
        with transaction.atomic():
            return write()
    except IntegrityError as exc:
        raise ValidationError(_("The data changed after the file was checked, so nothing was imported; check the "
                                "file again. (%(reason)s)") % {"reason": str(exc).splitlines()[0]}) from exc
    except DataError as exc:
        raise ValidationError(_("A value does not fit the database, so nothing was imported. (%(reason)s)")
                              % {"reason": str(exc).splitlines()[0]}) from exc


def _finish(*, kind, actor, campaign, checked, file_name, data, overwritten, record, detail="", after=None):
    """The ImportRecord (the one given, else a new one) and the audit event of a written file."""
    values = {"kind": kind, "actor": actor, "campaign": campaign, "file_name": file_name[:255],
              "sha256": hashlib.sha256(data).hexdigest(), "status": "done", "progress": 100, "rows": checked.rows,
              "created": len(checked.new), "updated": len(checked.changed), "unchanged": checked.unchanged,
              "overwritten": overwritten, "finished_at": timezone.now()}
    if record is None:
        record = ImportRecord.objects.create(**values)
    else:
        for name, value in values.items():
            setattr(record, name, value)
        record.save()
    summary = {"file": file_name, "sha256": record.sha256, "rows": checked.rows, "created": record.created,
               "updated": record.updated, "unchanged": record.unchanged, **(after or {})}
    if campaign is not None:
        summary["campaign"] = campaign.pk
    audit_record(actor=actor, action=f"import.{kind}", obj=record,
                 before={"overwritten": overwritten} if overwritten else None, after=summary, detail=detail)
    return record


def _overwritten(key, pk, diff) -> list[dict]:
    return [{"id": pk, "key": key, "field": name, "before": _jsonable(before), "after": _jsonable(after)}
            for name, (before, after) in diff.items()]


def _duplicate(row: _Row, key_column: str, first: int, what: str):
    row.error(key_column, _("duplicates row %(row)d (same %(what)s)") % {"row": first, "what": what}, "duplicate")


# ---------------------------------------------------------------- survey lines

SURVEY_LINE_COLUMNS = [
    Column("credit_code", "统一社会信用代码", True, "18位，须已在企业名录中", text=True),
    Column("enterprise_name", "企业名称", False, "用于核对，可不填"),
    Column("raw_name", "物质名称", True, "按企业填报原样"),
    Column("raw_cas", "CAS号", False, "可带或不带连字符", "如 75-09-2 或 75092", text=True),
    Column("activity", "活动类型", True, "", "生产 / 加工使用 / 进口 / 出口", ("生产", "加工使用", "进口", "出口")),
    Column("quantity", "数量（吨/年）", True, "只填数字，不带单位", "≥ 0"),
    Column("use_category", "用途类别", False, "用途代码", "不超过 20 个字符"),
    Column("dispersive_use", "分散式用途", False, "", "是 / 否", ("是", "否")),
    Column("emission_water", "水体排放量（吨/年）", False, "只填数字", "≥ 0"),
    Column("emission_air", "大气排放量（吨/年）", False, "只填数字", "≥ 0"),
    Column("emission_soil", "土壤排放量（吨/年）", False, "只填数字", "≥ 0"),
    Column("waste_route", "废物去向", False, "", "不超过 200 个字符"),
    Column("warning_note", "说明", False, "对警示项的说明", "不超过 500 个字符"),
]
ACTIVITIES = {"生产": Activity.PRODUCE, "加工使用": Activity.USE, "使用": Activity.USE, "进口": Activity.IMPORT,
              "出口": Activity.EXPORT, **{a.value: a.value for a in Activity}}
LINE_FIELDS = ("substance_id", "raw_name", "raw_cas", "quantity", "use_category", "dispersive_use", "emission_water",
               "emission_air", "emission_soil", "waste_route", "warning_note")
LINE_NUMBERS = ("quantity", "emission_water", "emission_air", "emission_soil")
LINE_TEXT_LIMITS = {"raw_name": 255, "use_category": 20, "waste_route": 200, "warning_note": 500}
EDITABLE_STATES = (ReportState.DRAFT, ReportState.RETURNED)
USE_OR_PRODUCE = (Activity.USE, Activity.PRODUCE)
ACTIVITY_LABELS = dict(Activity.choices)
Q4 = Decimal("0.0001")
ZERO = Decimal(0)
_BOOL_CELLS = {"": False, "否": False, "是": True, None: False}


class LineRow(NamedTuple):
    """A checked line, light enough for a hundred thousand of them (not a model instance). The fields
    from substance_id to warning_note are, in order, the columns COPY writes."""

    enterprise_id: int
    substance_id: int | None
    raw_name: str
    raw_cas: str
    activity: str
    quantity: Decimal | None
    use_category: str
    dispersive_use: bool
    emission_water: Decimal | None
    emission_air: Decimal | None
    emission_soil: Decimal | None
    waste_route: str
    warning_note: str
    substance: object = None
    pk: int | None = None         # an existing line

    def get_activity_display(self):
        return str(ACTIVITY_LABELS.get(self.activity, self.activity))


def _may_have_findings(quantity, activity, water, air, soil, detailed: bool) -> bool:
    """Whether quality.check_line can find anything in a line that passed the import's own checks
    (name present, quantity present and ≥ 0, CAS valid and the substance found by it, emissions ≥ 0):
    only the emissions exceeding the quantity, a zero quantity and, in a detailed survey, missing
    emissions remain possible. Lines that cannot are not checked one by one — the same findings, a
    fraction of the time. Kept in step with check_line by tests/inventory/test_import_survey_lines.py."""
    if detailed or not quantity:
        return True
    if activity not in USE_OR_PRODUCE or (water is None and air is None and soil is None):
        return False
    return (water or ZERO) + (air or ZERO) + (soil or ZERO) > quantity


def _related_regions(mine, campaign_region) -> bool:
    """A campaign of the actor's region, of a region above it (a county imports into the city's
    survey) or below it."""
    if mine is None:
        return False
    return mine.path.startswith(campaign_region.path) or campaign_region.path.startswith(mine.path)


def _survey_references(sheet: _Sheet, actor, campaign):
    """Every distinct credit code and CAS cell of the file, resolved once: cell → (enterprise id, problem)
    and cell → (canonical CAS, substance id, substance, problem); the enterprises by id; the campaign's
    reports of those enterprises."""
    rows = sheet.rows
    i_code, i_cas = sheet.index["credit_code"], sheet.index["raw_cas"]
    codes = {}
    for cell in {values[i_code] for _n, values in rows}:
        try:
            codes[cell] = uscc_parse(cell_text(cell)).value
        except ValidationError as exc:
            codes[cell] = exc
    enterprises = {e.credit_code: e for e in Enterprise.objects.filter(
        credit_code__in={c for c in codes.values() if isinstance(c, str)}).select_related("region")}
    reports = {r.enterprise_id: r for r in SurveyReport.objects.filter(campaign=campaign,
                                                                        enterprise__in=enterprises.values())}
    enterprise_of = {}
    for cell, code in codes.items():
        if isinstance(code, ValidationError):
            enterprise_of[cell] = (None, (code.messages[0], _error_code(code)))
            continue
        enterprise = enterprises.get(code)
        if enterprise is None:
            problem = (_("no enterprise with this code in the directory; import the enterprise first"),
                       "unknown_enterprise")
        elif not _in_scope(actor, enterprise.region):
            problem = (_("the enterprise %(name)s is outside your region") % {"name": enterprise.name}, "out_of_scope")
        elif enterprise.pk in reports and reports[enterprise.pk].state not in EDITABLE_STATES:
            problem = (_("the enterprise's report is under review and cannot be changed by an import"),
                       "report_locked")
        else:
            problem = None
        enterprise_of[cell] = (None if problem else enterprise.pk, problem)
    cas_cells = {}
    for cell in {values[i_cas] for _n, values in rows}:
        text = _cell_str(cell)
        if not text:
            cas_cells[cell] = ("", None)
            continue
        try:
            cas_cells[cell] = (cas_normalise(text), None)
        except ValidationError as exc:
            cas_cells[cell] = (text, (exc.messages[0], _error_code(exc)))
    substances = {s.cas: s for s in Substance.objects.filter(
        cas__in={canonical for canonical, problem in cas_cells.values() if canonical and problem is None})}
    cas_of = {}
    for cell, (canonical, problem) in cas_cells.items():
        substance = substances.get(canonical) if problem is None else None
        cas_of[cell] = (canonical, substance.pk if substance else None, substance, problem)
    return enterprise_of, cas_of, {e.pk: e for e in enterprises.values()}, reports


def _existing_lines(reports):
    """The lines already in these reports as plain tuples (LineRow's fields up to warning_note, then the
    pk), indexed by substance (when linked) and by the CAS or name as reported — a line linked by
    curation is still found by the name the enterprise used."""
    by_substance, by_raw = {}, {}
    rows = SurveyLine.objects.filter(report__in=reports.values()).values_list(
        "report__enterprise_id", *LineRow._fields[1:13], "pk")
    for old in rows:
        enterprise_id, substance_id, raw_name, raw_cas, activity = old[:5]
        if substance_id:
            by_substance[(enterprise_id, activity, substance_id)] = old
        by_raw[(enterprise_id, activity, raw_cas or _norm(raw_name))] = old
    return by_substance, by_raw


@gc_paused
def check_survey_lines(table: Table, *, actor, campaign: SurveyCampaign | None, progress=None) -> Checked:
    """Validate every row; nothing is written."""
    _require_import(actor)
    if campaign is None:
        raise ValidationError(_("Choose the survey campaign the lines belong to."))
    if actor is not None and not _related_regions(actor.region, campaign.region):
        raise PermissionDenied(_("This campaign is outside your region."))
    _report(progress, 0)
    result = Checked(kind="survey_lines", rows=len(table.rows))
    sheet = _Sheet(table, SURVEY_LINE_COLUMNS, result)
    header, get = sheet.header, sheet.get
    h_code, h_name, h_cas, h_activity = header["credit_code"], header["raw_name"], header["raw_cas"], header["activity"]
    h_quantity, h_dispersive = header["quantity"], header["dispersive_use"]
    number_headers = [header[k] for k in LINE_NUMBERS]
    text_headers = {k: header[k] for k in LINE_TEXT_LIMITS}

    enterprise_of, cas_of, enterprises, reports = _survey_references(sheet, actor, campaign)
    by_substance, by_raw = _existing_lines(reports)
    result.refs["codes"] = {pk: e.credit_code for pk, e in enterprises.items()}
    _report(progress, 10)
    detailed = campaign.kind == SurveyKind.DETAILED
    activity_of, numbers, yes_no = {}, {}, dict(_BOOL_CELLS)
    seen, matched = {}, {}
    new, changed, errors, warnings = result.new, result.changed, result.errors, result.warnings
    unchanged = 0
    message_required = _("required")
    new_line = tuple.__new__            # LineRow without its Python-level __new__: a hundred thousand calls

    for chunk in _in_steps(sheet.rows, progress, 10, 100):
        for number, values in chunk:
            (code_cell, _name, name_cell, cas_cell, activity_cell, quantity_cell, use_cell, dispersive_cell,
             water_cell, air_cell, soil_cell, waste_cell, note_cell) = get(values)
            errors_before = len(errors)
            enterprise_id, problem = enterprise_of[code_cell]
            if problem is not None:
                errors.append(RowError(number, h_code, *problem))
            raw_name = name_cell.strip() if name_cell.__class__ is str else _cell_str(name_cell)
            if not raw_name:
                errors.append(RowError(number, h_name, message_required, "required"))
            raw_cas, substance_id, substance, cas_problem = cas_of[cas_cell]
            if cas_problem is not None:
                errors.append(RowError(number, h_cas, *cas_problem))
            activity = activity_of.get(activity_cell, _MISS)
            if activity is _MISS:
                activity = activity_of[activity_cell] = ACTIVITIES.get(_norm(activity_cell))
            if activity is None:
                errors.append(RowError(number, h_activity, _("“%(value)s” is not one of 生产, 加工使用, 进口, 出口")
                                           % {"value": activity_cell}, "unknown_activity"))
            quantity = numbers.get(quantity_cell, _MISS)
            if quantity is _MISS:
                quantity = _number(quantity_cell, numbers)
            water = numbers.get(water_cell, _MISS)
            if water is _MISS:
                water = _number(water_cell, numbers)
            air = numbers.get(air_cell, _MISS)
            if air is _MISS:
                air = _number(air_cell, numbers)
            soil = numbers.get(soil_cell, _MISS)
            if soil is _MISS:
                soil = _number(soil_cell, numbers)
            if (quantity.__class__ is CellError or water.__class__ is CellError or air.__class__ is CellError
                    or soil.__class__ is CellError):
                for value, column in zip((quantity, water, air, soil), number_headers, strict=True):
                    if value.__class__ is CellError:
                        errors.append(RowError(number, column, str(value), value.code))
            if quantity is None:
                errors.append(RowError(number, h_quantity, message_required, "required"))
            dispersive = yes_no.get(dispersive_cell, _MISS)
            if dispersive is _MISS:
                try:
                    dispersive = parse_bool(dispersive_cell)
                except CellError as exc:
                    dispersive = exc
                yes_no[dispersive_cell] = dispersive
            if dispersive.__class__ is CellError:
                errors.append(RowError(number, h_dispersive, str(dispersive), dispersive.code))
            use_category = use_cell.strip() if use_cell.__class__ is str else _cell_str(use_cell)
            waste_route = waste_cell.strip() if waste_cell.__class__ is str else _cell_str(waste_cell)
            warning_note = note_cell.strip() if note_cell.__class__ is str else _cell_str(note_cell)
            if (len(raw_name) > 255 or len(use_category) > 20 or len(waste_route) > 200 or len(warning_note) > 500):
                for key, text in (("raw_name", raw_name), ("use_category", use_category),
                                  ("waste_route", waste_route), ("warning_note", warning_note)):
                    if len(text) > LINE_TEXT_LIMITS[key]:
                        errors.append(RowError(number, text_headers[key], _(
                            "%(n)d characters; at most %(limit)d are allowed") % {"n": len(text),
                                                                               "limit": LINE_TEXT_LIMITS[key]},
                            "too_long"))
            raw_key = raw_cas or _norm(raw_name)
            key = (enterprise_id, activity, substance_id) if substance_id else (enterprise_id, activity, None, raw_key)
            if enterprise_id is not None and raw_name and activity is not None and cas_problem is None:
                first = seen.get(key)           # a duplicate is named even when the row has other errors
                if first is not None:
                    errors.append(RowError(number, h_name, _("duplicates row %(row)d (same enterprise, substance and "
                                                             "activity)") % {"row": first}, "duplicate"))
                else:
                    seen[key] = number
            if len(errors) > errors_before:
                continue
            line = new_line(LineRow, (enterprise_id, substance_id, raw_name, raw_cas, activity, quantity, use_category,
                                      dispersive, water, air, soil, waste_route, warning_note, substance, None))
            if _may_have_findings(quantity, activity, water, air, soil, detailed):
                for finding in check_line(line, kind=campaign.kind):
                    target = errors if finding.severity == CheckSeverity.ERROR else warnings
                    target.append(RowError(number, header.get(finding.field, h_quantity), finding.message,
                                           f"quality_{finding.field}"))
                if len(errors) > errors_before:
                    continue
            old = by_substance.get(key) if substance_id else None
            if old is None and by_raw:
                old = by_raw.get((enterprise_id, activity, raw_key))
            if old is None:
                new.append(line)
                if enterprise_id not in reports:
                    result.new_reports[enterprise_id] = enterprises[enterprise_id]
                continue
            first = matched.get(old[13])
            if first is not None:
                errors.append(RowError(number, h_name, _("duplicates row %(row)d (same enterprise, substance and "
                                                         "activity)") % {"row": first}, "duplicate"))
                continue
            matched[old[13]] = number
            if line[1:13] == old[1:13]:
                unchanged += 1
                continue
            old = LineRow(*old[:13], None, old[13])
            diff = _line_diff(old, line)
            if diff:
                changed.append((old, diff))
            else:
                unchanged += 1
    result.unchanged = unchanged
    _report(progress, 100)
    return result


def _line_diff(old: LineRow, line: LineRow) -> dict:
    if line.substance_id is None and old.substance_id is not None:
        line = line._replace(substance_id=old.substance_id)     # a link made by curation stays
    line = line._replace(**{name: _round(getattr(line, name), Q4) for name in LINE_NUMBERS})
    return {name: (getattr(old, name), getattr(line, name)) for name in LINE_FIELDS
            if _differs(getattr(old, name), getattr(line, name))}


COPY_COLUMNS = ("report_id", "substance_id", "raw_name", "raw_cas", "activity", "quantity", "use_category",
                "dispersive_use", "emission_water", "emission_air", "emission_soil", "waste_route", "warning_note",
                "returned", "return_reason")
COPY_TEXT = ("raw_name", "raw_cas", "use_category", "waste_route", "warning_note", "return_reason")


@gc_paused
def commit_survey_lines(*, actor, campaign: SurveyCampaign, checked: Checked, file_name: str, data: bytes,
                        progress=None, record: ImportRecord | None = None) -> ImportRecord:
    """Write a checked file: all of it in one transaction, or nothing if it has any error."""
    _require_commit(actor, checked, "survey_lines")

    def write():
        _report(progress, 0)
        SurveyReport.objects.bulk_create(
            [SurveyReport(campaign=campaign, enterprise=e) for e in checked.new_reports.values()], batch_size=BATCH)
        report_of = dict(SurveyReport.objects.filter(campaign=campaign,
                                                     enterprise_id__in={r.enterprise_id for r in checked.new})
                         .values_list("enterprise_id", "pk"))
        if checked.new:
            _copy_in(SurveyLine._meta.db_table, COPY_COLUMNS,
                     ((report_of[r[0]], *r[1:13], False, "") for r in checked.new), not_null=COPY_TEXT,
                     total=len(checked.new), progress=progress, start=5, end=80)
        overwritten, updates = [], []
        codes = checked.refs.get("codes", {})
        for old, diff in checked.changed:
            values = old._replace(**{name: after for name, (_before, after) in diff.items()})
            updates.append((old.pk, *(getattr(values, name) for name in LINE_FIELDS)))
            overwritten += _overwritten(_line_key(codes, old), old.pk, diff)
        _copy_update(SurveyLine, LINE_FIELDS, updates)
        _report(progress, 95)
        record_ = _finish(kind="survey_lines", actor=actor, campaign=campaign, checked=checked, file_name=file_name,
                          data=data, overwritten=overwritten, record=record)
        _report(progress, 100)
        return record_

    return _write(write)


def _line_key(codes, line) -> str:
    return " · ".join((codes.get(line.enterprise_id, str(line.enterprise_id)), line.raw_cas or line.raw_name,
                       line.get_activity_display()))


# ---------------------------------------------------------------- enterprises

ENTERPRISE_COLUMNS = [
    Column("credit_code", "统一社会信用代码", True, "18位；全角字符和空格会自动去除", "数字和大写字母，不含 I、O、Z、S、V",
           text=True),
    Column("name", "企业名称", True, "营业执照上的全称", "不超过 255 个字符"),
    Column("region_code", "行政区划代码", True, "企业所在地六位代码（GB/T 2260），须在您的管辖范围内", "如 140602",
           text=True),
    Column("industry_code", "行业代码", False, "国民经济行业分类（GB/T 4754-2017）小类", "四位数字，如 2614", text=True),
    Column("park", "工业园区", False, "所在工业园区的名称", "不超过 255 个字符"),
    Column("address", "详细地址", False, "", "不超过 255 个字符"),
    Column("latitude", "纬度", False, "十进制度数，如 39.3312", "-90～90（我国境内约 3.8～53.6）"),
    Column("longitude", "经度", False, "十进制度数，如 112.4321", "-180～180（我国境内约 73.5～135.1）"),
    Column("permit_number", "排污许可证编号", False, "", "不超过 64 个字符", text=True),
    Column("soil_key_unit", "土壤污染重点监管单位", False, "", "是 / 否", ("是", "否")),
    Column("contact_name", "联系人", False, "", "不超过 64 个字符"),
    Column("contact_phone", "联系电话", False, "", "不超过 20 个字符", text=True),
    Column("confirm_legacy_code", "确认旧代码", False,
           "统一社会信用代码未通过 GB 32100 校验、但确属有效的早期代码时填“是”，将保留并记入审计", "是 / 否", ("是", "否")),
]
ENTERPRISE_IMPORT_FIELDS = ("credit_code_override", "name", "region", "industry", "park", "address", "latitude",
                            "longitude", "permit_number", "soil_key_unit", "contact_name", "contact_phone")
REGION_CODE_RE = re.compile(r"^\d{6}$")
Q6 = Decimal("0.000001")
CHINA_LATITUDE = (Decimal("3.8"), Decimal("53.6"))
CHINA_LONGITUDE = (Decimal("73.5"), Decimal("135.1"))


def _region_code(value) -> str:
    return _code(value)


def _industry_code(value) -> str:
    """Excel drops the leading zero of a code typed as a number (0111 → 111): a number gets it back."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and float(value).is_integer():
        return str(int(value)).zfill(4)
    return _code(value)


def _regions(cells) -> dict[str, Region]:
    return {r.code: r for r in Region.objects.filter(code__in={_region_code(c) for c in cells} - {""})}


def _check_region(row: _Row, key, value, regions, actor, *, required=True):
    """A region code cell → the Region, or None with the row's error."""
    code = _region_code(value)
    if not code:
        if required:
            row.error(key, _("required"), "required")
        return None
    if not REGION_CODE_RE.match(code):
        row.error(key, _("“%(value)s” is not a six-digit region code (GB/T 2260)") % {"value": value}, "region_format")
        return None
    region = regions.get(code)
    if region is None:
        row.error(key, _("region code %(code)s does not exist") % {"code": code}, "unknown_region")
        return None
    if not _in_scope(actor, region):
        row.error(key, _("%(region)s (%(code)s) is outside your region") % {"region": region.name, "code": code},
                  "out_of_scope")
        return None
    return region


def _text_cell(row: _Row, key, value, limit, *, code=False):
    text = _code(value) if code else _plain(value)
    if len(text) > limit:
        row.error(key, _("%(n)d characters; at most %(limit)d are allowed") % {"n": len(text), "limit": limit},
                  "too_long")
    return text


def _coordinate(row: _Row, key, value, low, high, china):
    number = _parse_number(value, allow_negative=True, limit=Decimal(1000))
    if number.__class__ is CellError:
        row.error(key, str(number), number.code)
        return None
    if number is None:
        return None
    if not low <= number <= high:
        row.error(key, _("%(value)s is outside %(low)s…%(high)s") % {"value": value, "low": low, "high": high},
                  "out_of_range")
        return None
    if not china[0] <= number <= china[1]:
        row.warn(key, _("%(value)s lies outside China; are latitude and longitude swapped?") % {"value": value},
                 "outside_china")
    return _round(number, Q6)


def _yes_no(row: _Row, key, value):
    """是/否 → True/False; blank → None (not given)."""
    if _cell_str(value) == "":
        return None
    try:
        return parse_bool(value)
    except CellError as exc:
        row.error(key, str(exc), exc.code)
        return None


@gc_paused
def check_enterprises(table: Table, *, actor, campaign=None, progress=None) -> Checked:
    """Validate every row of an enterprise directory; nothing is written. An optional cell left blank
    keeps the enterprise's current value."""
    _require_import(actor)
    _report(progress, 0)
    result = Checked(kind="enterprises", rows=len(table.rows))
    sheet = _Sheet(table, ENTERPRISE_COLUMNS, result)
    header = sheet.header
    rows = list(sheet.dicts())

    codes = {}
    for _n, cells in rows:
        cell = cells["credit_code"]
        if cell not in codes:
            try:
                codes[cell] = uscc_parse(cell_text(cell))
            except ValidationError as exc:
                codes[cell] = exc
    existing = {e.credit_code: e for e in Enterprise.objects.filter(
        credit_code__in={c.value for c in codes.values() if not isinstance(c, ValidationError)}
    ).select_related("region", "industry")}
    regions = _regions({cells["region_code"] for _n, cells in rows})
    industries = {i.code: i for i in Industry.objects.filter(
        code__in={_industry_code(cells["industry_code"]) for _n, cells in rows}, level=IndustryLevel.CLASS)}
    _report(progress, 10)
    seen = {}
    for chunk in _in_steps(rows, progress, 10, 100):
        for number, cells in chunk:
            row = _Row(number, header)
            code = codes[cells["credit_code"]]
            old = None
            override = False
            if isinstance(code, ValidationError):
                row.error("credit_code", _message(code), _error_code(code))
                code = None
            else:
                first = seen.get(code.value)        # a duplicate is named even when the row has other errors
                if first is not None:
                    _duplicate(row, "credit_code", first, _("credit code"))
                else:
                    seen[code.value] = number
                old = existing.get(code.value)
                confirm = _yes_no(row, "confirm_legacy_code", cells["confirm_legacy_code"])
                if old is not None and not _in_scope(actor, old.region):
                    row.error("credit_code", _("an enterprise with this code is registered in a region outside "
                                               "yours"), "out_of_scope")
                if not code.check_ok:
                    if confirm or (old is not None and old.credit_code_override):
                        override = True
                    else:
                        row.error("credit_code", _(
                            "Unified social credit code %(value)s fails its check (the last character should be "
                            "%(expected)s). Some early codes are valid nevertheless: confirm it explicitly to keep "
                            "it.") % {"value": code.value, "expected": code.expected_check}, "uscc_check")
            name = _text_cell(row, "name", cells["name"], 255)
            if not name:
                row.error("name", _("required"), "required")
            region = _check_region(row, "region_code", cells["region_code"], regions, actor)
            industry = _KEEP
            industry_code = _industry_code(cells["industry_code"])
            if industry_code:
                industry = industries.get(industry_code)
                if industry is None:
                    row.error("industry_code", _("Industry code %(code)s is not a class (four digits) of GB/T "
                                                 "4754-2017.") % {"code": industry_code}, "unknown_industry")
            latitude = _coordinate(row, "latitude", cells["latitude"], -90, 90, CHINA_LATITUDE)
            longitude = _coordinate(row, "longitude", cells["longitude"], -180, 180, CHINA_LONGITUDE)
            soil = _yes_no(row, "soil_key_unit", cells["soil_key_unit"])
            values = {
                "credit_code_override": override, "name": name, "region": region, "industry": industry,
                "park": _text_cell(row, "park", cells["park"], 255) or _KEEP,
                "address": _text_cell(row, "address", cells["address"], 255) or _KEEP,
                "latitude": _KEEP if latitude is None else latitude,
                "longitude": _KEEP if longitude is None else longitude,
                "permit_number": _text_cell(row, "permit_number", cells["permit_number"], 64, code=True).upper() or _KEEP,
                "soil_key_unit": _KEEP if soil is None else soil,
                "contact_name": _text_cell(row, "contact_name", cells["contact_name"], 64) or _KEEP,
                "contact_phone": _text_cell(row, "contact_phone", cells["contact_phone"], 20, code=True) or _KEEP,
            }
            result.warnings += row.warnings
            if row.errors:
                result.errors += row.errors
                continue
            if old is None:
                enterprise = Enterprise(credit_code=code.value, created_by=actor if getattr(actor, "pk", None) else None)
                for name_, value in values.items():
                    if value is not _KEEP:
                        setattr(enterprise, name_, value)
                result.new.append(enterprise)
                continue
            diff = {name_: (getattr(old, name_), value) for name_, value in values.items()
                    if value is not _KEEP and _differs_ref(getattr(old, name_), value)}
            if diff:
                result.changed.append((old, diff))
            else:
                result.unchanged += 1
    _report(progress, 100)
    return result


def _differs_ref(a, b):
    if isinstance(a, models.Model) or isinstance(b, models.Model):
        return getattr(a, "pk", None) != getattr(b, "pk", None)
    return _differs(a, b)


ENTERPRISE_WRITE_FIELDS = ("credit_code_override", "name", "region_id", "industry_id", "park", "address", "latitude",
                           "longitude", "permit_number", "soil_key_unit", "contact_name", "contact_phone",
                           "updated_at")


@gc_paused
def commit_enterprises(*, actor, campaign=None, checked: Checked, file_name: str, data: bytes, progress=None,
                       record: ImportRecord | None = None) -> ImportRecord:
    """Write a checked enterprise directory in one transaction. Legacy credit codes kept by the
    person's confirmation are named in the audit event."""
    _require_commit(actor, checked, "enterprises")

    def write():
        _report(progress, 0)
        now = timezone.now()
        _copy_objects(Enterprise, checked.new, now)
        _report(progress, 50)
        overwritten, updates, confirmed = [], [], []
        for enterprise in checked.new:
            if enterprise.credit_code_override:
                confirmed.append(enterprise.credit_code)
        for old, diff in checked.changed:
            for name, (_before, after) in diff.items():
                setattr(old, name, after)
            old.updated_at = now
            updates.append((old.pk, *(getattr(old, name) for name in ENTERPRISE_WRITE_FIELDS)))
            overwritten += _overwritten(old.credit_code, old.pk, diff)
            if "credit_code_override" in diff and old.credit_code_override:
                confirmed.append(old.credit_code)
        _copy_update(Enterprise, ENTERPRISE_WRITE_FIELDS, updates)
        _report(progress, 90)
        detail = (_("legacy credit codes confirmed by the user: %(codes)s") % {"codes": "、".join(confirmed)}
                  if confirmed else "")
        record_ = _finish(kind="enterprises", actor=actor, campaign=None, checked=checked, file_name=file_name,
                          data=data, overwritten=overwritten, record=record, detail=detail,
                          after={"legacy_codes_confirmed": confirmed})
        _report(progress, 100)
        return record_

    return _write(write)


# ---------------------------------------------------------------- substances

SUBSTANCE_COLUMNS = [
    Column("cas", "CAS号", False, "可带或不带连字符，全角数字和空格会自动规范；没有 CAS 号的物质按中文名称匹配",
           "如 75-09-2 或 75092", text=True),
    Column("name_zh", "中文名称", True, "", "不超过 255 个字符"),
    Column("name_en", "英文名称", False, "", "不超过 255 个字符"),
    Column("ec_number", "EC号", False, "", "如 200-838-9", text=True),
    Column("synonyms", "别名", False, "多个别名用“；”或换行分隔"),
    Column("groups", "物质类别", False, "须为平台中已有的物质类别名称；多个用“、”或“；”分隔，物质将加入这些类别"),
]
SUBSTANCE_WRITE_FIELDS = ("ec_number", "name_zh", "name_en", "synonyms", "updated_at")
SYNONYM_SPLIT = re.compile(r"[；;\r\n]+")
GROUP_SPLIT = re.compile(r"[、；;\r\n]+")


@gc_paused
def check_substances(table: Table, *, actor, campaign=None, progress=None) -> Checked:
    """Validate every row of a substance list; nothing is written. An optional cell left blank keeps
    the substance's current value; groups are only added to."""
    _require_import(actor)
    _report(progress, 0)
    result = Checked(kind="substances", rows=len(table.rows))
    sheet = _Sheet(table, SUBSTANCE_COLUMNS, result)
    header = sheet.header
    rows = list(sheet.dicts())

    cas_of = {}
    for _n, cells in rows:
        cell = cells["cas"]
        if cell not in cas_of:
            text = _cell_str(cell)
            try:
                cas_of[cell] = cas_normalise(text) if text else ""
            except ValidationError as exc:
                cas_of[cell] = exc
    names = {_plain(cells["name_zh"]) for _n, cells in rows}
    by_cas = {s.cas: s for s in Substance.objects.filter(cas__in={c for c in cas_of.values() if isinstance(c, str)})}
    without_cas = {}
    for substance in Substance.objects.filter(cas__isnull=True, name_zh__in=names):
        without_cas.setdefault(substance.name_zh, []).append(substance)
    groups = {_norm(g.name): g for g in SubstanceGroup.objects.all()}
    known = [s for found in (by_cas.values(), *without_cas.values()) for s in found]
    member_of = {}
    for substance_id, group_id in SubstanceGroup.members.through.objects.filter(
            substance__in=known).values_list("substance_id", "substancegroup_id"):
        member_of.setdefault(substance_id, set()).add(group_id)
    group_names = {g.pk: g.name for g in groups.values()}
    memberships = result.refs["memberships"] = []
    _report(progress, 10)
    seen = {}
    for chunk in _in_steps(rows, progress, 10, 100):
        for number, cells in chunk:
            row = _Row(number, header)
            cas = cas_of[cells["cas"]]
            if isinstance(cas, ValidationError):
                row.error("cas", _message(cas), _error_code(cas))
                cas = None
            name_zh = _text_cell(row, "name_zh", cells["name_zh"], 255)
            if not name_zh:
                row.error("name_zh", _("required"), "required")
            key = ("cas", cas) if cas else ("name", name_zh) if cas is not None and name_zh else None
            if key is not None:                 # a duplicate is named even when the row has other errors
                first = seen.get(key)
                if first is not None:
                    _duplicate(row, "cas" if cas else "name_zh", first, _("CAS number") if cas else _("Chinese name"))
                else:
                    seen[key] = number
            name_en = _text_cell(row, "name_en", cells["name_en"], 255)
            ec = ""
            if _cell_str(cells["ec_number"]):
                try:
                    ec = ec_normalise(cell_text(cells["ec_number"]))
                except ValidationError as exc:
                    row.error("ec_number", _message(exc), _error_code(exc))
            synonyms = []
            for part in SYNONYM_SPLIT.split(_cell_str(cells["synonyms"])):
                part = " ".join(part.split())
                if part and part not in synonyms:
                    synonyms.append(part)
            wanted = []
            for part in GROUP_SPLIT.split(_cell_str(cells["groups"])):
                if _norm(part):
                    group = groups.get(_norm(part))
                    if group is None:
                        row.error("groups", _("there is no substance group named “%(name)s”") % {"name": part.strip()},
                                  "unknown_group")
                    elif group not in wanted:
                        wanted.append(group)
            old = None
            if cas is not None and not row.errors:
                if cas:
                    old = by_cas.get(cas)
                    if old is None and without_cas.get(name_zh):
                        row.warn("name_zh", _("a substance without CAS number has the same name; check that it is "
                                              "not the same substance"), "same_name")
                else:
                    matches = without_cas.get(name_zh, [])
                    if len(matches) > 1:
                        row.error("name_zh", _("%(n)d substances without CAS number have this name; give the CAS "
                                               "number or correct them first") % {"n": len(matches)}, "ambiguous")
                    old = matches[0] if matches else None
            result.warnings += row.warnings
            if row.errors:
                result.errors += row.errors
                continue
            values = {"ec_number": ec or _KEEP, "name_zh": name_zh, "name_en": name_en or _KEEP,
                      "synonyms": "\n".join(synonyms) or _KEEP}
            if old is None:
                substance = Substance(cas=cas or None, **{k: ("" if v is _KEEP else v) for k, v in values.items()})
                substance._import_groups = [g.name for g in wanted]
                memberships += [(substance, g.pk) for g in wanted]
                result.new.append(substance)
                continue
            diff = {name: (getattr(old, name), value) for name, value in values.items()
                    if value is not _KEEP and _differs(getattr(old, name), value)}
            current = member_of.get(old.pk, set())
            added = [g for g in wanted if g.pk not in current]
            if added:
                before = sorted(group_names[g] for g in current)
                diff["groups"] = (before, sorted(before + [g.name for g in added]))
                memberships += [(old, g.pk) for g in added]
            if diff:
                result.changed.append((old, diff))
            else:
                result.unchanged += 1
    _report(progress, 100)
    return result


@gc_paused
def commit_substances(*, actor, campaign=None, checked: Checked, file_name: str, data: bytes, progress=None,
                      record: ImportRecord | None = None) -> ImportRecord:
    """Write a checked substance list in one transaction: new substances, changed names, group memberships."""
    _require_commit(actor, checked, "substances")

    def write():
        _report(progress, 0)
        now = timezone.now()
        Substance.objects.bulk_create(checked.new, batch_size=1000)
        _report(progress, 50)
        overwritten, updates = [], []
        for old, diff in checked.changed:
            for name, (_before, after) in diff.items():
                if name != "groups":
                    setattr(old, name, after)
            old.updated_at = now
            updates.append((old.pk, *(getattr(old, name) for name in SUBSTANCE_WRITE_FIELDS)))
            overwritten += _overwritten(old.cas or old.name_zh, old.pk, diff)
        _copy_update(Substance, SUBSTANCE_WRITE_FIELDS, updates)
        through = SubstanceGroup.members.through
        through.objects.bulk_create([through(substance_id=s.pk, substancegroup_id=g)
                                     for s, g in checked.refs.get("memberships", [])], ignore_conflicts=True)
        _report(progress, 90)
        record_ = _finish(kind="substances", actor=actor, campaign=None, checked=checked, file_name=file_name,
                          data=data, overwritten=overwritten, record=record)
        _report(progress, 100)
        return record_

    return _write(write)


# ---------------------------------------------------------------- monitoring results

MEDIA = {"地表水": Medium.SURFACE_WATER, "地下水": Medium.GROUNDWATER, "饮用水水源": Medium.DRINKING_WATER,
         "土壤": Medium.SOIL, "沉积物": Medium.SEDIMENT, "环境空气": Medium.AIR, "排放口": Medium.OUTLET,
         **{m.value: m.value for m in Medium}}
SITE_TYPES = {"重点区域": SiteType.KEY_AREA, "工业园区": SiteType.PARK, "企业排放口": SiteType.OUTLET,
              **{t.value: t.value for t in SiteType}}
MONITORING_COLUMNS = [
    Column("site_code", "点位编码", True, "已有点位按编码匹配；新点位须在本文件某一行同时填写名称、行政区划代码、介质和"
           "点位类型，即可自动创建", "不超过 32 个字符", text=True),
    Column("site_name", "点位名称", False, "新点位必填"),
    Column("region_code", "行政区划代码", False, "新点位所在地六位代码（GB/T 2260），须在您的管辖范围内", "如 140602",
           text=True),
    Column("medium", "介质", False, "新点位必填", " / ".join(list(MEDIA)[:7]), tuple(list(MEDIA)[:7])),
    Column("site_type", "点位类型", False, "新点位必填", " / ".join(list(SITE_TYPES)[:3]), tuple(list(SITE_TYPES)[:3])),
    Column("sampled_on", "采样日期", True, "同一点位同一天的样品记为一次采样",
           "2023-07-01、2023/7/1、2023年7月1日或 Excel 日期，不晚于今天"),
    Column("cas", "CAS号", True, "物质须已在化学物质名录中", "如 1763-23-1", text=True),
    Column("substance_name", "物质名称", False, "用于核对，可不填"),
    Column("concentration", "浓度", False, "只填数字，不带单位；未检出可填“未检出”、“ND”或“<检出限”", "≥ 0"),
    Column("unit", "单位", True, "浓度和检出限的单位", "如 mg/L、μg/L、ng/L、mg/kg、μg/kg、μg/m³"),
    Column("detection_limit", "检出限", False, "只填数字，与浓度同单位", "≥ 0"),
    Column("detected", "是否检出", False, "留空时：填了浓度且不低于检出限即为检出", "是 / 否", ("是", "否")),
]
UNITS = {"mg/L", "μg/L", "ng/L", "pg/L", "g/L", "mg/kg", "μg/kg", "ng/kg", "pg/kg", "g/kg", "mg/m³", "μg/m³",
         "ng/m³", "pg/m³", "mg/m3", "μg/m3", "ng/m3", "pg/m3", "ug/L", "ug/kg", "ug/m³", "ug/m3", "%", "mg/g", "μg/g",
         "ng/g"}
NOT_DETECTED = {"未检出", "nd", "n.d.", "<dl", "<lod", "<mdl", "<检出限"}
RESULT_FIELDS = ("concentration", "unit", "detection_limit", "detected")


class ResultRow(NamedTuple):
    """A checked monitoring result (its site may be created by the same file)."""

    site_code: str
    sampled_on: datetime.date
    substance_id: int
    cas: str
    concentration: Decimal | None
    unit: str
    detection_limit: Decimal | None
    detected: bool
    pk: int | None = None


def _concentration(row: _Row, key, value):
    """A concentration cell → (number or None, not-detected mark, detection limit written as "<x")."""
    text = _cell_str(value)
    plain = _norm(text).lower()
    if plain in NOT_DETECTED:
        return None, True, None
    if plain.startswith("<"):
        limit = _parse_number(plain[1:])
        if limit.__class__ is not CellError and limit is not None:
            return None, True, limit
    number = _parse_number(value)
    if number.__class__ is CellError:
        row.error(key, str(number), number.code)
        return None, False, None
    rounded = _round(number, Q6)
    if number is not None and rounded != number:
        row.warn(key, _("%(value)s has more than six decimal places and is kept as %(rounded)s; a smaller unit "
                        "keeps every digit") % {"value": value, "rounded": rounded}, "rounded")
    return rounded, False, None


@gc_paused
def check_monitoring_results(table: Table, *, actor, campaign=None, progress=None) -> Checked:
    """Validate every row of monitoring results; nothing is written. Each distinct cell (site, date,
    CAS, concentration, unit…) is read once; its verdict is repeated on every row that has it."""
    _require_import(actor)
    _report(progress, 0)
    result = Checked(kind="monitoring_results", rows=len(table.rows))
    sheet = _Sheet(table, MONITORING_COLUMNS, result)
    header = sheet.header
    rows = list(sheet.dicts())

    sites = {s.code: s for s in MonitoringSite.objects.filter(
        code__in={_code(cells["site_code"]) for _n, cells in rows}).select_related("region")}
    regions = _regions({cells["region_code"] for _n, cells in rows})
    cas_of = _Memo(_cas_or_error)
    substances = {s.cas: s for s in Substance.objects.filter(
        cas__in={c for c in map(cas_of.__getitem__, {cells["cas"] for _n, cells in rows}) if isinstance(c, str) and c})}
    dates = _Memo(_date_or_error)
    samplings = {(site_id, day): pk for pk, site_id, day in SamplingEvent.objects.filter(
        site__in=sites.values(), sampled_on__in={d for d in map(dates.__getitem__, {c["sampled_on"] for _n, c in rows})
                                                 if isinstance(d, datetime.date)}
    ).values_list("pk", "site_id", "sampled_on")}
    existing = {}
    for pk, sampling_id, substance_id, *values in MonitoringResult.objects.filter(
            sampling_id__in=samplings.values()).values_list("pk", "sampling_id", "substance_id", *RESULT_FIELDS):
        existing[(sampling_id, substance_id)] = (pk, tuple(values))
    _report(progress, 10)

    site_codes = _memo_cell(header, lambda row, cell: _text_cell(row, "site_code", cell, 32, code=True))
    known_site = _Memo(lambda code: _known_site(header, sites[code], actor))
    site_details = _Memo(lambda key: _site_details(header, key, sites, regions, actor))
    substance_name = _Memo(lambda key: _substance_name(header, substances[key[0]], key[1]))
    concentrations = _memo_cell(header, lambda row, cell: _concentration(row, "concentration", cell))
    limits = _memo_cell(header, lambda row, cell: _limit(row, "detection_limit", cell))
    units = _memo_cell(header, _unit)
    yes_no = _memo_cell(header, lambda row, cell: _yes_no(row, "detected", cell))
    new_sites = result.refs["new_sites"] = {}        # code → (row defining it, MonitoringSite)
    waiting = {}                                     # unknown code → rows that refer to it without defining it
    seen = {}
    today = timezone.localdate()
    for chunk in _in_steps(rows, progress, 10, 95):
        for number, cells in chunk:
            row = _Row(number, header)
            code = row.take(site_codes[cells["site_code"]])
            site = None
            details = (code, cells["site_name"], cells["region_code"], cells["medium"], cells["site_type"])
            if not code:
                row.error("site_code", _("required"), "required")
            elif code in sites:
                site = row.take(known_site[code])
                if site is not None:
                    row.take(site_details[details])
            else:
                _site_to_create(row, code, row.take(site_details[details]), new_sites, waiting)
            sampled_on = dates[cells["sampled_on"]]
            if isinstance(sampled_on, CellError):
                row.error("sampled_on", str(sampled_on), sampled_on.code)
                sampled_on = None
            elif sampled_on is None:
                row.error("sampled_on", _("required"), "required")
            elif sampled_on > today:
                row.error("sampled_on", _("%(date)s is in the future") % {"date": sampled_on.isoformat()}, "future")
                sampled_on = None
            cas = cas_of[cells["cas"]]
            substance = None
            if isinstance(cas, ValidationError):
                row.error("cas", _message(cas), _error_code(cas))
            elif not cas:
                row.error("cas", _("required"), "required")
            else:
                substance = substances.get(cas)
                if substance is None:
                    row.error("cas", _("no substance with CAS number %(cas)s in the inventory; import the substance "
                                       "first") % {"cas": cas}, "unknown_substance")
                elif cells["substance_name"]:
                    row.take(substance_name[(cas, cells["substance_name"])])
            concentration, marked_nd, limit_from_mark = row.take(concentrations[cells["concentration"]])
            limit = row.take(limits[cells["detection_limit"]])
            if limit is None:
                limit = _round(limit_from_mark, Q6)
            unit = row.take(units[cells["unit"]])
            detected = row.take(yes_no[cells["detected"]])
            if code and sampled_on is not None and substance is not None:
                key = (code, sampled_on, substance.pk)
                first = seen.get(key)           # a duplicate is named even when the row has other errors
                if first is not None:
                    _duplicate(row, "cas", first, _("site, sampling date and substance"))
                else:
                    seen[key] = number
            measured = concentration is not None and (concentration >= limit if limit is not None else concentration > 0)
            if detected is None:
                detected = False if marked_nd else measured
            elif detected and (marked_nd or (concentration is not None and not measured)):
                row.warn("detected", _("marked as detected, but the concentration is below the detection limit"),
                         "detected_below_limit")
            elif not detected and measured and limit is not None:
                row.warn("detected", _("marked as not detected, but the concentration is at or above the detection "
                                       "limit"), "not_detected_above_limit")
            if row.warnings:
                result.warnings += row.warnings
            if row.errors:
                result.errors += row.errors
                continue
            substance_id = substance.pk
            line = ResultRow(code, sampled_on, substance_id, cas, concentration, unit, limit, detected)
            sampling_id = samplings.get((site.pk, sampled_on)) if site is not None else None
            old = existing.get((sampling_id, substance_id)) if sampling_id else None
            if old is None:
                result.new.append(line)
                continue
            pk, before = old
            if before == line[4:8]:
                result.unchanged += 1
                continue
            diff = {name: (b, a) for name, b, a in zip(RESULT_FIELDS, before, line[4:8], strict=True)
                    if _differs(b, a)}
            if diff:
                result.changed.append((line._replace(pk=pk), diff))
            else:
                result.unchanged += 1
    for code, numbers in waiting.items():
        if code not in new_sites:
            for number in numbers:
                result.errors.append(RowError(number, header["site_code"], _(
                    "there is no site %(code)s; to create it, give its name, region code, medium and site type")
                    % {"code": code}, "unknown_site"))
        elif new_sites[code][0] is None:
            del new_sites[code]
    result.errors.sort(key=lambda e: e.row)
    result.refs["sites"] = {code: site.pk for code, site in sites.items()}
    result.refs["samplings"] = samplings
    _report(progress, 100)
    return result


def _cas_or_error(cell):
    text = _cell_str(cell)
    try:
        return cas_normalise(text) if text else ""
    except ValidationError as exc:
        return exc


def _date_or_error(cell):
    try:
        return parse_date(cell)
    except CellError as exc:
        return exc


def _limit(row: _Row, key, cell):
    limit = _parse_number(cell)
    if limit.__class__ is CellError:
        row.error(key, str(limit), limit.code)
        return None
    return _round(limit, Q6)


def _unit(row: _Row, cell):
    unit = _text_cell(row, "unit", cell, 16, code=True)
    if not unit:
        row.error("unit", _("required"), "required")
    elif unit not in UNITS:
        row.warn("unit", _("“%(unit)s” is not a usual concentration unit") % {"unit": unit}, "unusual_unit")
    return unit


def _substance_name(header, substance, cell):
    row = _Row(0, header)
    name = _plain(cell)
    if name and name not in (substance.name_zh, substance.name_en, *substance.synonyms.splitlines()):
        row.warn("substance_name", _("%(cas)s is %(name)s in the inventory") % {
            "cas": substance.cas, "name": substance.name_zh}, "name_differs")
    return row.outcome(None)


def _known_site(header, site: MonitoringSite, actor):
    row = _Row(0, header)
    if not _in_scope(actor, site.region):
        row.error("site_code", _("the site %(code)s is in a region outside yours") % {"code": site.code},
                  "out_of_scope")
        return row.outcome(None)
    return row.outcome(site)


def _site_details(header, key, sites, regions, actor):
    """The site cells of a row. For an existing site: warnings where they differ from it (the site keeps
    its own values). For an unknown one: (name, region, medium, type) when given completely and valid,
    None when left blank, or the problems."""
    code, name_cell, region_cell, medium_cell, type_cell = key
    row = _Row(0, header)
    medium_text, type_text = _norm(medium_cell), _norm(type_cell)
    site = sites.get(code)
    if site is not None:
        given = {"site_name": (_plain(name_cell), site.name), "region_code": (_region_code(region_cell), site.region.code),
                 "medium": (MEDIA.get(medium_text, medium_text), site.medium),
                 "site_type": (SITE_TYPES.get(type_text, type_text), site.site_type)}
        for column, (value, stored) in given.items():
            if value and value != stored:
                row.warn(column, _("the site %(code)s already exists and keeps its own value") % {"code": code},
                         "site_kept")
        return row.outcome(None)
    name = _text_cell(row, "site_name", name_cell, 200)
    given = [name, _region_code(region_cell), medium_text, type_text]
    if not any(given):
        return row.outcome(None)
    region = _check_region(row, "region_code", region_cell, regions, actor)
    medium = MEDIA.get(medium_text)
    if medium_text and medium is None:
        row.error("medium", _("“%(value)s” is not one of %(allowed)s") % {
            "value": medium_cell, "allowed": "、".join(list(MEDIA)[:7])}, "unknown_medium")
    site_type = SITE_TYPES.get(type_text)
    if type_text and site_type is None:
        row.error("site_type", _("“%(value)s” is not one of %(allowed)s") % {
            "value": type_cell, "allowed": "、".join(list(SITE_TYPES)[:3])}, "unknown_site_type")
    for column, value in zip(("site_name", "region_code", "medium", "site_type"), given, strict=True):
        if not value:
            row.error(column, _("required to create the new site %(code)s") % {"code": code}, "required")
    return row.outcome(False if row.errors else (name, region, medium, site_type))


def _site_to_create(row: _Row, code, details, new_sites, waiting):
    """An unknown site: the first row giving its name, region, medium and type defines it; other rows
    may leave those blank, or must agree."""
    if details is None:
        waiting.setdefault(code, []).append(row.number)
        return
    if details is False:                        # given, with problems (already on the row)
        new_sites.setdefault(code, (None, None))
        return
    name, region, medium, site_type = details
    defined = new_sites.get(code)
    if defined is None or defined[0] is None:
        new_sites[code] = (row.number, MonitoringSite(code=code, name=name, region=region, medium=medium,
                                                      site_type=site_type))
        return
    first, site = defined
    if (site.name, site.region_id, site.medium, site.site_type) != (name, region.pk, medium, site_type):
        row.error("site_code", _("describes the new site %(code)s differently from row %(row)d") % {
            "code": code, "row": first}, "site_conflict")


@gc_paused
def commit_monitoring_results(*, actor, campaign=None, checked: Checked, file_name: str, data: bytes,
                              progress=None, record: ImportRecord | None = None) -> ImportRecord:
    """Write checked monitoring results in one transaction: new sites, samplings per site and day,
    results (COPY) and changed results."""
    _require_commit(actor, checked, "monitoring_results")

    def write():
        _report(progress, 0)
        new_sites = [site for _row, site in checked.refs.get("new_sites", {}).values() if site is not None]
        MonitoringSite.objects.bulk_create(new_sites, batch_size=1000)
        site_of = {**checked.refs.get("sites", {}), **{s.code: s.pk for s in new_sites}}
        sampling_of = dict(checked.refs.get("samplings", {}))
        wanted = {(site_of[r.site_code], r.sampled_on) for r in checked.new} - set(sampling_of)
        if wanted:
            _copy_in(SamplingEvent._meta.db_table, ("site_id", "sampled_on", "note"),
                     ((s, d, "") for s, d in sorted(wanted)), not_null=("note",))
            for pk, site_id, day in SamplingEvent.objects.filter(
                    site_id__in={s for s, _d in wanted}, sampled_on__in={d for _s, d in wanted}).values_list(
                    "pk", "site_id", "sampled_on"):
                sampling_of.setdefault((site_id, day), pk)
        _report(progress, 20)
        if checked.new:
            _copy_in(MonitoringResult._meta.db_table,
                     ("sampling_id", "substance_id", "concentration", "unit", "detection_limit", "detected"),
                     ((sampling_of[(site_of[r.site_code], r.sampled_on)], r.substance_id, r.concentration, r.unit,
                       r.detection_limit, r.detected) for r in checked.new), not_null=("unit",),
                     total=len(checked.new), progress=progress, start=20, end=85)
        overwritten, updates = [], []
        for line, diff in checked.changed:
            updates.append((line.pk, *line[4:8]))
            overwritten += _overwritten(_result_key(line), line.pk, diff)
        _copy_update(MonitoringResult, RESULT_FIELDS, updates)
        _report(progress, 95)
        record_ = _finish(kind="monitoring_results", actor=actor, campaign=None, checked=checked, file_name=file_name,
                          data=data, overwritten=overwritten, record=record,
                          after={"sites_created": [s.code for s in new_sites], "samplings_created": len(wanted)})
        _report(progress, 100)
        return record_

    return _write(write)


def _result_key(line: ResultRow) -> str:
    return f"{line.site_code} · {line.sampled_on.isoformat()} · {line.cas}"


# ---------------------------------------------------------------- the registry, previews and templates

IMPORT_KINDS: dict[str, ImportKind] = {
    kind.key: kind for kind in (
        ImportKind("survey_lines", gettext_lazy("Survey lines"), SURVEY_LINE_COLUMNS, True, check_survey_lines,
                   commit_survey_lines),
        ImportKind("enterprises", gettext_lazy("Enterprises"), ENTERPRISE_COLUMNS, False, check_enterprises,
                   commit_enterprises),
        ImportKind("substances", gettext_lazy("Substances"), SUBSTANCE_COLUMNS, False, check_substances,
                   commit_substances),
        ImportKind("monitoring_results", gettext_lazy("Monitoring results"), MONITORING_COLUMNS, False,
                   check_monitoring_results, commit_monitoring_results),
    )
}

# The first sheet of each template, named after what it holds.
TEMPLATE_SHEETS = {"survey_lines": "调查数据", "enterprises": "企业名录", "substances": "化学物质",
                   "monitoring_results": "监测结果"}


def _line_values(checked, line):
    return {"raw_name": line.raw_name, "raw_cas": line.raw_cas, "activity": line.get_activity_display(),
            **{name: getattr(line, name) for name in LINE_FIELDS[3:]}}


def _enterprise_values(checked, enterprise):
    return {name: getattr(enterprise, name) for name in ENTERPRISE_IMPORT_FIELDS}


def _substance_values(checked, substance):
    return {"cas": substance.cas, "name_zh": substance.name_zh, "name_en": substance.name_en,
            "ec_number": substance.ec_number, "synonyms": substance.synonyms,
            "groups": getattr(substance, "_import_groups", [])}


def _result_values(checked, line):
    return {name: getattr(line, name) for name in RESULT_FIELDS}


_PREVIEW = {
    "survey_lines": (lambda checked, line: _line_key(checked.refs.get("codes", {}), line), _line_values),
    "enterprises": (lambda checked, enterprise: enterprise.credit_code, _enterprise_values),
    "substances": (lambda checked, substance: substance.cas or substance.name_zh, _substance_values),
    "monitoring_results": (lambda checked, line: _result_key(line), _result_values),
}


def register(kind: ImportKind, *, sheet: str, preview) -> None:
    """Another feature's sheet joins the same import flow (upload, check, preview, confirm, audit):
    `sheet` names the template's first sheet, `preview` is (key of an object, its values)."""
    IMPORT_KINDS[kind.key] = kind
    TEMPLATE_SHEETS[kind.key] = sheet
    _PREVIEW[kind.key] = preview


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _typed_cell(sheet, row: int, column: int, value):
    """A data cell as the template formats its column: dates as dates, text kept as text even when it starts
    with = (never a formula), control characters a workbook cannot hold as such in its escape (_x0001_)."""
    from portal.exports import xlsx_value

    value = xlsx_value(value)
    cell = sheet.cell(row=row, column=column, value=value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"
    elif isinstance(value, datetime.date):
        cell.number_format = "yyyy-mm-dd"
    return cell


def template_workbook(kind: str, rows=()) -> bytes:
    """The blank workbook of a kind: the first sheet (the one imported) has the headers — required ones
    bold with a trailing * —, frozen, with widths, drop-down lists and text-formatted code columns; the
    second sheet, 填写说明, says what each column takes. `rows` (lists of cell values in column order) fill
    the first sheet under the headers: an export in the template's own format, to edit and import again."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    spec = IMPORT_KINDS[kind]
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = TEMPLATE_SHEETS[kind]
    fill = PatternFill("solid", fgColor="DDEBF7")
    for number, column in enumerate(spec.columns, start=1):
        letter = get_column_letter(number)
        cell = sheet.cell(row=1, column=number, value=column.header + ("*" if column.required else ""))
        cell.font = Font(bold=column.required, color="C00000" if column.required else None)
        cell.fill = fill
        cell.alignment = Alignment(horizontal="center", vertical="center")
        dimension = sheet.column_dimensions[letter]
        dimension.width = max(12, _display_width(cell.value) + 4, 24 if column.text else 0)
        if column.text:
            dimension.number_format = "@"
        if column.choices:
            validation = DataValidation(type="list", formula1='"' + ",".join(column.choices) + '"', allow_blank=True,
                                        showErrorMessage=True, errorTitle=column.header,
                                        error="请从下拉列表中选择：" + "、".join(column.choices))
            sheet.add_data_validation(validation)
            validation.add(f"{letter}2:{letter}1048576")
    sheet.freeze_panes = "A2"
    for number, values in enumerate(rows, start=2):
        for column, value in enumerate(values, start=1):
            if value is not None and value != "":
                _typed_cell(sheet, number, column, value)

    notes = workbook.create_sheet("填写说明")
    notes.append(["列名", "是否必填", "填写内容", "可选值 / 格式"])
    for cell in notes[1]:
        cell.font = Font(bold=True)
        cell.fill = fill
    for column in spec.columns:
        notes.append([column.header, "必填" if column.required else "选填", column.note, column.allowed])
    notes.append([])
    for line in (
        f"只读取第一个工作表“{sheet.title}”；请勿修改、删除或调换表头，表头后的 * 表示必填（带不带 * 均可识别）。",
        "整个文件要么全部导入，要么全部不导入：任何一行有错误时，什么都不会写入；请按检查结果（第几行、哪一列）改正后重新上传。",
        "重复导入同一文件不会产生重复数据：已有记录按唯一标识匹配，未变化的行不作修改，被覆盖的原值会记入导入记录和审计日志。",
        "非必填项留空时，已有记录中的原值保持不变。" if kind in ("enterprises", "substances") else "",
        "数量、浓度等数字列只填数字，单位见列名；全角数字和空格会自动规范。",
        *spec.notes,
    ):
        if line:
            notes.append([line])
    for letter, width in zip("ABCD", (24, 10, 60, 44), strict=True):
        notes.column_dimensions[letter].width = width
    for row in notes.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
