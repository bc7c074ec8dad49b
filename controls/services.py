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
from django.utils.translation import pgettext

from inventory.identifiers import cas_normalise
from inventory.models import Substance, SubstanceGroup
from inventory.services import substance_upsert
from portal import permissions as perms
from portal.services import audit_record, snapshot

from .choices import EnterpriseStatus, EntryCategory, Jurisdiction, ListKind, ListStatus, MeasureType
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


def _require_list(actor, clist: ControlList, *, draft: bool = True) -> None:
    """Edit rights on a list: the permission, and the list's region in the actor's scope. National lists are
    reference data: only a superuser (or the system, actor None) changes them. A list in force or superseded
    is not edited in place: a new edition is drafted (`draft`)."""
    if actor is None:
        return
    if not perms.can(actor, "controls.manage_controllist"):
        raise PermissionDenied(_("You do not have permission to do this."))
    if clist.region_id is None:
        if not perms.sees_everything(actor):
            raise PermissionDenied(_("National lists are reference data and cannot be changed here."))
    elif not perms.region_visible(actor, clist.region):
        raise PermissionDenied(_("This region is outside your scope."))
    if draft and clist.pk and not actor.is_superuser and (
            ControlList.objects.filter(pk=clist.pk).values_list("status", flat=True).first() != ListStatus.DRAFT):
        raise ValidationError(_("Only a draft edition can be edited; draft a new edition of a list in force."))


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
    if not entry.is_group:
        others = list(others)
    else:  # a group may overlap another group (salts, related compounds); a single substance is flagged
        others = [o for o in others if not o.entry.is_group]
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
            ON CONFLICT (list_id, enterprise_id) DO UPDATE
               SET basis = CASE WHEN {tables['listed']}.basis ? 'manual'
                                THEN EXCLUDED.basis || jsonb_build_object('manual', {tables['listed']}.basis -> 'manual')
                                ELSE EXCLUDED.basis END,
                   updated_at = now()""",
                       [clist.pk])
        cursor.execute(f"SELECT COUNT(*) FROM {tables['listed']} WHERE list_id = %s", [clist.pk])
        new = cursor.fetchone()[0] - before
        cursor.execute(f"""
            DELETE FROM {tables['listed']} t WHERE t.list_id = %s AND t.status = 'derived'
               AND NOT EXISTS (SELECT 1 FROM derived_basis d WHERE d.enterprise_id = t.enterprise_id)""",
                       [clist.pk])
        dropped = cursor.rowcount
        cursor.execute(f"""
            UPDATE {tables['listed']} t
               SET basis = CASE WHEN t.basis ? 'manual' THEN jsonb_build_object('manual', t.basis -> 'manual')
                                ELSE '{{}}'::jsonb END,
                   updated_at = now()
             WHERE t.list_id = %s AND t.status <> 'derived' AND t.basis ? 'entries'
               AND NOT EXISTS (SELECT 1 FROM derived_basis d WHERE d.enterprise_id = t.enterprise_id)""",
                       [clist.pk])
        cursor.execute(f"SELECT COUNT(*) FROM {tables['listed']} WHERE list_id = %s AND status <> 'removed'",
                       [clist.pk])
        listed = cursor.fetchone()[0]
    result = {"listed": listed, "new": new, "dropped": dropped}
    audit_record(actor=actor, action="controlled.derive", obj=clist, after=result)
    from portal.jobs import cockpit_refresh_soon
    cockpit_refresh_soon("control")  # the derivation writes in SQL, past the models' signals
    return result


# ---------------------------------------------------------------- list editions and entries

LIST_FIELDS = ("kind", "name", "issuer", "edition", "year", "doc_number", "effective_on", "jurisdiction", "region",
               "base", "note")
ENTRY_FIELDS = ("number", "code", "name", "name_en", "category", "is_group", "covers", "summary", "verified",
                "to_confirm")


def _audit_fields(obj, fields):
    return snapshot(obj, [f for f in fields if f not in ("region", "base")]) | {
        f: getattr(obj, f + "_id") for f in fields if f in ("region", "base")}


@transaction.atomic
def list_save(*, actor, clist: ControlList | None = None, **fields) -> ControlList:
    """Create or change a draft list: in practice a provincial or city supplement that builds on the national
    list. The region must be in the actor's scope; a national list is reference data."""
    unknown = set(fields) - set(LIST_FIELDS)
    if unknown:
        raise TypeError(f"unknown list fields: {sorted(unknown)}")
    if actor is not None and not perms.can(actor, "controls.manage_controllist"):
        raise PermissionDenied(_("You do not have permission to do this."))
    before = _audit_fields(clist, LIST_FIELDS) if clist else None
    clist = clist or ControlList()
    for name, value in fields.items():
        setattr(clist, name, value)
    if clist.jurisdiction == Jurisdiction.NATIONAL and actor is not None and not actor.is_superuser:
        raise ValidationError({"jurisdiction": _("National lists are reference data and cannot be changed here.")})
    if clist.region_id and actor is not None and not perms.region_visible(actor, clist.region):
        raise ValidationError({"region": _("This region is outside your scope.")})
    if clist.pk:
        _require_list(actor, clist)
    clist.full_clean()
    clist.save()
    audit_record(actor=actor, action="control_list.update" if before else "control_list.create", obj=clist,
                 before=before, after=_audit_fields(clist, LIST_FIELDS))
    return clist


@transaction.atomic
def list_edition_create(*, actor, clist: ControlList, edition: str, year: int, doc_number: str = "",
                        effective_on: datetime.date | None = None) -> ControlList:
    """Draft the next edition of a list: a copy of its entries, CAS numbers and measures that the bureau then
    edits; the edition diff shows what changed. One draft edition at a time."""
    _require_list(actor, clist, draft=False)
    if clist.next_editions.filter(status=ListStatus.DRAFT).exists():
        raise ValidationError(_("A draft edition of this list already exists; finish or delete it first."))
    if not str(edition).strip():
        raise ValidationError({"edition": _("Name the new edition, for example 2025年版.")})
    new = ControlList(kind=clist.kind, name=clist.name, issuer=clist.issuer, edition=str(edition).strip(), year=year,
                      doc_number=doc_number, effective_on=effective_on, jurisdiction=clist.jurisdiction,
                      region=clist.region, base=clist.base, previous=clist, status=ListStatus.DRAFT)
    try:
        new.full_clean()
    except ValidationError as exc:
        if "__all__" in exc.message_dict:
            raise ValidationError({"edition": _("This edition already exists.")}) from exc
        raise
    new.save()
    for entry in clist.entries.prefetch_related("entry_substances", "measures__departments").order_by("number"):
        substances, measures = list(entry.entry_substances.all()), list(entry.measures.all())
        entry.pk, entry.id, entry.list = None, None, new
        entry.save()
        EntrySubstance.objects.bulk_create(EntrySubstance(entry=entry, substance_id=s.substance_id, cas=s.cas,
                                                          name=s.name) for s in substances)
        for measure in measures:
            departments = list(measure.departments.all())
            measure.pk, measure.id, measure.entry = None, None, entry
            measure._prefetched_objects_cache = {}  # else set() compares with the old measure's departments
            measure.save()
            measure.departments.set(departments)
    audit_record(actor=actor, action="control_list.edition", obj=new, after={"previous": clist.pk,
                                                                            "edition": new.edition})
    return new


