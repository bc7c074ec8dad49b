"""Control-list entries (清单条目) and their measures (管控措施, 一品一策) imported from a spreadsheet into one
draft list, through the inventory's import flow (upload → every row checked → preview by row and column →
confirm → all or nothing, audited), and exported in exactly the template's format, so that a list exported,
edited and imported again changes only what was edited.

The list is the kind's target (ImportKind.target): the import page is opened from the list, with
?kind=control_entries&target=<list id>. Only a draft edition is written into, by users who may edit control
lists — the rule of the services (controls.services._require_list), checked on upload, on checking and
again on writing, with the list locked.

Natural keys: an entry is (list, 序号). A measure is (list, 条目序号, 措施类型, 适用范围) — as the reference
lists are loaded —; rows with the same key are matched, in file order, to the existing measures with that key
in the order they were created. Nothing is deleted: entries and measures the file does not name stay as they
are. A column left out of the file leaves its field as it is; a blank cell in a column that is there clears
the field, so an exported file, edited, states everything about each of its rows (a 待核实事项 cleared after
verification is cleared on import)."""
from __future__ import annotations

import re
import unicodedata
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from inventory.identifiers import cas_normalise
from inventory.importers import (
    Checked,
    Column,
    ImportKind,
    _cell_str,
    _code,
    _duplicate,
    _finish,
    _in_steps,
    _overwritten,
    _plain,
    _report,
    _require_commit,
    _require_import,
    _Row,
    _Sheet,
    _text_cell,
    _write,
    register,
    template_workbook,
)
from inventory.models import ImportRecord, Substance
from inventory.sheets import CellError, parse_bool, parse_date, parse_decimal
from portal.models import Department, DepartmentAlias
from portal.services import audit_record

from .choices import EntryCategory, MeasureType
from .models import ControlEntry, ControlList, ControlMeasure, EntrySubstance
from .services import _require_list

ENTRIES = "control_entries"
MEASURES = "control_measures"
YES, NO = "是", "否"
MAX_NUMBER = 32767                  # PositiveSmallIntegerField
MAX_TASK_DAYS = 3650                # as services.measure_task_create allows
CAS_SEPARATORS = re.compile(r"[、;；,，\r\n]+")
NAME_SEPARATORS = re.compile(r"[、;；,，\r\n]+")


def _fold(text) -> str:
    return "".join(unicodedata.normalize("NFKC", str(text or "")).split()).casefold()


def _labels(choices) -> tuple[dict, dict]:
    """value → Chinese label (the template and the exports are in Chinese whatever the user's language), and
    every accepted way of writing a value → value: the Chinese label, the English one and the code."""
    with translation.override("zh-hans"):
        chinese = {value: str(label) for value, label in choices}
    with translation.override("en"):
        english = {value: str(label) for value, label in choices}
    accepted = {}
    for value in chinese:
        for text in (value, english[value], chinese[value]):
            accepted.setdefault(_fold(text), value)
    return chinese, accepted


CATEGORY_LABELS, CATEGORIES = _labels(EntryCategory.choices)
MEASURE_LABELS, MEASURE_TYPES = _labels(MeasureType.choices)

COMMON_NOTES = (
    "只能导入草稿状态的清单：请从清单页面进入导入；已施行的清单请先起草新版本，再导入新版本。",
    "某列留空即清空该项（如核实完毕后清空“待核实事项”）；整列删去则该项保持原值。文件中未列出的条目和措施保持不变，"
    "不会删除。",
    "从清单页面导出的文件与本模板格式一致，可直接修改后导入；未修改的行不会产生任何变更。",
)

