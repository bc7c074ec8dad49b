"""Importing survey lines from a spreadsheet: every row validated (types, identifiers, references,
quality checks) into a preview of what will be created, updated or left unchanged and of every error
by row and column; then, on confirmation, everything written in one transaction or nothing.
Re-importing the same file creates no duplicates: a line's natural key is (enterprise, substance —
or the CAS/name as reported while unresolved —, campaign, activity). References are looked up once
per file, not once per row, and rows are written in batches."""
from __future__ import annotations

import csv
import hashlib
import io
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import permissions as perms
from portal.services import audit_record

from .choices import Activity, CheckSeverity, ReportState
from .identifiers import cas_normalise, uscc_parse
from .models import Enterprise, ImportRecord, Substance, SurveyCampaign, SurveyLine, SurveyReport
from .quality import check_line
from .sheets import CellError, SheetError, Table, parse_bool, parse_decimal


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = False
    note: str = ""


SURVEY_LINE_COLUMNS = [
    Column("credit_code", "统一社会信用代码", True, "18位，须已在企业名录中"),
    Column("enterprise_name", "企业名称", False, "用于核对，可不填"),
    Column("raw_name", "物质名称", True, "按企业填报原样"),
    Column("raw_cas", "CAS号", False, "可带或不带连字符"),
    Column("activity", "活动类型", True, "生产 / 加工使用 / 进口 / 出口"),
    Column("quantity", "数量（吨/年）", True, "只填数字，不带单位"),
    Column("use_category", "用途类别", False, "用途代码"),
    Column("dispersive_use", "分散式用途", False, "是 / 否"),
    Column("emission_water", "水体排放量（吨/年）"),
    Column("emission_air", "大气排放量（吨/年）"),
    Column("emission_soil", "土壤排放量（吨/年）"),
    Column("waste_route", "废物去向"),
    Column("warning_note", "说明", False, "对警示项的说明"),
]
ACTIVITIES = {"生产": Activity.PRODUCE, "加工使用": Activity.USE, "使用": Activity.USE, "进口": Activity.IMPORT,
              "出口": Activity.EXPORT, **{a.value: a.value for a in Activity}}
LINE_FIELDS = ("substance_id", "raw_name", "raw_cas", "quantity", "use_category", "dispersive_use", "emission_water",
               "emission_air", "emission_soil", "waste_route", "warning_note")
EDITABLE_STATES = (ReportState.DRAFT, ReportState.RETURNED)
BATCH = 5000


@dataclass(slots=True)
class LineRow:
    """A checked line, light enough for a hundred thousand of them (not a model instance)."""

    enterprise_id: int
    substance_id: int | None
    substance: object
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

    def get_activity_display(self):
        return str(dict(Activity.choices).get(self.activity, self.activity))


def _norm(text) -> str:
    return "".join(unicodedata.normalize("NFKC", str(text or "")).split())


@dataclass
class RowError:
    row: int
    column: str
    message: str

    def __str__(self):
        return _("Row %(row)d, column “%(column)s”: %(message)s") % {"row": self.row, "column": self.column,
                                                                 "message": self.message}


@dataclass
class Checked:
    """The outcome of checking a file: rows ready to write, and what they would do."""

    rows: int = 0
    new: list = field(default_factory=list)          # SurveyLine objects to create (report filled at commit)
    changed: list = field(default_factory=list)      # (line, {field: (before, after)})
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    new_reports: dict = field(default_factory=dict)  # enterprise id → enterprise

    @property
    def ok(self):
        return not self.errors


def map_columns(table: Table, columns) -> dict[str, int]:
    index = {_norm(h): i for i, h in enumerate(table.headers)}
    missing = [c.header for c in columns if c.required and _norm(c.header) not in index]
    if missing:
        raise SheetError(_("Required columns are missing: %(columns)s. Download the template to see the headers.")
                         % {"columns": "、".join(missing)})
    return {c.key: index[_norm(c.header)] for c in columns if _norm(c.header) in index}