@transaction.atomic
def list_put_in_force(*, actor, clist: ControlList) -> ControlList:
    """A draft edition comes into force: the edition it replaces is superseded, the bureau's decisions on the
    controlled-enterprise list (confirmed, added, removed) carry over, and the list is recomputed."""
    from .models import ControlledEnterprise
    _require_list(actor, clist)
    given, clist = clist, ControlList.objects.select_for_update().get(pk=clist.pk)
    problems = []
    if not clist.entries.exists():
        problems.append(_("The list has no entries."))
    if not clist.effective_on:
        problems.append(_("Give the date the list takes effect."))
    if problems:
        raise ValidationError(problems)
    clist.status = given.status = ListStatus.IN_FORCE
    clist.save(update_fields=["status"])
    previous = clist.previous
    if previous is not None and previous.status == ListStatus.IN_FORCE:
        previous.status = ListStatus.SUPERSEDED
        previous.save(update_fields=["status"])
        numbers = set(clist.entries.values_list("number", flat=True))
        ControlledEnterprise.objects.bulk_create(
            [ControlledEnterprise(list=clist, enterprise_id=c.enterprise_id, status=c.status,
                                  removed_reason=c.removed_reason, evidence=c.evidence, decided_by_id=c.decided_by_id,
                                  decided_at=c.decided_at,
                                  basis={"manual": [n for n in (c.basis or {}).get("manual", []) if n in numbers]}
                                  if (c.basis or {}).get("manual") else {})
             for c in previous.controlled_enterprises.exclude(status=EnterpriseStatus.DERIVED)],
            ignore_conflicts=True)
    audit_record(actor=actor, action="control_list.in_force", obj=clist,
                 after={"superseded": previous.pk if previous else None})
    controlled_enterprises_derive(actor=None, clist=clist)
    return clist


def _cas_entries(text: str) -> tuple[list[str], list[str]]:
    """CAS numbers written one per line or separated by commas, spaces or 、; returns (canonical, errors)."""
    found, errors = [], []
    for token in re.split(r"[\s,，、;；]+", text or ""):
        if not token:
            continue
        try:
            cas = cas_normalise(token)
        except ValidationError as exc:
            errors.append(f"{token}：{'；'.join(exc.messages)}")
            continue
        if cas not in found:
            found.append(cas)
    return found, errors