ENTRY_COLUMNS = [
    Column("number", "序号", True, "条目在清单中的序号，同一清单内唯一；序号已存在的条目被更新，不存在的新增",
           "1 至 32767 的整数"),
    Column("code", "编码", False, "清单自身的编码", "如 PC001，不超过 20 个字符", text=True),
    Column("name", "名称", True, "条目名称，按清单原文", "不超过 300 个字符"),
    Column("name_en", "英文名称", False, "", "不超过 300 个字符"),
    Column("category", "类别", True, "", " / ".join(CATEGORY_LABELS.values()), tuple(CATEGORY_LABELS.values())),
    Column("is_group", "是否类别", False, "一类物质（如 PFOS类）填 是，可列多个CAS号；单一物质填 否，只能有一个CAS号",
           "是 / 否", (YES, NO)),
    Column("cas", "CAS号", False, "条目的全部CAS号，替换原有的；多个用 、 或 ; 分隔，或每行一个；可带或不带连字符，"
           "全角字符自动规范", "如 1763-23-1、307-35-7", text=True),
    Column("covers", "涵盖范围", False, "条目还涵盖的物质", "如 及其盐类和相关化合物"),
    Column("summary", "管控要求原文", False, "清单原文中的管控要求"),
    Column("verified", "已核实", False, "CAS号和管控措施已与原文核对", "是 / 否", (YES, NO)),
    Column("to_confirm", "待核实事项", False, "尚需核实或补充的内容；核实完毕后清空"),
]
ENTRY_NOTES = (
    "按“序号”匹配本清单已有条目。同一清单中其他条目已有的CAS号：单一物质条目给出提示（不影响导入），"
    "类别条目之间允许重复。",
    *COMMON_NOTES,
)
ENTRY_FIELDS = ("code", "name", "name_en", "category", "is_group", "covers", "summary", "verified", "to_confirm")

MEASURE_COLUMNS = [
    Column("entry", "条目序号", True, "措施所属条目的序号；条目须已在本清单中（先导入清单条目）", "1 至 32767 的整数"),
    Column("type", "措施类型", True, "", " / ".join(MEASURE_LABELS.values()), tuple(MEASURE_LABELS.values())),
    Column("scope", "适用范围", False, "同一条目、同一措施类型、同一适用范围视为同一条措施；修改适用范围即新增一条措施"),
    Column("effective_on", "施行日期", False, "", "如 2024-03-01"),
    Column("ends_on", "截止日期", False, "豁免用途必填；不得早于施行日期", "如 2025-12-31"),
    Column("legal_basis", "法律依据", False, "", "如 《重点管控新污染物清单（2023年版）》"),
    Column("departments", "责任部门", False, "部门全称、简称或别名，多个用 、 分隔；须为本人所属区划范围内的部门",
           "如 市生态环境局、市农业农村局"),
    Column("task_days_after", "到期后任务天数", False, "截止日期（无截止日期时为施行日期）后多少天到期的督办任务",
           "0 至 3650 的整数"),
    Column("verified", "已核实", False, "措施已与原文核对", "是 / 否", (YES, NO)),
]
MEASURE_NOTES = (
    "按“条目序号、措施类型、适用范围”匹配已有措施：相同的更新，不同的新增；修改了适用范围的原措施保留，"
    "如需删除请在清单页面操作。",
    *COMMON_NOTES,
)
MEASURE_FIELDS = ("scope", "effective_on", "ends_on", "legal_basis", "verified", "task_days_after")


# ---------------------------------------------------------------- the list written into

def control_list_target(actor, pk) -> ControlList:
    """ImportKind.target of both kinds: the list with this id, if the actor sees it and may edit it (a draft
    edition in their scope, with the permission to edit control lists)."""
    if not pk:
        raise ValidationError(_("Open the import from the control list the rows go into."), code="required")
    lists = ControlList.objects.all() if actor is None else ControlList.objects.visible_to(actor)
    clist = lists.select_related("region").filter(pk=pk).first()
    if clist is None:
        raise ValidationError(_("This control list does not exist or is outside your scope."), code="not_found")
    _require_list(actor, clist)
    return clist


def _list_for(actor, target: ControlList | None) -> ControlList:
    _require_import(actor)
    if target is None:
        raise ValidationError(_("Open the import from the control list the rows go into."), code="required")
    _require_list(actor, target)
    return target


def _lock(actor, clist: ControlList) -> None:
    """Inside the writing transaction: the list cannot come into force half-way through the import."""
    ControlList.objects.select_for_update().filter(pk=clist.pk).first()
    _require_list(actor, clist)


# ---------------------------------------------------------------- cells