def check_survey_lines(table: Table, *, actor, campaign: SurveyCampaign) -> Checked:
    """Validate every row; nothing is written."""
    if actor is not None and not perms.can(actor, "inventory.import_data"):
        raise PermissionDenied(_("You do not have permission to do this."))
    if actor is not None and not _related_regions(actor.region, campaign.region):
        raise PermissionDenied(_("This campaign is outside your region."))
    cols = map_columns(table, SURVEY_LINE_COLUMNS)
    header = {c.key: c.header for c in SURVEY_LINE_COLUMNS}
    result = Checked(rows=len(table.rows))

    def cell(values, key):
        i = cols.get(key)
        return values[i] if i is not None and i < len(values) else ""

    # References, once per file.
    codes = set()
    cases = set()
    for _number, values in table.rows:
        try:
            codes.add(uscc_parse(cell(values, "credit_code")).value)
        except ValidationError:
            pass
        raw_cas = cell(values, "raw_cas")
        if str(raw_cas).strip():
            try:
                cases.add(cas_normalise(str(raw_cas)))
            except ValidationError:
                pass
    enterprises = {e.credit_code: e for e in Enterprise.objects.filter(credit_code__in=codes).select_related("region")}
    substances = {s.cas: s for s in Substance.objects.filter(cas__in=cases)}
    reports = {r.enterprise_id: r for r in SurveyReport.objects.filter(campaign=campaign,
                                                                        enterprise__in=enterprises.values())}
    existing = {}
    for line in SurveyLine.objects.filter(report__in=reports.values()).select_related("report"):
        existing[_key(line.report.enterprise_id, line.activity, line.substance_id, line.raw_cas, line.raw_name)] = line
    seen = {}

    for number, values in table.rows:
        errors = []

        def fail(key, message, _errors=errors, _number=number):
            _errors.append(RowError(_number, header[key], str(message)))

        enterprise = None
        try:
            code = uscc_parse(cell(values, "credit_code"))
            enterprise = enterprises.get(code.value)
            if enterprise is None:
                fail("credit_code", _("no enterprise with this code in the directory; import the enterprise first"))
            elif actor is not None and not perms.region_visible(actor, enterprise.region):
                fail("credit_code", _("the enterprise %(name)s is outside your region") % {"name": enterprise.name})
                enterprise = None
            elif enterprise.pk in reports and reports[enterprise.pk].state not in EDITABLE_STATES:
                fail("credit_code", _("the enterprise's report is under review and cannot be changed by an import"))
                enterprise = None
        except ValidationError as exc:
            fail("credit_code", exc.messages[0])
        raw_name = str(cell(values, "raw_name") or "").strip()
        if not raw_name:
            fail("raw_name", _("required"))
        raw_cas, substance = str(cell(values, "raw_cas") or "").strip(), None
        if raw_cas:
            try:
                raw_cas = cas_normalise(raw_cas)
                substance = substances.get(raw_cas)
            except ValidationError as exc:
                fail("raw_cas", exc.messages[0])
        activity = ACTIVITIES.get(_norm(cell(values, "activity")))
        if activity is None:
            fail("activity", _("“%(value)s” is not one of 生产, 加工使用, 进口, 出口") % {"value": cell(values, "activity")})
        numbers = {}
        for key in ("quantity", "emission_water", "emission_air", "emission_soil"):
            try:
                numbers[key] = parse_decimal(cell(values, key))
            except CellError as exc:
                fail(key, exc)
        if "quantity" in numbers and numbers["quantity"] is None:
            fail("quantity", _("required"))
        try:
            dispersive = parse_bool(cell(values, "dispersive_use"))
        except CellError as exc:
            fail("dispersive_use", exc)
            dispersive = False
        if errors:
            result.errors += errors
            continue
        line = LineRow(enterprise_id=enterprise.pk, substance_id=substance.pk if substance else None,
                       substance=substance, raw_name=raw_name, raw_cas=raw_cas, activity=activity,
                       quantity=numbers["quantity"], use_category=str(cell(values, "use_category") or "")[:20],
                       dispersive_use=dispersive, emission_water=numbers["emission_water"],
                       emission_air=numbers["emission_air"], emission_soil=numbers["emission_soil"],
                       waste_route=str(cell(values, "waste_route") or "")[:200],
                       warning_note=str(cell(values, "warning_note") or "")[:500])
        for finding in check_line(line, kind=campaign.kind):
            target = result.errors if finding.severity == CheckSeverity.ERROR else result.warnings
            column = header.get(finding.field, header["quantity"])
            target.append(RowError(number, column, finding.message))
        if result.errors and result.errors[-1].row == number:
            continue
        key = _key(enterprise.pk, activity, substance.pk if substance else None, raw_cas, raw_name)
        if key in seen:
            result.errors.append(RowError(number, header["raw_name"],
                                          _("duplicates row %(row)d (same enterprise, substance and activity)")
                                          % {"row": seen[key]}))
            continue
        seen[key] = number
        old = existing.get(key)
        if old is None:
            result.new.append(line)
            if enterprise.pk not in reports:
                result.new_reports[enterprise.pk] = enterprise
            continue
        diff = {f: (getattr(old, f), getattr(line, f)) for f in LINE_FIELDS if _differs(getattr(old, f), getattr(line, f))}
        if diff:
            result.changed.append((old, diff))
        else:
            result.unchanged += 1
    return result