@transaction.atomic
def entry_save(*, actor, clist: ControlList, entry: ControlEntry | None = None, cas_text: str | None = None,
               **fields) -> tuple[ControlEntry, list[str]]:
    """Create or change an entry of a draft edition, with its CAS numbers (`cas_text`: the full set, replacing
    the entry's). A wrong CAS number is refused by name; a CAS already in another entry of the edition is
    allowed for groups and flagged (returned as a warning) for single substances."""
    _require_list(actor, clist)
    unknown = set(fields) - set(ENTRY_FIELDS)
    if unknown:
        raise TypeError(f"unknown entry fields: {sorted(unknown)}")
    if entry is not None and entry.list_id != clist.pk:
        raise ValidationError(_("The entry belongs to another list."))
    before = snapshot(entry, ENTRY_FIELDS) | {"cas": sorted(entry.entry_substances.values_list("cas", flat=True))} \
        if entry else None
    entry = entry or ControlEntry(list=clist)
    if entry.pk is None and not fields.get("number"):
        fields["number"] = (clist.entries.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    for name, value in fields.items():
        setattr(entry, name, value)
    cas_list, cas_errors = _cas_entries(cas_text) if cas_text is not None else (None, [])
    errors = {}
    if cas_errors:
        errors["cas"] = cas_errors
    if not entry.is_group and cas_list is not None and len(cas_list) > 1:
        errors.setdefault("cas", []).append(
            _("A single-substance entry has one CAS number; mark it as a group to list several."))
    try:
        entry.full_clean()
    except ValidationError as exc:
        for field, messages_ in exc.message_dict.items():
            if field == "__all__":
                field, messages_ = "number", [_("Number %(n)s is already used in this list.") % {"n": entry.number}]
            errors.setdefault(field, []).extend(messages_)
    if errors:
        raise ValidationError(errors)
    entry.save()
    warnings = []
    if cas_list is not None:
        entry.entry_substances.exclude(cas__in=cas_list).delete()
        have = set(entry.entry_substances.values_list("cas", flat=True))
        directory = dict(Substance.objects.filter(cas__in=cas_list).values_list("cas", "pk"))
        EntrySubstance.objects.bulk_create(EntrySubstance(entry=entry, cas=cas, substance_id=directory.get(cas))
                                           for cas in cas_list if cas not in have)
        others = (EntrySubstance.objects.filter(entry__list=clist, cas__in=cas_list).exclude(entry=entry)
                  .select_related("entry").order_by("cas", "entry__number"))
        for other in others:
            if entry.is_group and other.entry.is_group:
                continue
            warnings.append(_("CAS %(cas)s is also in entry %(entries)s of this list.") % {
                "cas": other.cas, "entries": f"{other.entry.number}（{other.entry.name}）"})
    after = snapshot(entry, ENTRY_FIELDS) | {"cas": sorted(entry.entry_substances.values_list("cas", flat=True))}
    audit_record(actor=actor, action="control_entry.update" if before else "control_entry.create", obj=entry,
                 before=before, after=after, detail="；".join(warnings))
    return entry, warnings


@transaction.atomic
def entry_delete(*, actor, entry: ControlEntry) -> None:
    _require_list(actor, entry.list)
    audit_record(actor=actor, action="control_entry.delete", obj=entry,
                 before=snapshot(entry, ENTRY_FIELDS) | {"cas": list(entry.entry_substances.values_list("cas", flat=True))})
    if entry.proposal_id:
        from screening.choices import ProposalStatus
        type(entry.proposal).objects.filter(pk=entry.proposal_id).update(status=ProposalStatus.OPEN)
    entry.delete()


@transaction.atomic
def measure_delete(*, actor, measure: ControlMeasure) -> None:
    _require_list(actor, measure.entry.list)
    audit_record(actor=actor, action="control_measure.delete", obj=measure, before=snapshot(measure, MEASURE_FIELDS))
    measure.delete()


@transaction.atomic
def proposals_take(*, actor, clist: ControlList) -> list[ControlEntry]:
    """Proposals from approved risk assessments (screening) in the list's region become draft entries of a local
    supplementary list, with the assessment's recommended measures as text and what the bureau must still decide."""
    from screening.choices import ProposalStatus
    from screening.models import ControlProposal
    _require_list(actor, clist)
    if clist.kind != ListKind.LOCAL_SUPPLEMENT or clist.region_id is None:
        raise ValidationError(_("Proposals go to a local supplementary list."))
    proposals = (ControlProposal.objects.select_for_update(of=("self",))
                 .filter(status=ProposalStatus.OPEN, region__path__startswith=clist.region.path)
                 .select_related("substance", "assessment").order_by("pk"))
    number = clist.entries.order_by("-number").values_list("number", flat=True).first() or 0
    present = set(EntrySubstance.objects.filter(entry__list=clist).values_list("cas", flat=True))
    created = []
    for proposal in proposals:
        substance = proposal.substance
        if substance.cas and substance.cas in present:
            continue
        number += 1
        entry = ControlEntry.objects.create(
            list=clist, number=number, name=substance.name_zh, name_en=substance.name_en or "",
            summary=proposal.measures,
            to_confirm=_("From the approved risk assessment %(title)s: decide the category and the measures.")
            % {"title": proposal.assessment}, proposal=proposal)
        if substance.cas:
            EntrySubstance.objects.create(entry=entry, substance=substance, cas=substance.cas, name=substance.name_zh)
            present.add(substance.cas)
        proposal.status = ProposalStatus.ACCEPTED
        proposal.save(update_fields=["status"])
        created.append(entry)
    audit_record(actor=actor, action="control_list.take_proposals", obj=clist,
                 after={"entries": [e.number for e in created]})
    return created


# ---------------------------------------------------------------- measures that create tasks

def measure_task_text(measure: ControlMeasure) -> tuple[str, str, datetime.date | None]:
    """Title, text and the date a task for the measure hangs on: an exemption's (or any dated measure's) end,
    else the date it takes effect."""
    entry = measure.entry
    when = measure.ends_on or measure.effective_on
    scope = f"（{measure.scope}）" if measure.scope else ""
    if measure.ends_on and measure.type == MeasureType.EXEMPTION:
        title = _("Verify that the exempted use of %(entry)s%(scope)s stops after it expires on %(date)s") % {
            "entry": entry.name, "scope": scope, "date": measure.ends_on.isoformat()}
    elif measure.ends_on:
        title = _("Verify %(type)s of %(entry)s%(scope)s ending on %(date)s") % {
            "type": measure.get_type_display(), "entry": entry.name, "scope": scope, "date": measure.ends_on.isoformat()}
    else:
        title = _("Implement %(type)s of %(entry)s%(scope)s from %(date)s") % {
            "type": measure.get_type_display(), "entry": entry.name, "scope": scope,
            "date": when.isoformat() if when else ""}
    text = "\n".join(filter(None, [f"{entry.list}：{entry.number}. {entry.name}", measure.scope, measure.legal_basis]))
    return title, text, when


@transaction.atomic
def measure_task_create(*, actor, measure: ControlMeasure, plan, departments=None, days_after: int | None = None):
    """A dated measure becomes a task of a published plan, due `days_after` days (default: the measure's own
    setting, else 30) after its date and assigned to the responsible departments, so the reminders, escalation and
    reports cover it. Once per plan and measure. Returns (task, created)."""
    from tasks.services import task_create_linked
    if actor is not None and not perms.can(actor, "controls.manage_controllist"):
        raise PermissionDenied(_("You do not have permission to do this."))
    if measure.entry.list.status != ListStatus.IN_FORCE:
        raise ValidationError(_("Only the measures of a list in force create tasks."))
    title, text, when = measure_task_text(measure)
    if when is None:
        raise ValidationError(_("The measure has no date to hang a task on."))
    days = days_after if days_after is not None else (measure.task_days_after if measure.task_days_after is not None
                                                      else 30)
    if days < 0 or days > 3650:
        raise ValidationError({"days_after": _("Give a number of days between 0 and 3650.")})
    departments = list(departments if departments is not None else measure.departments.all())
    outside = [d.name for d in departments if not d.region.path.startswith(plan.region.path)]
    if outside:
        raise ValidationError({"departments": _("Outside the plan's region: %s") % "、".join(outside)})
    return task_create_linked(actor=actor, plan=plan, target=measure, title=title, text=text,
                              deadline=when + datetime.timedelta(days=days), departments=departments,
                              label=_("Control measure"),
                              deadline_text=_("%(days)d days after %(date)s") % {"days": days, "date": when.isoformat()})


def measure_departments(measure: ControlMeasure) -> set[int]:
    """The departments answerable for a measure: those named on it, and those given its tasks."""
    from django.contrib.contenttypes.models import ContentType

    from tasks.models import TaskAssignment, TaskLink
    task_ids = TaskLink.objects.filter(content_type=ContentType.objects.get_for_model(ControlMeasure),
                                       object_id=measure.pk).values("task_id")
    return (set(measure.departments.values_list("pk", flat=True))
            | set(TaskAssignment.objects.filter(task_id__in=task_ids, department__isnull=False)
                  .values_list("department_id", flat=True)))


def measures_answerable(*, actor, measure_ids) -> set[int]:
    """Of `measure_ids`, the measures whose implementation status `actor` may set: every one for the bureau;
    for a department officer, those naming the officer's department or given to it by a task. Two queries
    whatever the number of measures."""
    from django.contrib.contenttypes.models import ContentType

    from tasks.models import TaskLink
    ids = set(measure_ids)
    if perms.can(actor, "controls.manage_controlledenterprise"):
        return ids
    if not perms.can(actor, "controls.update_measure_status") or not actor.department_id:
        return set()
    named = ControlMeasure.departments.through.objects.filter(
        controlmeasure_id__in=ids, department_id=actor.department_id).values_list("controlmeasure_id", flat=True)
    tasked = TaskLink.objects.filter(
        content_type=ContentType.objects.get_for_model(ControlMeasure), object_id__in=ids,
        task__assignments__department_id=actor.department_id).values_list("object_id", flat=True)
    return set(named) | set(tasked)


# ---------------------------------------------------------------- managing the controlled-enterprise list

def applicable_entries(controlled) -> set[int]:
    """Entry numbers that apply to an enterprise on the list: from its survey basis and from a manual addition."""
    basis = controlled.basis or {}
    return {b["entry"] for b in basis.get("entries", [])} | set(basis.get("manual", []))


def _require_controlled(actor, controlled):
    from .models import ControlledEnterprise
    if actor is None:
        return
    if not perms.can(actor, "controls.manage_controlledenterprise"):
        raise PermissionDenied(_("You do not have permission to do this."))
    if not ControlledEnterprise.objects.visible_to(actor).filter(pk=controlled.pk).exists():
        raise PermissionDenied(_("This region is outside your scope."))


@transaction.atomic
def controlled_enterprise_decide(*, actor, controlled, action: str, reason: str = "", evidence: str = ""):
    """The bureau confirms a derived enterprise, removes one (a reason is required: stopped production,
    substitution complete…) or restores a removed one. Kept through every recomputation."""
    from django.utils import timezone

    from .models import ControlledEnterprise
    _require_controlled(actor, controlled)
    controlled = ControlledEnterprise.objects.select_for_update().get(pk=controlled.pk)
    before = snapshot(controlled, ("status", "removed_reason", "evidence"))
    reason, evidence = (reason or "").strip(), (evidence or "").strip()
    if action == "confirm":
        if controlled.status == EnterpriseStatus.REMOVED:
            raise ValidationError(_("Restore the enterprise before confirming it."))
        controlled.status = EnterpriseStatus.CONFIRMED
    elif action == "remove":
        if not reason:
            raise ValidationError({"reason": _("Give the reason for removing the enterprise.")})
        controlled.status, controlled.removed_reason = EnterpriseStatus.REMOVED, reason
    elif action == "restore":
        if controlled.status != EnterpriseStatus.REMOVED:
            raise ValidationError(_("The enterprise is not removed."))
        controlled.status = EnterpriseStatus.CONFIRMED if applicable_entries(controlled) else EnterpriseStatus.ADDED
        controlled.removed_reason = ""
    else:
        raise ValidationError(_("Unknown action."))
    if evidence:
        controlled.evidence = evidence
    controlled.decided_by, controlled.decided_at = actor, timezone.now()
    controlled.full_clean()
    controlled.save()
    audit_record(actor=actor, action=f"controlled.{action}", obj=controlled, before=before,
                 after=snapshot(controlled, ("status", "removed_reason", "evidence")))
    return controlled


@transaction.atomic
def controlled_enterprise_add(*, actor, clist: ControlList, enterprise, entries, evidence: str):
    """Put an enterprise on the list by hand — evidence from a permit, an inspection… — for the entries named."""
    from django.utils import timezone

    from inventory.models import Enterprise

    from .models import ControlledEnterprise
    if actor is not None and not perms.can(actor, "controls.manage_controlledenterprise"):
        raise PermissionDenied(_("You do not have permission to do this."))
    if clist.status != ListStatus.IN_FORCE:
        raise ValidationError(_("Only a list in force has a controlled-enterprise list."))
    if actor is not None and not Enterprise.objects.visible_to(actor).filter(pk=enterprise.pk).exists():
        raise ValidationError({"enterprise": _("This region is outside your scope.")})
    numbers = sorted({int(n) for n in entries or []})
    errors = {}
    if not (evidence or "").strip():
        errors["evidence"] = [_("Give the evidence (permit, inspection record…) for adding the enterprise.")]
    if not numbers:
        errors["entries"] = [_("Choose the entries of the list that apply.")]
    else:
        known = set(clist.entries.filter(number__in=numbers).values_list("number", flat=True))
        if set(numbers) - known:
            errors["entries"] = [_("Not entries of this list: %s") % "、".join(map(str, sorted(set(numbers) - known)))]
    if errors:
        raise ValidationError(errors)
    controlled = ControlledEnterprise.objects.select_for_update().filter(list=clist, enterprise=enterprise).first()
    if controlled is not None and controlled.status != EnterpriseStatus.REMOVED:
        raise ValidationError({"enterprise": _("%(name)s is already on the list.") % {"name": enterprise.name}})
    controlled = controlled or ControlledEnterprise(list=clist, enterprise=enterprise)
    controlled.status, controlled.removed_reason, controlled.evidence = EnterpriseStatus.ADDED, "", evidence.strip()
    controlled.basis = {**(controlled.basis or {}), "manual": numbers}
    controlled.decided_by, controlled.decided_at = actor, timezone.now()
    controlled.save()
    audit_record(actor=actor, action="controlled.add", obj=controlled,
                 after={"enterprise": enterprise.pk, "entries": numbers, "evidence": controlled.evidence})
    return controlled


@transaction.atomic
def controlled_measure_status_set(*, actor, controlled, measure: ControlMeasure, status: str, note: str = ""):
    """The implementation status of one applicable measure at one enterprise (替代完成, 限期整改, 豁免中, 已停产),
    set by a department answerable for the measure or by the bureau."""
    from .choices import MeasureStatus
    from .models import ControlledEnterprise, ControlledEnterpriseMeasure
    if actor is not None:
        if not perms.can(actor, "controls.update_measure_status"):
            raise PermissionDenied(_("You do not have permission to do this."))
        if not ControlledEnterprise.objects.visible_to(actor).filter(pk=controlled.pk).exists():
            raise PermissionDenied(_("This region is outside your scope."))
        if not measures_answerable(actor=actor, measure_ids=[measure.pk]):
            raise PermissionDenied(_("Only a department responsible for this measure can update its status."))
    if measure.entry.list_id != controlled.list_id or measure.entry.number not in applicable_entries(controlled):
        raise ValidationError({"measure": _("This measure does not apply to the enterprise.")})
    if status not in MeasureStatus.values:
        raise ValidationError({"status": _("Choose a status from the list.")})
    if status in (MeasureStatus.RECTIFYING, MeasureStatus.EXEMPT) and not (note or "").strip():
        raise ValidationError({"note": _("Say what is being rectified or which exemption applies, and until when.")})
    row, _created = ControlledEnterpriseMeasure.objects.select_for_update().get_or_create(
        controlled=controlled, measure=measure)
    before = snapshot(row, ("status", "note"))
    row.status, row.note, row.updated_by = status, (note or "").strip(), actor
    row.save()
    audit_record(actor=actor, action="controlled.measure_status", obj=controlled, before=before,
                 after=snapshot(row, ("status", "note")) | {"measure": measure.pk})
    return row


# ---------------------------------------------------------------- publication (一公开)

PUBLIC_CACHE_VERSION_KEY = "controls:public:version"


def public_cache_version() -> int:
    from django.core.cache import cache
    return cache.get_or_set(PUBLIC_CACHE_VERSION_KEY, 1, None)


def _public_cache_bump():
    from django.core.cache import cache
    try:
        cache.incr(PUBLIC_CACHE_VERSION_KEY)
    except ValueError:
        cache.set(PUBLIC_CACHE_VERSION_KEY, 2, None)


@transaction.atomic
def controlled_list_publish(*, actor, clist: ControlList, region, note: str = ""):
    """Publish the region's controlled-enterprise list as a dated, numbered version with only its public part
    (name, credit code, region, entries, measures — never contacts or quantities); the public page shows it at
    once (its cache is invalidated when the transaction commits)."""
    from django.utils import timezone

    from .models import ControlledEnterpriseListPublication
    from .selectors import publication_content
    if actor is not None:
        if not perms.can(actor, "controls.publish_controlledenterprise"):
            raise PermissionDenied(_("You do not have permission to do this."))
        if not perms.region_visible(actor, region):
            raise PermissionDenied(_("This region is outside your scope."))
    if clist.status != ListStatus.IN_FORCE:
        raise ValidationError(_("Only the controlled-enterprise list of a list in force is published."))
    content = publication_content(clist=clist, region=region)
    last = (ControlledEnterpriseListPublication.objects.select_for_update()
            .filter(region=region, list=clist).order_by("-number").first())
    publication = ControlledEnterpriseListPublication.objects.create(
        region=region, list=clist, number=(last.number + 1) if last else 1, published_at=timezone.now(),
        published_by=actor, snapshot=content, note=(note or "").strip())
    audit_record(actor=actor, action="controlled.publish", obj=publication,
                 after={"number": publication.number, "enterprises": len(content["enterprises"])})
    transaction.on_commit(_public_cache_bump)
    return publication


# ---------------------------------------------------------------- 双随机、一公开 inspections (below this line)
# A draw is reproducible: `random.Random(seed)` over inputs sorted by id, strata in key order, then one sample
# of inspectors per drawn enterprise in drawn order. `result` keeps every input of that computation (candidates
# by stratum, allocation, pool, conflicts of interest), so `draw_verify` recomputes it without reading data
# that may have changed since.
import platform  # noqa: E402
import random  # noqa: E402
import secrets  # noqa: E402
from collections import defaultdict  # noqa: E402
from fractions import Fraction  # noqa: E402

from django.utils import timezone, translation  # noqa: E402

from .choices import DrawStatus, InspectionResult, RectificationStatus  # noqa: E402
from .models import (  # noqa: E402
    ControlledEnterprise,
    Inspection,
    InspectionAttachment,
    InspectionDraw,
    InspectionFinding,
    Rectification,
)

DRAW_METHOD = ("v1: random.Random(seed); per stratum in key order random.sample(candidate ids ascending, n); "
               "then per drawn enterprise random.sample(eligible inspector ids ascending, n_inspectors)")
STRATA_BY = ("", "county", "risk")
RISK_HIGH, RISK_NORMAL = "high", "normal"
CONFLICT_SAME_COUNTY, CONFLICT_CONTACT_NAME, CONFLICT_CONTACT_PHONE = "same_county", "contact_name", "contact_phone"
SEED_MAX_LENGTH = 64
ATTACHMENT_SUFFIX = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg",
                     "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx"}