def _present(sheet: _Sheet, table) -> set[str]:
    """The kind's columns the file has (a column left out keeps its field as it is)."""
    width = len(table.headers)
    return {key for key, index in sheet.index.items() if index < width}


def _long_text(value) -> str:
    """Free text as written, line breaks kept, trimmed."""
    return _cell_str(value).replace("\r\n", "\n").replace("\r", "\n").strip()


def _whole(row: _Row, key, cell, low, high, *, required=False):
    text = _cell_str(cell)
    if not text:
        if required:
            row.error(key, _("required"), "required")
        return None
    try:
        number = parse_decimal(cell)
    except CellError:
        number = None
    if number is None or number != number.to_integral_value() or not low <= number <= high:
        row.error(key, _("“%(value)s” is not a whole number between %(low)d and %(high)d")
                  % {"value": text, "low": low, "high": high}, "not_whole_number")
        return None
    return int(number)


def _yes_no(row: _Row, key, cell) -> bool:
    try:
        return parse_bool(cell)
    except CellError as exc:
        row.error(key, str(exc), exc.code)
        return False


def _date(row: _Row, key, cell):
    try:
        return parse_date(cell)
    except CellError as exc:
        row.error(key, str(exc), exc.code)
        return None


def _choice(row: _Row, key, cell, accepted, labels):
    text = _cell_str(cell)
    if not text:
        row.error(key, _("required"), "required")
        return None
    value = accepted.get(_fold(text))
    if value is None:
        row.error(key, _("“%(value)s” is not one of %(allowed)s") % {"value": text, "allowed": "、".join(labels.values())},
                  "choice")
    return value


def _cas_cell(row: _Row, cell) -> list[str]:
    """Every CAS number of the cell, canonical, each once; a wrong one is an error naming it."""
    found = []
    for token in CAS_SEPARATORS.split(_cell_str(cell)):
        if not token.strip():
            continue
        try:
            cas = cas_normalise(token)
        except ValidationError as exc:
            row.error("cas", exc.messages[0], exc.error_list[0].code or "cas_check")
            continue
        if cas not in found:
            found.append(cas)
    return found


# How a stored value is read back from a cell, so that a value stored with other spacing is not "changed".
_AS_READ = {"code": _code, "name": _plain, "name_en": _plain}


def _same(name, before, after) -> bool:
    if isinstance(after, str) or isinstance(before, str):
        return _AS_READ.get(name, _long_text)(before) == after
    return before == after


def _yes(value: bool) -> str:
    return YES if value else NO


# ---------------------------------------------------------------- entries

def _entry_values(row: _Row, cells: dict, present: set[str]) -> dict:
    values = {"number": _whole(row, "number", cells["number"], 1, MAX_NUMBER, required=True)}
    if "code" in present:
        values["code"] = _text_cell(row, "code", cells["code"], 20, code=True)
    values["name"] = _text_cell(row, "name", cells["name"], 300)
    if not values["name"]:
        row.error("name", _("required"), "required")
    if "name_en" in present:
        values["name_en"] = _text_cell(row, "name_en", cells["name_en"], 300)
    values["category"] = _choice(row, "category", cells["category"], CATEGORIES, CATEGORY_LABELS)
    for key in ("is_group", "verified"):
        if key in present:
            values[key] = _yes_no(row, key, cells[key])
    if "cas" in present:
        values["cas"] = _cas_cell(row, cells["cas"])
    for key in ("covers", "summary", "to_confirm"):
        if key in present:
            values[key] = _long_text(cells[key])
    return values


def _shown_entry_value(name, value):
    return CATEGORY_LABELS.get(value, value) if name == "category" else value


