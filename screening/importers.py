"""Importing hazard records from a spreadsheet, through the inventory's import flow (upload → every
row checked → preview → confirm → all or nothing, audited). A record's natural key is (substance,
endpoint, compartment, source, reference): re-importing the same file creates nothing new, and a
changed value from the same source overwrites the old one (recorded)."""
from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from inventory.identifiers import cas_normalise
from inventory.importers import (
    Checked,
    Column,
    ImportKind,
    _cell_str,
    _finish,
    _in_steps,
    _overwritten,
    _report,
    _require_commit,
    _require_import,
    _Row,
    _Sheet,
    _text_cell,
    _write,
    register,
)
from inventory.models import ImportRecord, Substance
from portal import permissions as perms

from .choices import Compartment, Endpoint, RecordSource
from .models import HazardRecord
from .services import hazard_value_parse

ENDPOINT_NAMES = {"半衰期": "half_life", "BCF": "bcf", "BAF": "baf", "log Kow": "log_kow", "慢性NOEC": "chronic_noec",
                  "急性LC50": "acute_lc50", "致癌性": "carcinogenicity", "致突变性": "mutagenicity",
                  "生殖毒性": "reproductive_toxicity", "STOT RE": "stot_re", "慢性水生危害": "aquatic_chronic",
                  "内分泌干扰物": "endocrine_disruptor", "斯德哥尔摩公约": "stockholm_listed",
                  "国外管控": "foreign_restriction"}


def _fold(text) -> str:
    return "".join(str(text or "").split()).casefold()


# The names of the template's drop-down list, the endpoint codes, and a few other ways of writing them.
ENDPOINTS = {_fold(k): v for k, v in {**ENDPOINT_NAMES, **{v: v for v in Endpoint.values}, "NOEC": "chronic_noec",
                                        "EC10": "chronic_noec", "LC50": "acute_lc50", "EC50": "acute_lc50",
                                        "生殖细胞致突变性": "mutagenicity", "内分泌干扰": "endocrine_disruptor",
                                        "logKow": "log_kow", "lgKow": "log_kow"}.items()}
COMPARTMENTS = {"海水": "marine_water", "淡水": "fresh_water", "海洋沉积物": "marine_sediment",
                "淡水沉积物": "fresh_sediment", "土壤": "soil", "空气": "air"} | {v: v for v in Compartment.values}
SOURCES = {"参考文献": "reference", "数据库": "database", "测试报告": "test_report", "估算": "estimate"} | {
    v: v for v in RecordSource.values}
HAZARD_COLUMNS = [
    Column("cas", "CAS号", True, "物质须已在化学物质名录中", "如 1763-23-1", text=True),
    Column("substance_name", "物质名称", False, "用于核对，可不填"),
    Column("endpoint", "危害终点", True, "", " / ".join(ENDPOINT_NAMES), tuple(ENDPOINT_NAMES)),
    Column("compartment", "介质", False, "仅半衰期必填", " / ".join(list(COMPARTMENTS)[:6]), tuple(list(COMPARTMENTS)[:6])),
    Column("value", "数值", False, "数值类终点必填；来源带 ≥ > ≤ < ≈ 时一并填写", "如 2796、≥2000、>41"),
    Column("unit", "单位", False, "半衰期 d/h/年；NOEC、LC50 mg/L 或 μg/L；BCF L/kg；log Kow 不填", "如 d、年、mg/L、L/kg"),
    Column("category", "类别", False, "GHS 分类终点填类别；公约、国外管控、内分泌干扰填 是/否", "如 1A、1B、2、是"),
    Column("reliability", "可靠性", False, "Klimisch 分级，留空为 2", "1 / 2 / 3 / 4", ("1", "2", "3", "4")),
    Column("source", "来源", False, "留空为 数据库", " / ".join(list(SOURCES)[:4]), tuple(list(SOURCES)[:4])),
    Column("reference", "出处", False, "文献、数据库名称或报告编号；同一物质同一终点同一出处视为同一条记录", "不超过 500 个字符"),
    Column("note", "备注", False),
]
WRITE_FIELDS = ("qualifier", "value", "entered_value", "entered_unit", "category", "reliability", "note")


def _require_hazard(actor):
    _require_import(actor)
    if actor is not None and not perms.can(actor, "screening.change_hazardrecord"):
        raise PermissionDenied(_("You do not have permission to do this."))