def _require_inspection(actor, region) -> None:
    """`controls.manage_inspection` and the region in the actor's scope (actor None: the system)."""
    if actor is None:
        return
    if not perms.can(actor, "controls.manage_inspection"):
        raise PermissionDenied(_("You do not have permission to do this."))
    if not perms.region_visible(actor, region):
        raise PermissionDenied(_("This region is outside your scope."))


def _person(user) -> str:
    return (user.real_name or f"{user.last_name}{user.first_name}").strip() or user.username


@transaction.atomic
def draw_create(*, actor, region, list, plan, department, title: str, n_enterprises: int,  # noqa: A002
                n_inspectors: int, pool, strata: dict | None = None,
                exclude_same_county: bool = False) -> InspectionDraw:
    """A draft draw: the list in force whose controlled enterprises are drawn, how many enterprises and how
    many inspectors each, the pool of inspectors (active, of the draw's region), the stratification
    ({"by": "" | "county" | "risk"}), and where rectifications go: a published plan of the draw's region or a
    region above it, and the responsible department."""
    from portal.models import User
    from tasks.choices import PlanStatus

    clist = list
    if region is None:
        raise ValidationError({"region": _("Choose the region of the draw.")})
    _require_inspection(actor, region)
    errors = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = _("Give the draw a title.")
    if not isinstance(n_enterprises, int) or n_enterprises < 1:
        errors["n_enterprises"] = _("Draw at least one enterprise.")
    if not isinstance(n_inspectors, int) or n_inspectors < 1:
        errors["n_inspectors"] = _("Each enterprise needs at least one inspector.")
    by = str((strata or {}).get("by") or "")
    if by not in STRATA_BY:
        errors["strata"] = _("Unknown stratification: %(by)s.") % {"by": by}
    if clist is None:
        errors["list"] = _("Choose the list whose controlled enterprises are drawn.")
    elif clist.status != ListStatus.IN_FORCE:
        errors["list"] = _("Only a list in force can be drawn from.")
    elif actor is not None and not ControlList.objects.visible_to(actor).filter(pk=clist.pk).exists():
        errors["list"] = _("This list does not apply within your scope.")
    if plan is None:
        errors["plan"] = _("Choose the published plan that rectification tasks join.")
    elif plan.status != PlanStatus.PUBLISHED:
        errors["plan"] = _("Rectification tasks can only join a published plan.")
    elif not region.path.startswith(plan.region.path) or (
            actor is not None and not perms.region_visible(actor, plan.region)):
        errors["plan"] = _("Choose a plan of the draw's region or of a region above it, within your scope.")
    if department is None:
        errors["department"] = _("Choose the department responsible for the rectifications.")
    elif not department.is_active or (actor is not None and not perms.region_visible(actor, department.region)):
        errors["department"] = _("Choose an active department within your scope.")
    members = sorted(User.objects.filter(pk__in=[u.pk for u in pool or ()]).select_related("department__region"),
                     key=lambda u: u.pk)
    if not members:
        errors["pool"] = _("Name the inspectors the draw may choose from.")
    else:
        outside = [u for u in members if not u.is_active or u.department_id is None
                   or not u.department.region.path.startswith(region.path)]
        if outside:
            errors["pool"] = _("Not active or not of the draw's region: %(names)s.") % {
                "names": "、".join(_person(u) for u in outside)}
        elif isinstance(n_inspectors, int) and len(members) < n_inspectors:
            errors["pool"] = _("The pool has %(pool)d inspectors, fewer than the %(n)d each enterprise needs.") % {
                "pool": len(members), "n": n_inspectors}
    if errors:
        raise ValidationError(errors)
    draw = InspectionDraw.objects.create(
        region=region, list=clist, plan=plan, department=department, title=title[:200], n_enterprises=n_enterprises,
        n_inspectors=n_inspectors, strata={"by": by}, exclude_same_county=bool(exclude_same_county),
        created_by=actor if getattr(actor, "is_authenticated", False) else None)
    draw.pool.set(members)
    audit_record(actor=actor, action="inspection_draw.create", obj=draw, after={
        "region": region.code, "list": clist.pk, "plan": plan.pk, "department": department.pk,
        "n_enterprises": n_enterprises, "n_inspectors": n_inspectors, "strata": by,
        "exclude_same_county": draw.exclude_same_county, "pool": [u.pk for u in members]})
    return draw