def check_entries(table, *, actor, campaign=None, progress=None, target: ControlList | None = None) -> Checked:
    """Validate every row of a file of entries for the draft list `target`; nothing is written."""
    clist = _list_for(actor, target)
    _report(progress, 0)
    result = Checked(kind=ENTRIES, rows=len(table.rows))
    sheet = _Sheet(table, ENTRY_COLUMNS, result)
    present, header = _present(sheet, table), sheet.header
    existing = {e.number: e for e in clist.entries.prefetch_related(
        Prefetch("entry_substances", queryset=EntrySubstance.objects.order_by("pk")))}
    old_cas = {number: [link.cas for link in entry.entry_substances.all()] for number, entry in existing.items()}
    result.refs["list"] = clist.pk
    _report(progress, 10)

    parsed, seen = [], {}
    for chunk in _in_steps(list(sheet.dicts()), progress, 10, 80):
        for number, cells in chunk:
            row = _Row(number, header)
            values = _entry_values(row, cells, present)
            key = values["number"]
            if key is not None:
                if key in seen:
                    _duplicate(row, "number", seen[key], header["number"])
                else:
                    seen[key] = number
            old = existing.get(key)
            is_group = values.get("is_group", old.is_group if old else False)
            cas = values.get("cas", old_cas.get(key, []))
            if not is_group and len(cas) > 1:
                row.error("cas" if "cas" in present else "is_group",
                          _("A single-substance entry has one CAS number; mark it as a group to list several."),
                          "several_cas")
            if not row.errors:
                parsed.append((row, values, old, is_group, cas))
            result.errors += row.errors
            result.warnings += row.warnings

    # A CAS number another entry of the edition has — as it will be after the import — is flagged for single
    # substances; groups may overlap (salts, related compounds), as services.entry_save decides.
    final = {n: (entry.is_group, old_cas[n], entry.name) for n, entry in existing.items()}
    for _row, values, _old, is_group, cas in parsed:
        final[values["number"]] = (is_group, cas, values["name"])
    holders = defaultdict(list)
    for n, (_group, cas, _name) in sorted(final.items()):
        for one in cas:
            holders[one].append(n)
    for row, values, _old, is_group, cas in parsed:
        if "cas" not in present:
            continue
        for one in cas:
            others = [n for n in holders[one] if n != values["number"] and not (is_group and final[n][0])]
            if others:
                row.warn("cas", _("CAS %(cas)s is also in entry %(entries)s of this list.") % {
                    "cas": one, "entries": "、".join(f"{n}（{final[n][2]}）" for n in others)}, "cas_elsewhere")
                result.warnings.append(row.warnings[-1])

    for _row, values, old, _is_group, cas in parsed:
        if old is None:
            entry = ControlEntry(list=clist, **{k: v for k, v in values.items() if k != "cas"})
            entry._import_cas = cas
            result.new.append(entry)
            continue
        diff = {name: (_shown_entry_value(name, getattr(old, name)), _shown_entry_value(name, values[name]))
                for name in ENTRY_FIELDS if name in values and not _same(name, getattr(old, name), values[name])}
        if "cas" in values and set(values["cas"]) != set(old_cas[old.number]):
            diff["cas"] = (old_cas[old.number], values["cas"])
        if diff:
            old._import_values = values
            result.changed.append((old, diff))
        else:
            result.unchanged += 1
    result.warnings.sort(key=lambda w: w.row)
    _report(progress, 100)
    return result


def commit_entries(*, actor, campaign=None, checked: Checked, file_name: str, data: bytes, progress=None,
                   record: ImportRecord | None = None, target: ControlList | None = None) -> ImportRecord:
    """Write checked entries in one transaction: new entries with their CAS numbers, changed fields, and the
    CAS numbers of changed entries replaced by the file's."""
    clist = _list_for(actor, target)
    _require_commit(actor, checked, ENTRIES)
    if checked.refs.get("list") != clist.pk:
        raise ValueError("the file was checked for another list")

    def write():
        _lock(actor, clist)
        _report(progress, 0)
        ControlEntry.objects.bulk_create(checked.new)
        links = [(entry, cas) for entry in checked.new for cas in entry._import_cas]
        overwritten, fields = [], set()
        for entry, diff in checked.changed:
            values = entry._import_values
            for name in ENTRY_FIELDS:
                if name in values:
                    setattr(entry, name, values[name])
                    fields.add(name)
            if "cas" in diff:
                EntrySubstance.objects.filter(entry=entry).exclude(cas__in=values["cas"]).delete()
                links += [(entry, cas) for cas in values["cas"] if cas not in diff["cas"][0]]
            overwritten += _overwritten(f"{entry.number}. {entry.name}", entry.pk, diff)
        if fields:
            ControlEntry.objects.bulk_update([entry for entry, _diff in checked.changed], sorted(fields))
        _report(progress, 60)
        directory = dict(Substance.objects.filter(cas__in={cas for _entry, cas in links}).values_list("cas", "pk"))
        EntrySubstance.objects.bulk_create(EntrySubstance(entry=entry, cas=cas, substance_id=directory.get(cas))
                                           for entry, cas in links)
        return _finished(ENTRIES, actor, clist, checked, file_name, data, overwritten, record)

    return _write(write)


