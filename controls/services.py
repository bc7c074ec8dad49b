"""Writes of the controls feature that carry a rule, and the loader of the reference lists shipped in
fixtures/ (the national 2023 key-controlled list and the 优先控制化学品名录 batches 1 and 2)."""
from __future__ import annotations

import csv
import datetime
import re
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from inventory.identifiers import cas_normalise
from inventory.models import Substance, SubstanceGroup
from inventory.services import substance_upsert
from portal import permissions as perms
from portal.services import audit_record, snapshot

from .choices import EntryCategory, Jurisdiction, ListKind, ListStatus, MeasureType
from .models import ControlEntry, ControlList, ControlMeasure, EntrySubstance

FIXTURES_DIR = Path(settings.BASE_DIR) / "fixtures"
KEY_CONTROLLED_CSV = "key-controlled-2023.csv"
PRIORITY_CSV = "priority-controlled-chemicals.csv"

# ---------------------------------------------------------------- reference data, as decided from
# ../shared/reference/domain-facts.md §1–2 (what is verified [V] and what is not)

KEY_LIST = {
    "kind": ListKind.NATIONAL_KEY, "name": "重点管控新污染物清单", "edition": "2023年版", "year": 2023,
    "doc_number": "生态环境部等6部门令第28号",  # not 第29号, as some code wrongly cites it
    "issuer": "生态环境部、工业和信息化部、农业农村部、商务部、海关总署、国家市场监督管理总局",
    "effective_on": datetime.date(2023, 3, 1), "jurisdiction": Jurisdiction.NATIONAL, "status": ListStatus.IN_FORCE,
    "note": "2022-11-29 生态环境部2022年第五次部务会议审议通过，2022-12-29公布，2023-03-01起施行；部门规章。",
}
KEY_LEGAL_BASIS = "《重点管控新污染物清单（2023年版）》（生态环境部等6部门令第28号）"

P, T = EntryCategory.POP, EntryCategory.TOXIC
# entry number → (category, entry verified, parsed measures verified, what a person must still complete)
KEY_ENTRIES = {
    1: (P, True, True, "待补充：土壤污染重点监管单位相关条文（来源原文截断）"),
    2: (P, False, True, "待核实：各特定豁免用途的豁免期限；相关化合物参考清单（生态环境部固管中心2023-11-02发布，363种）"
                        "未录入"),
    3: (P, True, True, ""),
    4: (P, True, True, ""),
    5: (P, True, True, ""),
    6: (P, True, True, ""),
    7: (P, False, False, "待核实：CAS号（115-32-2来自二手来源，清单可能另列10606-46-9）；管控措施（推断为全面禁止生产、"
                         "加工使用和进出口）"),
    8: (P, False, False, "待核实：CAS号（355-46-4来自二手来源，其他盐类如3871-99-6未录入）；管控措施（推断为全面禁止）"),
    9: (P, False, False, "待核实：CAS号来自二手来源；具体管控条文（2023年底已全面淘汰）"),
    10: (T, False, False, "待核实：具体管控条文（用途限制、产品中含量限制、排放管控、环境风险预警）"),
    11: (T, False, False, "待核实：具体管控条文（用途限制、产品中含量限制、排放管控、环境风险预警）"),
    12: (EntryCategory.EDC, False, False, "待核实：具体管控条文（以源头用途限制为主）"),
    13: (EntryCategory.ANTIBIOTIC, False, False, "待核实：涉及的抗生素品种（无CAS号）及具体管控条文"),
    14: (EntryCategory.PHASED_OUT, False, True, "待核实：除林丹、硫丹外其余成员的管控条文；硫丹异构体CAS号"
                                               "（959-98-8、33213-65-9、1031-07-8）未录入；多氯联苯无单一CAS号"),
}

PRIORITY_NAME = "优先控制化学品名录"
PRIORITY_BATCHES = {
    "1": {"edition": "第一批", "year": 2017, "issuer": "环境保护部、工业和信息化部、国家卫生和计划生育委员会",
          "doc_number": "公告2017年第83号", "note": "2017-12-27印发，2017-12-28公布。"},
    "2": {"edition": "第二批", "year": 2020, "issuer": "生态环境部、工业和信息化部、国家卫生健康委员会",
          "doc_number": "", "note": "2020-11-02公布；公告文号待核实（常引作公告2020年第47号）。"},
}
PRIORITY_TO_CONFIRM = "待核实：CAS号或名称未经核实"