def _allocate(sizes: list[int], n: int) -> tuple[list[int], list[Fraction]]:
    """Proportional allocation of `n` over strata of `sizes` by largest remainder (ties: the larger stratum,
    then the earlier one); when `n` allows, every non-empty stratum gets at least one, taken from the stratum
    furthest above its quota."""
    total = sum(sizes)
    quotas = [Fraction(n * size, total) for size in sizes]
    alloc = [int(q) for q in quotas]
    order = sorted(range(len(sizes)), key=lambda i: (-(quotas[i] - alloc[i]), -sizes[i], i))
    for i in order[:n - sum(alloc)]:
        alloc[i] += 1
    if n >= sum(1 for size in sizes if size):
        for i, size in enumerate(sizes):
            if size and not alloc[i]:
                donor = max((j for j in range(len(sizes)) if alloc[j] > 1),
                            key=lambda j: (alloc[j] - quotas[j], alloc[j], -j))
                alloc[donor] -= 1
                alloc[i] += 1
    return alloc, quotas


def _sample_enterprises(rng: random.Random, groups) -> list[int]:
    """groups: [(member ids ascending, how many)] in stratum order."""
    drawn = []
    for members, k in groups:
        drawn.extend(rng.sample(members, k))
    return drawn


def _sample_inspectors(rng: random.Random, drawn, pool, excluded, n) -> tuple[dict[int, list[int]], list[int]]:
    """Per drawn enterprise, in drawn order, `n` inspectors from the pool (ids ascending) minus those excluded
    for that enterprise. Returns the choice and the enterprises with too few eligible inspectors."""
    chosen, short = {}, []
    for enterprise in drawn:
        eligible = [uid for uid in pool if uid not in excluded.get(enterprise, ())]
        if len(eligible) < n:
            short.append(enterprise)
            chosen[enterprise] = []
            continue
        chosen[enterprise] = rng.sample(eligible, n)
    return chosen, short