def _finished(kind, actor, clist, checked, file_name, data, overwritten, record):
    """The ImportRecord and the import's audit event (as every kind), and an event on the list itself so that
    its history shows the import."""
    record = _finish(kind=kind, actor=actor, campaign=None, checked=checked, file_name=file_name, data=data,
                     overwritten=overwritten, record=record, after={"list": clist.pk, "list_name": str(clist)},
                     detail="；".join(str(w) for w in checked.warnings if w.code != "unknown_column"))
    audit_record(actor=actor, action=f"control_list.import.{kind.removeprefix('control_')}", obj=clist,
                 after={"import": record.pk, "file": file_name, "sha256": record.sha256, "created": record.created,
                        "updated": record.updated, "unchanged": record.unchanged})
    return record


# ---------------------------------------------------------------- measures

class _Departments:
    """Department names as a file writes them → departments: the full name, an alias or a short name, among
    the active departments in the actor's scope — and the departments the list's measures already name, so
    that an exported file reads back as it is."""

    def __init__(self, actor, measures):
        scope = Department.objects.filter(is_active=True)
        if actor is not None:
            scope = scope.visible_to(actor)
        departments = list(scope)
        self.by_name = {_fold(d.name): d for d in departments}
        for measure in measures:
            for department in measure.departments.all():
                self.by_name.setdefault(_fold(department.name), department)
        self.by_alias = {_fold(a.name): a.department
                         for a in DepartmentAlias.objects.filter(department__in=departments).select_related("department")}
        self.by_short = defaultdict(list)
        for department in departments:
            if department.short_name:
                self.by_short[_fold(department.short_name)].append(department)

    def read(self, row: _Row, cell) -> list:
        found = []
        for name in NAME_SEPARATORS.split(_cell_str(cell)):
            name = _plain(name)
            if not name:
                continue
            key = _fold(name)
            department = self.by_name.get(key) or self.by_alias.get(key)
            if department is None:
                candidates = self.by_short.get(key, [])
                if len(candidates) > 1:
                    row.error("departments", _("“%(name)s” fits several departments (%(names)s); write the full name")
                              % {"name": name, "names": "、".join(d.name for d in candidates)}, "ambiguous_department")
                    continue
                department = candidates[0] if candidates else None
            if department is None:
                row.error("departments", _("no department named “%(name)s” in your region") % {"name": name},
                          "unknown_department")
            elif department not in found:
                found.append(department)
        return found


def _measure_key(number, type_, scope):
    return number, type_, None if scope is None else _fold(scope)