DATE = r"(\d{4}-\d{2}-\d{2})"
PARENS = re.compile(r"（([^（）]*)）")
GROUP_WORDS = ("及其", "类", "化合物")


def _read(path: Path) -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _date(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


def _cas_list(text: str) -> list[str]:
    return [cas_normalise(part) for part in (text or "").split(";") if part.strip()]


def measures_parse(summary: str, default_basis: str = "") -> list[dict]:
    """Turn a measure summary (clauses separated by ；) into ControlMeasure fields, only where the text is
    clear: 禁止生产 / 禁止加工使用 / 禁止进出口 (with "YYYY-MM-DD起"), 豁免至 YYYY-MM-DD, 强制性清洁生产审核,
    危险废物, 减少排放. Clauses saying 具体条文未核实 are left for a person."""
    found = []
    for clause in _clauses(summary):
        if not clause or "具体条文未核实" in clause:
            continue
        basis = default_basis
        tail = PARENS.search(clause)
        if tail and clause.endswith("）") and ("公告" in tail.group(1) or tail.group(1).startswith("据")):
            basis = tail.group(1).removeprefix("据")
        outside = PARENS.sub("", clause)
        starts = re.search(DATE + "起", outside)
        effective = _date(starts.group(1)) if starts else None
        ban = re.search(r"禁止([^，：；]*)", outside)
        if ban:
            words = ban.group(1)
            for word, kind in (("生产", MeasureType.BAN_PRODUCTION), ("使用", MeasureType.BAN_USE),
                               ("进出口", MeasureType.BAN_TRADE)):
                if word in words:
                    found.append({"type": kind, "scope": clause, "effective_on": effective, "legal_basis": basis})
        exempt = re.search(r"豁免期?至" + DATE, clause)
        if exempt:
            inner = next((p for p in PARENS.findall(clause) if "豁免" in p), "")
            found.append({"type": MeasureType.EXEMPTION, "scope": inner or clause, "ends_on": _date(exempt.group(1)),
                          "legal_basis": basis})
        if "强制性清洁生产审核" in clause:
            found.append({"type": MeasureType.CLEAN_PRODUCTION, "scope": clause, "legal_basis": basis})
        if "危险废物" in clause:
            found.append({"type": MeasureType.HAZARDOUS_WASTE, "scope": clause, "legal_basis": basis})
        if "减少排放" in clause or "消除排放源" in clause:
            found.append({"type": MeasureType.EMISSION_LIMIT, "scope": clause, "legal_basis": basis})
    return found


def _clauses(text: str) -> list[str]:
    """Split at ；, but not inside （…）."""
    parts, depth, current = [], 0, ""
    for char in text or "":
        depth += {"（": 1, "）": -1}.get(char, 0)
        if char == "；" and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    return [part.strip() for part in [*parts, current] if part.strip()]


def _split_name(text: str) -> tuple[str, str]:
    """'氰化物 (hydrogen cyanide, …)' → ('氰化物', 'hydrogen cyanide, …'); other names unchanged."""
    match = re.fullmatch(r"(.*?)\s+\(([\x20-\x7e]+)\)", text.strip())
    return (match.group(1), match.group(2)) if match else (text.strip(), "")


class _Counter(dict):
    def add(self, key: str, created: bool) -> None:
        self[key] = self.get(key, 0) + 1
        if created:
            self[f"{key}_created"] = self.get(f"{key}_created", 0) + 1


def _list_get(counts: _Counter, **fields) -> ControlList:
    key = {k: fields.pop(k) for k in ("kind", "name", "edition")}
    clist, created = ControlList.objects.get_or_create(region=None, **key, defaults=fields)
    counts.add("lists", created)
    return clist


def _entry_get(counts: _Counter, clist: ControlList, number: int, name: str, cases: list[str], *,
               create_substances: bool, **fields) -> ControlEntry:
    is_group = len(cases) != 1 or any(word in name for word in GROUP_WORDS)
    covers = re.search(r"(及其[^（(]*)", name)
    entry, created = ControlEntry.objects.get_or_create(list=clist, number=number, defaults={
        "name": name, "is_group": is_group, "covers": covers.group(1) if covers else "",
        "group": SubstanceGroup.objects.filter(name=name).first(), **fields})
    counts.add("entries", created)
    if entry.to_confirm:
        counts["to_confirm"] = counts.get("to_confirm", 0) + 1
    for cas in cases:
        substance = Substance.objects.filter(cas=cas).first()
        if substance is None and create_substances and not is_group:
            substance, _new = substance_upsert(actor=None, cas=cas, name_zh=name, name_en=fields.get("name_en", ""))
            counts["substances_created"] = counts.get("substances_created", 0) + 1
        _link, new = EntrySubstance.objects.get_or_create(entry=entry, cas=cas, defaults={"substance": substance})
        counts.add("cas", new)
    return entry


@transaction.atomic
def reference_lists_load(*, fixtures_dir: Path | None = None) -> dict:
    """Load the national key-controlled list (2023) and the priority-controlled chemicals (batches 1 and 2).
    Idempotent: rows that exist are left as they are (a person may have completed them); returns totals and
    `*_created` counts."""
    fixtures_dir = fixtures_dir or FIXTURES_DIR
    counts = _Counter(lists=0, entries=0, measures=0, cas=0, to_confirm=0)

    key = _list_get(counts, **KEY_LIST)
    for row in _read(fixtures_dir / KEY_CONTROLLED_CSV):
        number = int(row["no"])
        category, verified, measures_verified, to_confirm = KEY_ENTRIES[number]
        entry = _entry_get(counts, key, number, row["name_zh"].strip(), _cas_list(row["cas_numbers"]),
                           create_substances=True, name_en=row["name_en"].strip(), category=category,
                           verified=verified, to_confirm=to_confirm, summary=row["measure_summary_zh"].strip())
        for spec in measures_parse(row["measure_summary_zh"], KEY_LEGAL_BASIS):
            lookup = {k: spec.pop(k) for k in ("type", "scope")}
            _measure, created = ControlMeasure.objects.get_or_create(
                entry=entry, **lookup, defaults={**spec, "verified": measures_verified})
            counts.add("measures", created)

    rows = _read(fixtures_dir / PRIORITY_CSV)
    for batch, spec in PRIORITY_BATCHES.items():
        clist = _list_get(counts, kind=ListKind.PRIORITY, name=PRIORITY_NAME, jurisdiction=Jurisdiction.NATIONAL,
                          status=ListStatus.IN_FORCE, **spec)
        for row in (r for r in rows if r["batch"].strip() == batch):
            verified = row["verified"].strip() == "yes"
            name, name_en = _split_name(row["name_zh"])
            _entry_get(counts, clist, int(row["code"].removeprefix("PC")), name, _cas_list(row["cas_numbers"]),
                       create_substances=True, code=row["code"].strip(), name_en=name_en,
                       verified=verified, to_confirm="" if verified else PRIORITY_TO_CONFIRM)

    # A CAS of a group entry may have entered the directory after its entry was loaded: link it now, so a
    # second run finds nothing to do.
    lists = ControlList.objects.filter(region=None, kind__in=[ListKind.NATIONAL_KEY, ListKind.PRIORITY])
    for link in EntrySubstance.objects.filter(entry__list__in=lists, substance__isnull=True):
        substance = Substance.objects.filter(cas=link.cas).first()
        if substance is not None:
            link.substance = substance
            link.save(update_fields=["substance"])
            counts["linked"] = counts.get("linked", 0) + 1
    return dict(counts)


# ---------------------------------------------------------------- entries and measures

MEASURE_FIELDS = ("type", "scope", "effective_on", "ends_on", "legal_basis", "verified", "task_days_after")


def _require_list(actor, clist: ControlList) -> None:
    """Edit rights on a list: the permission, and the list's region in the actor's scope. National lists are
    reference data: only a superuser (or the system, actor None) changes them."""
    if actor is None:
        return
    if not perms.can(actor, "controls.manage_controllist"):
        raise PermissionDenied(_("You do not have permission to do this."))
    if clist.region_id is None:
        if not perms.sees_everything(actor):
            raise PermissionDenied(_("National lists are reference data and cannot be changed here."))
    elif not perms.region_visible(actor, clist.region):
        raise PermissionDenied(_("This region is outside your scope."))


@transaction.atomic
def entry_add_substance(*, actor, entry: ControlEntry, cas: str) -> tuple[EntrySubstance, list[str]]:
    """Add a CAS number to an entry. Refused when the entry already has it; when another entry of the same
    list edition has it, added with a warning (returned) for a person to check."""
    _require_list(actor, entry.list)
    try:
        canonical = cas_normalise(cas)
    except ValidationError as exc:
        raise ValidationError({"cas": exc.messages}) from exc
    if entry.entry_substances.filter(cas=canonical).exists():
        raise ValidationError({"cas": _("CAS %(cas)s is already in this entry.") % {"cas": canonical}})
    warnings = []
    others = (EntrySubstance.objects.filter(entry__list_id=entry.list_id, cas=canonical).exclude(entry=entry)
              .select_related("entry").order_by("entry__number"))
    if others:
        warnings.append(_("CAS %(cas)s is also in entry %(entries)s of this list.") % {
            "cas": canonical, "entries": "、".join(f"{o.entry.number}（{o.entry.name}）" for o in others)})
    link = EntrySubstance(entry=entry, cas=canonical, substance=Substance.objects.filter(cas=canonical).first())
    link.full_clean()
    link.save()
    audit_record(actor=actor, action="control_entry.add_substance", obj=entry, after={"cas": canonical},
                 detail="；".join(warnings))
    return link, warnings


@transaction.atomic
def measure_save(*, actor, entry: ControlEntry, measure: ControlMeasure | None = None, departments=None,
                 **fields) -> ControlMeasure:
    """Create (or, given `measure`, change) a measure of an entry, validated by the model: an end date
    before the effective date, or an exemption without its end date, is refused naming `ends_on`."""
    _require_list(actor, entry.list)
    unknown = set(fields) - set(MEASURE_FIELDS)
    if unknown:
        raise TypeError(f"unknown measure fields: {sorted(unknown)}")
    if measure is not None and measure.entry_id != entry.pk:
        raise ValidationError(_("The measure belongs to another entry."))
    before = snapshot(measure, MEASURE_FIELDS) if measure else None
    measure = measure or ControlMeasure(entry=entry)
    for name, value in fields.items():
        setattr(measure, name, value)
    measure.full_clean()
    measure.save()
    if departments is not None:
        measure.departments.set(departments)
    audit_record(actor=actor, action="control_measure.update" if before else "control_measure.create", obj=measure,
                 before=before, after=snapshot(measure, MEASURE_FIELDS))
    return measure


# ---------------------------------------------------------------- the controlled-enterprise list (一名单)

@transaction.atomic
def controlled_enterprises_derive(*, actor, clist: ControlList) -> dict:
    """Recompute the enterprises that accepted survey lines show producing or using a substance of the
    list's entries — in the list's region, or everywhere for a national list — in SQL, with the basis
    (entry, substance, activity, quantity, lines) of each. Enterprises the bureau confirmed, added or
    removed keep their status; a derived enterprise no line supports any more leaves the list.
    Returns counts {"listed", "new", "dropped"}."""
    if actor is not None and not perms.can(actor, "controls.manage_controlledenterprise"):
        raise PermissionDenied(_("You do not have permission to do this."))
    if clist.status != ListStatus.IN_FORCE:
        raise ValidationError(_("Only a list in force puts enterprises on the controlled-enterprise list."))
    from django.db import connection

    from inventory.choices import Activity, ReportState
    from inventory.models import Enterprise, SurveyCampaign, SurveyLine, SurveyReport
    from portal.models import Region

    from .models import ControlledEnterprise

    region_filter, params = "", [ReportState.ACCEPTED, clist.pk, [Activity.PRODUCE, Activity.USE]]
    if clist.region_id:
        region_filter = "AND rg.path LIKE %s"
        params.append(clist.region.path + "%")
    tables = {"line": SurveyLine._meta.db_table, "report": SurveyReport._meta.db_table,
              "campaign": SurveyCampaign._meta.db_table, "substance": Substance._meta.db_table,
              "es": EntrySubstance._meta.db_table, "entry": ControlEntry._meta.db_table,
              "enterprise": Enterprise._meta.db_table, "region": Region._meta.db_table,
              "listed": ControlledEnterprise._meta.db_table}
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS derived_basis")  # a second derivation in the same transaction
        cursor.execute(f"""
            CREATE TEMP TABLE derived_basis ON COMMIT DROP AS
            WITH hits AS (
                SELECT r.enterprise_id, e.number AS entry, e.name AS entry_name, s.cas, s.name_zh, l.activity,
                       c.year, SUM(l.quantity) AS quantity, COUNT(*) AS lines, MIN(l.id) AS first_line
                FROM {tables['line']} l
                JOIN {tables['report']} r ON r.id = l.report_id AND r.state = %s
                JOIN {tables['campaign']} c ON c.id = r.campaign_id
                JOIN {tables['substance']} s ON s.id = l.substance_id
                JOIN {tables['es']} es ON es.substance_id = s.id OR (es.substance_id IS NULL AND es.cas = s.cas)
                JOIN {tables['entry']} e ON e.id = es.entry_id AND e.list_id = %s
                JOIN {tables['enterprise']} en ON en.id = r.enterprise_id
                JOIN {tables['region']} rg ON rg.id = en.region_id
                WHERE l.activity = ANY(%s) {region_filter}
                GROUP BY r.enterprise_id, e.number, e.name, s.cas, s.name_zh, l.activity, c.year
            )
            SELECT enterprise_id, json_build_object('entries', json_agg(json_build_object(
                       'entry', entry, 'entry_name', entry_name, 'cas', cas, 'substance', name_zh,
                       'activity', activity, 'year', year, 'quantity', quantity, 'lines', lines,
                       'first_line', first_line) ORDER BY entry, cas, activity, year)) AS basis
            FROM hits GROUP BY enterprise_id""", params)
        cursor.execute(f"SELECT COUNT(*) FROM {tables['listed']} WHERE list_id = %s", [clist.pk])
        before = cursor.fetchone()[0]
        cursor.execute(f"""
            INSERT INTO {tables['listed']} (list_id, enterprise_id, status, removed_reason, evidence, basis,
                                             updated_at)
            SELECT %s, enterprise_id, 'derived', '', '', basis::jsonb, now() FROM derived_basis
            ON CONFLICT (list_id, enterprise_id) DO UPDATE SET basis = EXCLUDED.basis, updated_at = now()""",
                       [clist.pk])
        cursor.execute(f"SELECT COUNT(*) FROM {tables['listed']} WHERE list_id = %s", [clist.pk])
        new = cursor.fetchone()[0] - before
        cursor.execute(f"""
            DELETE FROM {tables['listed']} t WHERE t.list_id = %s AND t.status = 'derived'
               AND NOT EXISTS (SELECT 1 FROM derived_basis d WHERE d.enterprise_id = t.enterprise_id)""",
                       [clist.pk])
        dropped = cursor.rowcount
        cursor.execute(f"""
            UPDATE {tables['listed']} t SET basis = '{{}}'::jsonb, updated_at = now()
             WHERE t.list_id = %s AND t.status <> 'derived'
               AND NOT EXISTS (SELECT 1 FROM derived_basis d WHERE d.enterprise_id = t.enterprise_id)""",
                       [clist.pk])
        cursor.execute(f"SELECT COUNT(*) FROM {tables['listed']} WHERE list_id = %s AND status <> 'removed'",
                       [clist.pk])
        listed = cursor.fetchone()[0]
    result = {"listed": listed, "new": new, "dropped": dropped}
    audit_record(actor=actor, action="controlled.derive", obj=clist, after=result)
    return result