def _phone_digits(text: str) -> str:
    digits = re.sub(r"\D", "", text or "")
    return digits[2:] if len(digits) == 13 and digits.startswith("86") else digits


def _conflicts(enterprise: dict, inspector: dict, same_county: bool) -> list[str]:
    """Why an inspector may not inspect an enterprise: from its county (when the draw says so), or its
    contact person (same full name or same phone number)."""
    reasons = []
    county = enterprise["county_path"]
    if same_county and county and (inspector["region_path"] or "").startswith(county):
        reasons.append(CONFLICT_SAME_COUNTY)
    name = inspector["name"]
    if name and name == (enterprise["contact_name"] or "").strip():
        reasons.append(CONFLICT_CONTACT_NAME)
    phone = _phone_digits(inspector["phone"])
    if len(phone) >= 7 and phone == _phone_digits(enterprise["contact_phone"]):
        reasons.append(CONFLICT_CONTACT_PHONE)
    return reasons


def _draw_inputs(draw: InspectionDraw) -> tuple[dict, list, dict, list]:
    """The candidates (controlled enterprises of the list in the draw's region, not removed), their strata
    and the active pool — every list sorted by id."""
    from portal.choices import RegionLevel
    from portal.models import Region

    rows = [*ControlledEnterprise.objects.filter(list=draw.list, enterprise__region__path__startswith=draw.region.path)
            .exclude(status=EnterpriseStatus.REMOVED).order_by("enterprise_id")
            .values_list("enterprise_id", "enterprise__name", "enterprise__region__code", "enterprise__region__name",
                         "enterprise__region__path", "enterprise__contact_name", "enterprise__contact_phone", "basis")]
    codes = {code for row in rows for code in row[4].split("/") if code}
    counties = {code: (name, path) for code, name, path in
                Region.objects.filter(code__in=codes, level=RegionLevel.COUNTY).values_list("code", "name", "path")}
    enterprises = {}
    for pk, name, region_code, region_name, path, contact_name, contact_phone, basis in rows:
        county = next((code for code in path.split("/") if code in counties), None)
        entries = applicable_entries(ControlledEnterprise(basis=basis))  # survey basis and manual additions
        enterprises[pk] = {"name": name, "county": county, "county_path": counties[county][1] if county else None,
                           "region": (region_code, region_name), "contact_name": contact_name,
                           "contact_phone": contact_phone, "entries": len(entries)}
    by = (draw.strata or {}).get("by") or ""
    groups, labels = defaultdict(list), {}
    for pk, e in enterprises.items():
        if by == "county":
            key = e["county"] or e["region"][0]
            labels[key] = counties[key][0] if key in counties else e["region"][1]
        elif by == "risk":
            key = RISK_HIGH if e["entries"] >= 2 else RISK_NORMAL
        else:
            key = ""
        groups[key].append(pk)
    keys = sorted(groups, key=lambda k: (k != RISK_HIGH, k))
    strata = [{"key": key, "label": labels.get(key, ""), "members": groups[key]} for key in keys]
    pool = [{"pk": pk, "name": (real or f"{last}{first}").strip(), "phone": phone, "region_path": path,
             "active": active}
            for pk, real, last, first, phone, path, active in
            draw.pool.order_by("pk").values_list("pk", "real_name", "last_name", "first_name", "phone",
                                                 "department__region__path", "is_active")]
    return enterprises, strata, {"by": by}, pool


@transaction.atomic
def draw_run(*, actor, draw: InspectionDraw, seed: str | None = None) -> InspectionDraw:
    """双随机: draw the enterprises at random from the list's controlled enterprises in the draw's region
    (stratified when the draw says so), then for each the inspectors at random from the pool minus those
    with a conflict of interest, from `seed` (a new random one when none is given). The result, with every
    input, is recorded and the inspections created. Asking again with the recorded seed (or none) returns
    the recorded draw unchanged; another seed is refused."""
    draw = InspectionDraw.objects.select_for_update(of=("self",)).select_related("region", "list").get(pk=draw.pk)
    _require_inspection(actor, draw.region)
    seed = (seed or "").strip()
    if draw.status != DrawStatus.DRAFT:
        if seed and seed != draw.seed:
            raise ValidationError({"seed": ValidationError(
                _("The draw is already recorded; it cannot be drawn again with a different seed."),
                code="seed_mismatch")})
        return draw
    if not seed:
        seed = secrets.token_hex(8)
    elif len(seed) > SEED_MAX_LENGTH or not seed.isprintable():
        raise ValidationError({"seed": _("A seed is at most %(max)d printable characters.") % {"max": SEED_MAX_LENGTH}})
    if draw.list is None or draw.list.status != ListStatus.IN_FORCE:
        raise ValidationError(_("Only a list in force can be drawn from."))

    enterprises, strata, spec, pool = _draw_inputs(draw)
    if not enterprises:
        raise ValidationError(_("No enterprise of the list is in the draw's region."), code="no_candidates")
    if draw.n_enterprises > len(enterprises):
        raise ValidationError(_("Only %(found)d enterprises of the list are in the draw's region, fewer than the "
                                "%(n)d to draw.") % {"found": len(enterprises), "n": draw.n_enterprises},
                              code="too_few_enterprises")
    alloc, quotas = _allocate([len(s["members"]) for s in strata], draw.n_enterprises)
    for stratum, k, quota in zip(strata, alloc, quotas, strict=True):
        stratum.update(n=k, quota=f"{float(quota):.2f}")
    rng = random.Random(seed)
    drawn = _sample_enterprises(rng, [(s["members"], s["n"]) for s in strata])
    active = [p for p in pool if p["active"]]
    exclusions, excluded = [], defaultdict(set)
    for enterprise in drawn:  # conflicts of interest are taken out before the inspectors are drawn
        for inspector in active:
            reasons = _conflicts(enterprises[enterprise], inspector, draw.exclude_same_county)
            if reasons:
                exclusions.append({"enterprise": enterprise, "inspector": inspector["pk"], "reasons": reasons})
                excluded[enterprise].add(inspector["pk"])
    pool_ids = [p["pk"] for p in active]
    chosen, short = _sample_inspectors(rng, drawn, pool_ids, excluded, draw.n_inspectors)
    if short:
        raise ValidationError(
            _("Too few inspectors without a conflict of interest for %(enterprises)s: each needs %(n)d.") % {
                "enterprises": "、".join(enterprises[e]["name"] for e in short), "n": draw.n_inspectors},
            code="too_few_inspectors")

    draw.seed, draw.status, draw.drawn_at = seed, DrawStatus.DRAWN, timezone.now()
    draw.drawn_by = actor if getattr(actor, "is_authenticated", False) else None
    draw.result = {
        "seed": seed, "method": DRAW_METHOD, "python": platform.python_version(), "by": spec["by"],
        "n_enterprises": draw.n_enterprises, "n_inspectors": draw.n_inspectors,
        "exclude_same_county": draw.exclude_same_county, "candidates": sorted(enterprises), "strata": strata,
        "pool": pool_ids, "inactive": [p["pk"] for p in pool if not p["active"]], "exclusions": exclusions,
        "drawn": [{"enterprise": e, "inspectors": chosen[e]} for e in drawn]}
    draw.save(update_fields=["seed", "status", "drawn_at", "drawn_by", "result"])
    inspections = Inspection.objects.bulk_create([Inspection(draw=draw, enterprise_id=e) for e in drawn])
    through = Inspection.inspectors.through
    through.objects.bulk_create([through(inspection_id=i.pk, user_id=uid)
                                 for i in inspections for uid in chosen[i.enterprise_id]])
    audit_record(actor=actor, action="inspection_draw.run", obj=draw, after={
        "seed": seed, "candidates": len(enterprises), "allocation": {s["key"] or "all": s["n"] for s in strata},
        "enterprises": drawn, "exclusions": len(exclusions)})
    _notify_inspectors(draw, inspections, chosen, enterprises)
    return draw