def check_measures(table, *, actor, campaign=None, progress=None, target: ControlList | None = None) -> Checked:
    """Validate every row of a file of measures for the draft list `target`; nothing is written."""
    clist = _list_for(actor, target)
    _report(progress, 0)
    result = Checked(kind=MEASURES, rows=len(table.rows))
    sheet = _Sheet(table, MEASURE_COLUMNS, result)
    present, header = _present(sheet, table), sheet.header
    entries = {e.number: e for e in clist.entries.all()}
    measures = list(ControlMeasure.objects.filter(entry__list=clist).select_related("entry")
                    .prefetch_related("departments").order_by("entry__number", "pk"))
    with_scope = "scope" in present
    index = defaultdict(list)
    for measure in measures:
        index[_measure_key(measure.entry.number, measure.type, measure.scope if with_scope else None)].append(measure)
    names = _Departments(actor, measures)
    result.refs["list"] = clist.pk
    _report(progress, 10)

    first_row, used = {}, defaultdict(int)
    for chunk in _in_steps(list(sheet.dicts()), progress, 10, 100):
        for number, cells in chunk:
            row = _Row(number, header)
            entry_number = _whole(row, "entry", cells["entry"], 1, MAX_NUMBER, required=True)
            entry = entries.get(entry_number)
            if entry_number is not None and entry is None:
                row.error("entry", _("there is no entry %(number)d in this list; import the entries first")
                          % {"number": entry_number}, "unknown_entry")
            type_ = _choice(row, "type", cells["type"], MEASURE_TYPES, MEASURE_LABELS)
            values = {}
            if with_scope:
                values["scope"] = _long_text(cells["scope"])
            for key in ("effective_on", "ends_on"):
                if key in present:
                    values[key] = _date(row, key, cells[key])
            if "legal_basis" in present:
                values["legal_basis"] = _long_text(cells["legal_basis"])
            if "departments" in present:
                values["departments"] = names.read(row, cells["departments"])
            if "task_days_after" in present:
                values["task_days_after"] = _whole(row, "task_days_after", cells["task_days_after"], 0, MAX_TASK_DAYS)
            if "verified" in present:
                values["verified"] = _yes_no(row, "verified", cells["verified"])

            old = None
            if entry is not None and type_ is not None:
                key = _measure_key(entry_number, type_, values.get("scope"))
                if key in first_row:
                    row.warn("scope" if with_scope else "type", _(
                        "the same entry, type and scope as row %(row)d: both are kept as separate measures")
                        % {"row": first_row[key]}, "same_measure")
                first_row.setdefault(key, number)
                occurrence = used[key]
                used[key] += 1
                if occurrence < len(index[key]):
                    old = index[key][occurrence]
            # The rules of ControlMeasure.clean, on the values the measure will have.
            effective = values.get("effective_on", old.effective_on if old else None)
            ends = values.get("ends_on", old.ends_on if old else None)
            ends_column = "ends_on" if "ends_on" in present else "type"
            if effective and ends and ends < effective:
                row.error(ends_column, _("The end date cannot be before the effective date."), "ends_before_start")
            if type_ == MeasureType.EXEMPTION and not ends and not any(e.column == header["ends_on"]
                                                                        for e in row.errors):
                row.error(ends_column, _("An exempted use needs its end date."), "exemption_without_end")
            result.errors += row.errors
            result.warnings += row.warnings
            if row.errors:
                continue
            if old is None:
                measure = ControlMeasure(entry=entry, type=type_,
                                         **{k: v for k, v in values.items() if k != "departments"})
                measure._import_departments = values.get("departments", [])
                result.new.append(measure)
                continue
            diff = {name: (getattr(old, name), values[name]) for name in MEASURE_FIELDS
                    if name in values and not _same(name, getattr(old, name), values[name])}
            if "departments" in values:
                before = list(old.departments.all())
                if {d.pk for d in before} != {d.pk for d in values["departments"]}:
                    diff["departments"] = ([d.name for d in before], [d.name for d in values["departments"]])
            if diff:
                old._import_values = values
                result.changed.append((old, diff))
            else:
                result.unchanged += 1
    _report(progress, 100)
    return result


def commit_measures(*, actor, campaign=None, checked: Checked, file_name: str, data: bytes, progress=None,
                    record: ImportRecord | None = None, target: ControlList | None = None) -> ImportRecord:
    """Write checked measures in one transaction: new measures, changed fields, and the responsible
    departments of new and changed measures as the file names them."""
    clist = _list_for(actor, target)
    _require_commit(actor, checked, MEASURES)
    if checked.refs.get("list") != clist.pk:
        raise ValueError("the file was checked for another list")
    through = ControlMeasure.departments.through

    def write():
        _lock(actor, clist)
        _report(progress, 0)
        ControlMeasure.objects.bulk_create(checked.new)
        links = [(measure.pk, d.pk) for measure in checked.new for d in measure._import_departments]
        overwritten, fields, relinked = [], set(), []
        for measure, diff in checked.changed:
            values = measure._import_values
            for name in MEASURE_FIELDS:
                if name in values:
                    setattr(measure, name, values[name])
                    fields.add(name)
            if "departments" in diff:
                relinked.append(measure.pk)
                links += [(measure.pk, d.pk) for d in values["departments"]]
            overwritten += _overwritten(f"{measure.entry.number} · {MEASURE_LABELS.get(measure.type)} · "
                                        f"{measure.scope[:40]}", measure.pk, diff)
        if fields:
            ControlMeasure.objects.bulk_update([measure for measure, _diff in checked.changed], sorted(fields))
        _report(progress, 60)
        through.objects.filter(controlmeasure_id__in=relinked).delete()
        through.objects.bulk_create(through(controlmeasure_id=m, department_id=d) for m, d in links)
        return _finished(MEASURES, actor, clist, checked, file_name, data, overwritten, record)

    return _write(write)