def _related_regions(mine, campaign_region) -> bool:
    """A campaign of the actor's region, of a region above it (a county imports into the city's
    survey) or below it."""
    if mine is None:
        return False
    return mine.path.startswith(campaign_region.path) or campaign_region.path.startswith(mine.path)


def _key(enterprise_id, activity, substance_id, raw_cas, raw_name):
    return (enterprise_id, activity, ("s", substance_id) if substance_id else ("raw", raw_cas or _norm(raw_name)))


def _differs(a, b):
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        return (a is None) != (b is None) or (a is not None and Decimal(a) != Decimal(b))
    return (a or "") != (b or "") if isinstance(a, str) or isinstance(b, str) else a != b


def _jsonable(value):
    return str(value) if isinstance(value, Decimal) else value


COPY_COLUMNS = ("report_id", "substance_id", "raw_name", "raw_cas", "activity", "quantity", "use_category",
                "dispersive_use", "emission_water", "emission_air", "emission_soil", "waste_route", "warning_note",
                "returned", "return_reason")


def _copy_lines(rows: list[LineRow], report_of: dict[int, int]) -> None:
    """New lines go in with PostgreSQL COPY, in the same transaction (the fastest path there is)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for r in rows:
        writer.writerow([report_of[r.enterprise_id], "" if r.substance_id is None else r.substance_id, r.raw_name,
                         r.raw_cas, r.activity, r.quantity, r.use_category, "t" if r.dispersive_use else "f",
                         "" if r.emission_water is None else r.emission_water,
                         "" if r.emission_air is None else r.emission_air,
                         "" if r.emission_soil is None else r.emission_soil, r.waste_route, r.warning_note, "f", ""])
    buffer.seek(0)
    table = SurveyLine._meta.db_table
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(
            f"COPY {table} ({', '.join(COPY_COLUMNS)}) FROM STDIN WITH (FORMAT csv, "
            "FORCE_NOT_NULL (raw_name, raw_cas, use_category, waste_route, warning_note, return_reason))", buffer)


@transaction.atomic
def commit_survey_lines(*, actor, campaign: SurveyCampaign, checked: Checked, file_name: str, data: bytes
                        ) -> ImportRecord:
    """Write a checked file: all of it in one transaction, or nothing if it has any error."""
    if not checked.ok:
        raise ValidationError([str(e) for e in checked.errors[:200]])
    SurveyReport.objects.bulk_create(
        [SurveyReport(campaign=campaign, enterprise=e) for e in checked.new_reports.values()], batch_size=BATCH)
    report_of = dict(SurveyReport.objects.filter(campaign=campaign, enterprise_id__in={r.enterprise_id for r in checked.new})
                     .values_list("enterprise_id", "pk"))
    if checked.new:
        _copy_lines(checked.new, report_of)
    overwritten = []
    for line, diff in checked.changed:
        for name, (before, after) in diff.items():
            setattr(line, name, after)
            overwritten.append({"line": line.pk, "field": name, "before": _jsonable(before), "after": _jsonable(after)})
    if checked.changed:
        SurveyLine.objects.bulk_update([line for line, _diff in checked.changed], list(LINE_FIELDS), batch_size=BATCH)
    record = ImportRecord.objects.create(
        kind="survey_lines", actor=actor, campaign=campaign, file_name=file_name[:255],
        sha256=hashlib.sha256(data).hexdigest(), status="done", progress=100, rows=checked.rows,
        created=len(checked.new), updated=len(checked.changed), unchanged=checked.unchanged,
        overwritten=overwritten, finished_at=timezone.now())
    audit_record(actor=actor, action="import.survey_lines", obj=record,
                 after={"file": file_name, "sha256": record.sha256, "rows": checked.rows, "created": record.created,
                        "updated": record.updated, "unchanged": record.unchanged, "campaign": campaign.pk})
    return record