def _notify_inspectors(draw, inspections, chosen, enterprises) -> None:
    from django.urls import reverse

    from portal.models import User
    from portal.services import notification_send

    users = User.objects.in_bulk({uid for uids in chosen.values() for uid in uids})

    def send():
        for inspection in inspections:
            notification_send(recipients=[users[uid] for uid in chosen[inspection.enterprise_id]],
                              title=_("Drawn to inspect %(enterprise)s") % {
                                  "enterprise": enterprises[inspection.enterprise_id]["name"]},
                              body=draw.title, link=reverse("controls:inspection_detail", args=[inspection.pk]))

    transaction.on_commit(send)


def draw_verify(draw: InspectionDraw) -> dict:
    """Recompute a recorded draw from its seed and recorded inputs: does the allocation follow from the strata,
    do the seed and inputs give the recorded enterprises and inspectors, and do the inspection records match?"""
    result = draw.result or {}
    if draw.status == DrawStatus.DRAFT or "drawn" not in result:
        return {"drawn": False, "matches": False}
    strata = result["strata"]
    alloc, _quotas = _allocate([len(s["members"]) for s in strata], result["n_enterprises"])
    allocation_ok = (alloc == [s["n"] for s in strata]
                     and sorted(m for s in strata for m in s["members"]) == result["candidates"])
    rng = random.Random(result["seed"])
    drawn = _sample_enterprises(rng, [(s["members"], s["n"]) for s in strata])
    excluded = defaultdict(set)
    for item in result["exclusions"]:
        excluded[item["enterprise"]].add(item["inspector"])
    chosen, short = _sample_inspectors(rng, drawn, result["pool"], excluded, result["n_inspectors"])
    recomputed = [{"enterprise": e, "inspectors": chosen[e]} for e in drawn]
    sample_ok = not short and recomputed == result["drawn"]
    rows = {e: [] for e in draw.inspections.values_list("enterprise_id", flat=True)}
    for enterprise, user in Inspection.inspectors.through.objects.filter(inspection__draw=draw).values_list(
            "inspection__enterprise_id", "user_id"):
        rows[enterprise].append(user)
    records_ok = ({e: sorted(u) for e, u in rows.items()}
                  == {d["enterprise"]: sorted(d["inspectors"]) for d in result["drawn"]})
    return {"drawn": True, "seed": result["seed"], "method": result.get("method", ""),
            "python": result.get("python", ""), "matches": allocation_ok and sample_ok and records_ok,
            "allocation_ok": allocation_ok, "sample_ok": sample_ok, "records_ok": records_ok,
            "recomputed": recomputed}


def inspection_can_record(*, actor, inspection: Inspection) -> bool:
    """A drawn inspector of this inspection, or inspection staff whose scope covers the draw's region."""
    if actor is None:
        return True
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return False
    if inspection.inspectors.filter(pk=actor.pk).exists():
        return True
    return perms.can(actor, "controls.manage_inspection") and perms.region_visible(actor, inspection.draw.region)