# ---------------------------------------------------------------- export: the template, filled in

def entries_rows(clist: ControlList):
    """The list's entries as rows of the entries template, in number order."""
    for e in clist.entries.prefetch_related(Prefetch("entry_substances",
                                                     queryset=EntrySubstance.objects.order_by("pk"))).order_by("number"):
        yield [e.number, e.code, e.name, e.name_en, CATEGORY_LABELS.get(e.category, e.category), _yes(e.is_group),
               "、".join(link.cas for link in e.entry_substances.all()), e.covers, e.summary, _yes(e.verified),
               e.to_confirm]


def measures_rows(clist: ControlList):
    """The list's measures as rows of the measures template, by entry number, then in the order created."""
    for m in (ControlMeasure.objects.filter(entry__list=clist).select_related("entry").prefetch_related("departments")
              .order_by("entry__number", "pk")):
        yield [m.entry.number, MEASURE_LABELS.get(m.type, m.type), m.scope, m.effective_on, m.ends_on, m.legal_basis,
               "、".join(d.name for d in m.departments.all()), m.task_days_after, _yes(m.verified)]


def entries_workbook(clist: ControlList) -> bytes:
    """The list's entries as an xlsx in exactly the import template's format (edit it and import it again)."""
    return template_workbook(ENTRIES, rows=entries_rows(clist))


def measures_workbook(clist: ControlList) -> bytes:
    """The list's measures as an xlsx in exactly the import template's format (edit it and import it again)."""
    return template_workbook(MEASURES, rows=measures_rows(clist))


# ---------------------------------------------------------------- registration (ControlsConfig.ready)

def _entry_key(checked, entry):
    return f"{entry.number}. {entry.name}"


def _entry_values_shown(checked, entry):
    return {"code": entry.code, "name": entry.name, "name_en": entry.name_en,
            "category": CATEGORY_LABELS.get(entry.category, entry.category), "is_group": entry.is_group,
            "cas": list(getattr(entry, "_import_cas", [])), "covers": entry.covers, "summary": entry.summary,
            "verified": entry.verified, "to_confirm": entry.to_confirm}


def _measure_key_shown(checked, measure):
    scope = f" · {measure.scope[:40]}" if measure.scope else ""
    return f"{measure.entry.number} · {MEASURE_LABELS.get(measure.type, measure.type)}{scope}"


def _measure_values_shown(checked, measure):
    return {"type": MEASURE_LABELS.get(measure.type, measure.type), "scope": measure.scope,
            "effective_on": measure.effective_on, "ends_on": measure.ends_on, "legal_basis": measure.legal_basis,
            "departments": [d.name for d in getattr(measure, "_import_departments", [])],
            "task_days_after": measure.task_days_after, "verified": measure.verified}


def register_kinds():
    register(ImportKind(ENTRIES, gettext_lazy("Control-list entries"), ENTRY_COLUMNS, False, check_entries,
                        commit_entries, target=control_list_target, notes=ENTRY_NOTES),
             sheet="清单条目", preview=(_entry_key, _entry_values_shown))
    register(ImportKind(MEASURES, gettext_lazy("Control measures"), MEASURE_COLUMNS, False, check_measures,
                        commit_measures, target=control_list_target, notes=MEASURE_NOTES),
             sheet="管控措施", preview=(_measure_key_shown, _measure_values_shown))