def check_hazard_records(table, *, actor, campaign=None, progress=None) -> Checked:
    _require_hazard(actor)
    _report(progress, 0)
    result = Checked(kind="hazard_records", rows=len(table.rows))
    sheet = _Sheet(table, HAZARD_COLUMNS, result)
    header = sheet.header
    rows = list(sheet.dicts())
    cases = {}
    for _n, cells in rows:
        text = _cell_str(cells["cas"])
        if text not in cases:
            try:
                cases[text] = cas_normalise(text) if text else None
            except ValidationError as exc:
                cases[text] = exc
    substances = {s.cas: s for s in Substance.objects.filter(cas__in={c for c in cases.values() if isinstance(c, str)})}
    existing = {(r.substance_id, r.endpoint, r.compartment, r.source, r.reference): r
                for r in HazardRecord.objects.filter(substance__in=substances.values()).select_related("substance")}
    seen = {}
    for chunk in _in_steps(rows, progress, 10, 100):
        for number, cells in chunk:
            row = _Row(number, header)
            cas = cases[_cell_str(cells["cas"])]
            substance = None
            if isinstance(cas, ValidationError):
                row.error("cas", cas.messages[0], "cas_check")
            elif cas is None:
                row.error("cas", _("required"), "required")
            else:
                substance = substances.get(cas)
                if substance is None:
                    row.error("cas", _("no substance with CAS number %(cas)s in the inventory; import the substance "
                                       "first") % {"cas": cas}, "unknown_substance")
            endpoint = ENDPOINTS.get(_fold(_cell_str(cells["endpoint"])))
            if endpoint is None:
                row.error("endpoint", _("“%(value)s” is not one of %(allowed)s")
                          % {"value": _cell_str(cells["endpoint"]), "allowed": "、".join(ENDPOINT_NAMES)}, "choice")
            compartment = ""
            if _cell_str(cells["compartment"]):
                compartment = COMPARTMENTS.get(_cell_str(cells["compartment"]))
                if compartment is None:
                    row.error("compartment", _("“%(value)s” is not one of %(allowed)s")
                              % {"value": _cell_str(cells["compartment"]),
                                 "allowed": "、".join(list(COMPARTMENTS)[:6])}, "choice")
                    compartment = ""
            if endpoint == "half_life" and not compartment and not row.errors:
                row.error("compartment", _("A half-life needs its compartment (water, sediment, soil, air)."),
                          "required")
            reliability = _cell_str(cells["reliability"]) or "2"
            if reliability not in ("1", "2", "3", "4"):
                row.error("reliability", _("“%(value)s” is not one of %(allowed)s")
                          % {"value": reliability, "allowed": "1、2、3、4"}, "choice")
            source = SOURCES.get(_cell_str(cells["source"]) or "数据库")
            if source is None:
                row.error("source", _("“%(value)s” is not one of %(allowed)s")
                          % {"value": _cell_str(cells["source"]), "allowed": "、".join(list(SOURCES)[:4])}, "choice")
            reference = _text_cell(row, "reference", cells["reference"], 500)
            parsed = None
            if endpoint is not None:
                try:
                    parsed = hazard_value_parse(endpoint=endpoint, entered_value=_cell_str(cells["value"]),
                                                unit=_cell_str(cells["unit"]), category=_cell_str(cells["category"]))
                except ValidationError as exc:
                    for field, messages in exc.message_dict.items():
                        key = {"entered_value": "value", "entered_unit": "unit"}.get(field, field)
                        row.error(key if key in header else "value", messages[0], "invalid")
            key = (substance.pk if substance else None, endpoint, compartment if endpoint == "half_life" else "",
                   source, reference)
            if substance is not None and endpoint is not None:
                if key in seen:
                    row.error("endpoint", _("duplicates row %(row)d (same %(what)s)")
                              % {"row": seen[key], "what": _("substance, endpoint, compartment and reference")},
                              "duplicate")
                else:
                    seen[key] = number
            if row.errors:
                result.errors += row.errors
                continue
            values = {**parsed, "entered_value": _cell_str(cells["value"])[:40],
                      "entered_unit": _cell_str(cells["unit"])[:16], "reliability": int(reliability),
                      "note": _cell_str(cells["note"])}
            old = existing.get(key)
            if old is None:
                result.new.append(HazardRecord(substance=substance, endpoint=endpoint, compartment=key[2],
                                               source=source, reference=reference, created_by=actor, **values))
                continue
            diff = {name: (getattr(old, name), value) for name, value in values.items()
                    if str(getattr(old, name) if getattr(old, name) is not None else "") != str(
                        value if value is not None else "")}
            if diff:
                result.changed.append((old, diff))
            else:
                result.unchanged += 1
    _report(progress, 100)
    return result


def commit_hazard_records(*, actor, campaign=None, checked: Checked, file_name: str, data: bytes, progress=None,
                          record: ImportRecord | None = None) -> ImportRecord:
    _require_hazard(actor)
    _require_commit(actor, checked, "hazard_records")

    def write():
        HazardRecord.objects.bulk_create(checked.new, batch_size=2000)
        _report(progress, 50)
        overwritten, now = [], timezone.now()
        for old, diff in checked.changed:
            for name, (_before, after) in diff.items():
                setattr(old, name, after)
            old.updated_at = now
            overwritten += _overwritten(f"{old.substance_id}/{old.endpoint}", old.pk, diff)
        HazardRecord.objects.bulk_update([old for old, _diff in checked.changed], [*WRITE_FIELDS, "updated_at"],
                                         batch_size=2000)
        return _finish(kind="hazard_records", actor=actor, campaign=None, checked=checked, file_name=file_name,
                       data=data, overwritten=overwritten, record=record)

    return _write(write)


def _key(checked, record):
    return f"{record.substance.cas} · {record.get_endpoint_display()}{' · ' + record.get_compartment_display() if record.compartment else ''}"


def _values(checked, record):
    return {"endpoint": str(record.get_endpoint_display()), "compartment": record.compartment,
            "value": record.entered_value, "unit": record.entered_unit, "category": record.category,
            "reliability": record.reliability, "source": record.source, "reference": record.reference}


def register_kinds():
    register(ImportKind("hazard_records", gettext_lazy("Hazard records"), HAZARD_COLUMNS, False, check_hazard_records,
                        commit_hazard_records), sheet="危害数据", preview=(_key, _values))