@transaction.atomic
def inspection_record(*, actor, inspection: Inspection, inspected_on, result: str, summary: str = "",
                      findings=(), files=()) -> Inspection:
    """Record an inspection once: date (not in the future, not before the draw), result, summary, findings
    (each optionally against a measure that applies to the enterprise) and documents checked by content.
    Under 限期整改 every finding needs what must be corrected and a deadline after the inspection; each becomes
    a rectification whose deadline is a task of the draw's plan led by the draw's department, so reminders
    cover it. Everything in one transaction: nothing is saved when anything is wrong.
    `findings`: [{"measure": id | ControlMeasure | None, "text", "requirement", "deadline"}]."""
    from portal.files import evidence_check
    from tasks.services import task_create_linked

    from .selectors import applicable_measures

    inspection = (Inspection.objects.select_for_update(of=("self",))
                  .select_related("draw__region", "draw__list", "draw__plan__region", "draw__department",
                                  "enterprise").get(pk=inspection.pk))
    draw, enterprise = inspection.draw, inspection.enterprise
    if not inspection_can_record(actor=actor, inspection=inspection):
        raise PermissionDenied(_("Only a drawn inspector or inspection staff of the region may record this "
                                 "inspection."))
    if inspection.approved:
        raise ValidationError(_("An approved inspection can no longer be changed."), code="approved")
    if inspection.recorded_at is not None:
        raise ValidationError(_("This inspection is already recorded."), code="recorded")

    errors = defaultdict(list)
    if inspected_on is None:
        errors["inspected_on"].append(_("Give the date of the inspection."))
    elif inspected_on > timezone.localdate():
        errors["inspected_on"].append(_("The inspection date cannot be in the future."))
    elif draw.drawn_at and inspected_on < timezone.localtime(draw.drawn_at).date():
        errors["inspected_on"].append(_("The inspection date cannot be before the draw (%(date)s).") % {
            "date": timezone.localtime(draw.drawn_at).date().isoformat()})
    if result not in InspectionResult.values:
        errors["result"].append(_("Choose the result of the inspection."))
    applicable = {m.pk: m for m in applicable_measures(clist=draw.list, enterprise=enterprise)}
    rows = []
    for number, item in enumerate(findings or (), start=1):
        text = str(item.get("text") or "").strip()
        requirement = str(item.get("requirement") or "").strip()
        deadline = item.get("deadline") or None
        ref = item.get("measure")
        if not text:
            errors["findings"].append(_("Finding %(n)d: describe what was found.") % {"n": number})
        measure = None
        if ref not in (None, ""):
            try:
                measure = applicable.get(int(getattr(ref, "pk", ref)))
            except (TypeError, ValueError):
                measure = None
            if measure is None:
                named = ref if isinstance(ref, ControlMeasure) else (
                    ControlMeasure.objects.select_related("entry").filter(pk=ref).first()
                    if str(ref).isdigit() else None)
                errors["findings"].append(_("Finding %(n)d: the measure “%(measure)s” does not apply to "
                                            "%(enterprise)s.") % {"n": number, "measure": named or ref,
                                                                  "enterprise": enterprise.name})
        rectify = result == InspectionResult.RECTIFY or (result == InspectionResult.CASE
                                                         and bool(requirement or deadline))
        if result == InspectionResult.COMPLIANT and (requirement or deadline):
            errors["findings"].append(_("Finding %(n)d: a compliant inspection sets no rectification; choose "
                                        "“rectification with a deadline”.") % {"n": number})
        elif rectify:
            if not requirement:
                errors["findings"].append(_("Finding %(n)d: state what must be corrected.") % {"n": number})
            if deadline is None:
                errors["findings"].append(_("Finding %(n)d: give the deadline of the rectification.")
                                          % {"n": number})
            elif inspected_on is not None and deadline <= inspected_on:
                errors["findings"].append(_("Finding %(n)d: the rectification deadline must be after the "
                                            "inspection date.") % {"n": number})
        rows.append((text, measure, requirement, deadline, rectify))
    if result == InspectionResult.RECTIFY and not rows:
        errors["findings"].append(_("A rectification with a deadline needs at least one finding."))
    if any(row[4] for row in rows) and (draw.plan is None or draw.department is None):
        errors["findings"].append(_("The draw names no plan and department for rectification tasks."))
    checked = []
    for upload in files or ():
        try:
            checked.append((upload, *evidence_check(upload)))
        except ValidationError as exc:
            errors["files"].extend(exc.messages)
    if errors:
        raise ValidationError(dict(errors))

    inspection.inspected_on, inspection.result, inspection.summary = inspected_on, result, (summary or "").strip()
    inspection.recorded_by = actor if getattr(actor, "is_authenticated", False) else None
    inspection.recorded_at = timezone.now()
    inspection.save(update_fields=["inspected_on", "result", "summary", "recorded_by", "recorded_at"])
    # A county inspector of a city draw does not see the city's plan; the task is then created on the authority
    # of this record (checked above), and this record's audit event names it.
    task_actor = actor
    if actor is not None and draw.plan is not None and not perms.region_visible(actor, draw.plan.region):
        task_actor = None
    rectifications, tasks = [], []
    with translation.override(settings.LANGUAGE_CODE):  # task titles are data, in the portal's language
        for text, measure, requirement, deadline, rectify in rows:
            finding = InspectionFinding.objects.create(inspection=inspection, measure=measure, text=text)
            if not rectify:
                continue
            rectification = Rectification.objects.create(finding=finding, requirement=requirement, deadline=deadline)
            task, _created = task_create_linked(
                actor=task_actor, plan=draw.plan, target=rectification, deadline=deadline,
                departments=[draw.department],
                title=_("Rectification: %(enterprise)s — %(finding)s") % {"enterprise": enterprise.name,
                                                                         "finding": text[:80]},
                text=_("Finding: %(finding)s\nRequired: %(requirement)s") % {"finding": text,
                                                                             "requirement": requirement},
                label=pgettext("task label", "Rectification"))
            rectification.task = task
            rectification.save(update_fields=["task"])
            rectifications.append(rectification.pk)
            tasks.append(task.pk)
    stored = []
    for upload, content_type, sha256 in checked:  # files last: nothing reaches the storage if a row fails
        attachment = InspectionAttachment(inspection=inspection, original_name=upload.name[:255],
                                          content_type=content_type, size=upload.size, sha256=sha256,
                                          uploaded_by=actor)
        attachment.file.save(f"{sha256[:16]}{ATTACHMENT_SUFFIX.get(content_type, '')}", upload, save=False)
        attachment.save()
        stored.append({"file": attachment.original_name, "sha256": sha256, "size": attachment.size})
    audit_record(actor=actor, action="inspection.record", obj=inspection, after={
        "inspected_on": inspected_on.isoformat(), "result": result, "findings": len(rows),
        "rectifications": rectifications, "tasks": tasks, "files": stored})
    return inspection


@transaction.atomic
def rectification_verify(*, actor, rectification: Rectification, note: str) -> Rectification:
    """Verify a rectification on site: it is closed with the note, and its task is closed (办结)."""
    from tasks.services import task_close_linked

    rectification = (Rectification.objects.select_for_update(of=("self",))
                     .select_related("finding__inspection__draw__region", "task").get(pk=rectification.pk))
    _require_inspection(actor, rectification.finding.inspection.draw.region)
    if rectification.status == RectificationStatus.CLOSED:
        raise ValidationError(_("This rectification is already verified and closed."), code="closed")
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Describe how the correction was verified.")})
    rectification.status, rectification.verification_note = RectificationStatus.CLOSED, note
    rectification.verified_at = timezone.now()
    rectification.verified_by = actor if getattr(actor, "is_authenticated", False) else None
    rectification.save(update_fields=["status", "verification_note", "verified_at", "verified_by"])
    if rectification.task is not None:
        task_close_linked(actor=actor, task=rectification.task, note=note)
    audit_record(actor=actor, action="rectification.verify", obj=rectification,
                 after={"note": note, "task": rectification.task_id})
    return rectification


@transaction.atomic
def inspection_approve(*, actor, inspection: Inspection) -> Inspection:
    """Approve a recorded inspection for publication; someone other than its recorder approves it."""
    inspection = (Inspection.objects.select_for_update(of=("self",)).select_related("draw__region")
                  .get(pk=inspection.pk))
    _require_inspection(actor, inspection.draw.region)
    if inspection.recorded_at is None:
        raise ValidationError(_("The inspection has not been recorded yet."), code="not_recorded")
    if inspection.approved:
        raise ValidationError(_("This inspection is already approved."), code="approved")
    if actor is not None and inspection.recorded_by_id == actor.pk:
        raise PermissionDenied(_("An inspection record is approved by someone other than the one who recorded it."))
    inspection.approved, inspection.approved_at = True, timezone.now()
    inspection.approved_by = actor if getattr(actor, "is_authenticated", False) else None
    inspection.save(update_fields=["approved", "approved_by", "approved_at"])
    audit_record(actor=actor, action="inspection.approve", obj=inspection, after={"approved": True})
    return inspection


@transaction.atomic
def draw_publish(*, actor, draw: InspectionDraw) -> tuple[InspectionDraw, int]:
    """一公开: publish the results of the draw's approved inspections (unapproved ones stay unpublished; publish
    again once they are approved). Returns the draw and how many were published now."""
    draw = InspectionDraw.objects.select_for_update(of=("self",)).select_related("region").get(pk=draw.pk)
    _require_inspection(actor, draw.region)
    if draw.status == DrawStatus.DRAFT:
        raise ValidationError(_("Draw the enterprises before publishing."), code="draft")
    pending = [*draw.inspections.filter(approved=True, published=False).values_list("pk", flat=True)]
    if not pending:
        raise ValidationError(_("No approved inspection is waiting to be published."), code="nothing")
    Inspection.objects.filter(pk__in=pending).update(published=True)
    draw.status = DrawStatus.PUBLISHED
    draw.published_at = draw.published_at or timezone.now()
    draw.save(update_fields=["status", "published_at"])
    audit_record(actor=actor, action="inspection_draw.publish", obj=draw, after={"inspections": pending})
    transaction.on_commit(_public_cache_bump)  # the public page shows the results at once
    return draw, len(pending)
