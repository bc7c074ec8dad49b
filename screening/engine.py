"""Screening engine: plain data in, criteria with one-line Chinese reasons out. No models, no database.

``evaluate(records, exposure, profile_code, thresholds)`` applies one criteria profile (``screening.profiles``)
to the hazard records and the exposure figures of one substance and returns an ``Evaluation``: the criteria
(code, outcome, reason, deciding record), hazard flags, a tier and a score for ranking, and a JSON-ready
snapshot of the inputs. Every number compared comes from ``thresholds``.

Rules
-----
* Outcomes: ``met``, ``not_met``, ``missing`` (no data: the reason says 数据缺失; it is never a pass and
  never met), ``indeterminate`` (a qualified value such as "≥2000" cannot be placed against the threshold)
  and ``surrogate`` (a screening hint only: log Kow > 4.5 when there is no BCF, GB/T 24782 B).
* Record selection, per endpoint (and compartment): keep the most reliable records (lowest Klimisch
  number); among them take the most conservative one — first the one whose outcome is met, then
  indeterminate, then not met; then the value most extreme toward the threshold (longest half-life,
  highest BCF, lowest NOEC; for classifications the most severe category); then the lowest record id.
  When there were several records the reason says so (共 N 条记录，取可靠性最高且最保守者).
* Qualifiers for "true value > T": "="/"~" compare as is; ">" v is met when v ≥ T, ">=" v when v > T,
  otherwise indeterminate; "<"/"<=" v is not met when v ≤ T, otherwise indeterminate. Mirrored for
  "true value < T". All published thresholds are strict (> 60 d, > 2000, < 0.01 mg/L …).
* A criterion made of several parts (P over compartments, T over endpoints) is met when one part is met;
  otherwise indeterminate when one part is; otherwise not met when some part has data (the reason names
  the parts without data); otherwise missing.
* Tiers: gbt24782 — PBT/vPvB (P+B+T or vP+vB met), 数据不足 (a full match is not ruled out: no deciding
  criterion is not met, but some are missing/indeterminate/surrogate), 部分符合 (something met), 不符合.
  stockholm — the same with POP候选 for P+B+T+LRT. hj1229 — the matrix ``profiles.HJ1229_TIER_MATRIX``:
  high concern (高关注) = PBT or vPvB (GB/T 24782 rules with the nested ``pbt`` thresholds), CMR, STOT RE 1,
  aquatic chronic 1, endocrine disruptor, or Stockholm-listed / restricted abroad (INTL); exposure signals =
  tonnage band (TONNAGE is met from ``tonnage_medium`` up), dispersive share and detection frequency at or
  above their thresholds; "no hazard data" = every hazard criterion except INTL is missing.
  ``Evaluation.tier_reason`` says in one line which row or criteria gave the tier.
* Score (higher ranks first): (tier order, hazard flags met, tonnage band, detection frequency, tonnage);
  absent figures count as -1. The caller breaks remaining ties (e.g. by CAS number).
* ``acute_lc50`` records are kept in the snapshot but no rule of the three profiles uses them.

Units: ``convert`` turns entered values into the canonical unit (days, mg/L, L/kg); a month is 30 days
and a year 365 days. Reasons are Chinese literals on purpose (no gettext): they are stored in the run as a
snapshot in the bureau's language.

Speed (a run evaluates up to 50,000 substances)
-----------------------------------------------
``prepare(profile_code, thresholds)`` validates and parses the thresholds once and returns a
``PreparedProfile``; ``evaluate_prepared(prepared, records, exposure)`` then evaluates one substance with it
and gives exactly what ``evaluate`` gives (``evaluate`` is ``prepare`` + ``evaluate_prepared``). A prepared
profile keeps the threshold numbers and the fixed pieces of the reasons, the criteria of a group without
records (shared: ``Criterion`` is frozen), the hazard part of a substance without records, and the tier and
flags of every combination of outcomes met so far. Its ``inputs["thresholds"]`` is one JSON-ready copy shared
by all its evaluations: treat ``Evaluation.inputs`` as read-only. ``Record.trusted`` builds a record from a
database row without the constructor's checks.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from operator import attrgetter

from . import profiles
from .profiles import COMPARTMENT_LABELS, GBT24782, STOCKHOLM

MET, NOT_MET, MISSING, INDETERMINATE, SURROGATE = "met", "not_met", "missing", "indeterminate", "surrogate"
GT, LT = "gt", "lt"  # criterion is "true value > threshold" / "true value < threshold"

ENDPOINT_LABELS = {
    "half_life": "半衰期", "bcf": "BCF", "baf": "BAF", "log_kow": "log Kow",
    "chronic_noec": "慢性 NOEC/EC10", "acute_lc50": "急性 L(E)C50",
    "carcinogenicity": "致癌性", "mutagenicity": "生殖细胞致突变性", "reproductive_toxicity": "生殖毒性",
    "stot_re": "STOT RE", "aquatic_chronic": "慢性水生危害",
    "endocrine_disruptor": "内分泌干扰物", "stockholm_listed": "列入《斯德哥尔摩公约》",
    "foreign_restriction": "国外禁止或限制",
}
ENDPOINTS = tuple(ENDPOINT_LABELS)
NUMERIC_ENDPOINTS = ("half_life", "bcf", "baf", "log_kow", "chronic_noec", "acute_lc50")
FLAG_ENDPOINTS = ("endocrine_disruptor", "stockholm_listed", "foreign_restriction")
COMPARTMENTS = tuple(COMPARTMENT_LABELS)
QUALIFIERS = ("=", ">", ">=", "<", "<=", "~")
SOURCE_LABELS = {"reference": "参考文献", "database": "数据库", "test_report": "测试报告", "estimate": "估算"}
OUTCOME_LABELS = {MET: "符合", NOT_MET: "不符合", MISSING: "数据缺失", INDETERMINATE: "不确定",
                  SURROGATE: "仅有筛查提示"}
TITLES = {"LRT": "LRT（远距离迁移）", "STOT_RE": "STOT RE", "AQ_CHRONIC": "慢性水生危害", "ED": "内分泌干扰",
          "INTL": "国际管控", "TONNAGE": "产（用）量", "DISPERSIVE": "分散式用途", "DETECTION": "环境检出"}
_YES, _NO = {"yes", "y", "true", "1", "是"}, {"no", "n", "false", "0", "否"}
_CATEGORY_RE = re.compile(r"(?:CATEGORY|CAT\.?|类别|第)?\s*(\d[A-C]?)\s*类?")
_new = object.__new__


def _decimal(value, what: str = "数值") -> Decimal:
    number = profiles.as_decimal(value)
    if number is None:
        raise ValueError(f"“{value}”不是有效的{what}")
    return number


def _normalised_category(endpoint: str, raw: str) -> str:
    text = unicodedata.normalize("NFKC", raw or "").strip()
    if endpoint in FLAG_ENDPOINTS:
        if not text or text.lower() in _YES | _NO:
            return "" if not text else ("yes" if text.lower() in _YES else "no")
        raise ValueError(f"{ENDPOINT_LABELS[endpoint]}应填“yes”或“no”（是/否），而不是“{raw}”")
    match = _CATEGORY_RE.fullmatch(text.upper())
    return match.group(1) if match else text.upper()


_CATEGORIES: dict = {}  # (endpoint, raw) → normalised category; few distinct values, so memoised


def _category(endpoint: str, raw: str) -> str:
    try:
        return _CATEGORIES[endpoint, raw]
    except (KeyError, TypeError):  # TypeError: an unhashable value, normalised (and refused) below
        pass
    text = _normalised_category(endpoint, raw)
    if len(_CATEGORIES) > 4096:
        _CATEGORIES.clear()
    _CATEGORIES[endpoint, raw] = text
    return text


@dataclass(frozen=True, slots=True)
class Record:
    """One hazard endpoint value, already in the canonical unit (days, L/kg, mg/L, log units).

    ``Record(...)`` checks and normalises what it is given (any source: forms, imports, tests);
    ``Record.trusted(...)`` is for rows read from the database only."""

    id: int | None
    endpoint: str
    compartment: str = ""
    value: Decimal | None = None
    qualifier: str = "="
    category: str = ""
    reliability: int = 2
    source: str = ""
    reference: str = ""

    def __post_init__(self):
        if self.endpoint not in ENDPOINTS:
            raise ValueError(f"未知的危害终点“{self.endpoint}”，可选：{'、'.join(ENDPOINTS)}")
        if self.qualifier not in QUALIFIERS:
            raise ValueError(f"未知的限定符“{self.qualifier}”，可选：{' '.join(QUALIFIERS)}")
        if self.endpoint == "half_life" and self.compartment not in COMPARTMENTS:
            raise ValueError(f"半衰期须注明介质，“{self.compartment}”无效，可选：{'、'.join(COMPARTMENTS)}")
        if self.reliability not in (1, 2, 3, 4):
            raise ValueError(f"可靠性应为 Klimisch 1–4，而不是“{self.reliability}”")
        if self.value is not None and not isinstance(self.value, Decimal):
            object.__setattr__(self, "value", _decimal(self.value))
        if self.category:
            object.__setattr__(self, "category", _category(self.endpoint, self.category))
        elif self.category != "":  # None and other false values
            object.__setattr__(self, "category", _normalised_category(self.endpoint, self.category))

    @classmethod
    def trusted(cls, id, endpoint, compartment="", value=None, qualifier="=", category="", reliability=2,
                source="", reference="") -> Record:
        """A record from a ``HazardRecord`` row read from the database, built without any check or
        normalisation (about half the cost of ``Record(...)``). Only for such rows: they were written by
        ``services.hazard_record_save``, which stores the endpoint, compartment, qualifier and source codes of
        ``screening.choices``, the value as a Decimal in the canonical unit (or None), the category as ``Record``
        normalised it ("1B", "yes", "no" or "") and a reliability of 1–4. Anything else goes through
        ``Record(...)``."""
        record = _new(cls)
        _set_id(record, id)
        _set_endpoint(record, endpoint)
        _set_compartment(record, compartment)
        _set_value(record, value)
        _set_qualifier(record, qualifier)
        _set_category(record, category)
        _set_reliability(record, reliability)
        _set_source(record, source)
        _set_reference(record, reference)
        return record


(_set_id, _set_endpoint, _set_compartment, _set_value, _set_qualifier, _set_category, _set_reliability,
 _set_source, _set_reference) = (Record.__dict__[name].__set__ for name in (
    "id", "endpoint", "compartment", "value", "qualifier", "category", "reliability", "source", "reference"))


@dataclass(frozen=True, slots=True)
class Exposure:
    """Exposure of one substance in the jurisdiction and year; None = no data."""

    tonnage: Decimal | None
    enterprises: int = 0
    regions: int = 0
    dispersive_share: Decimal | None = None
    detection_frequency: Decimal | None = None
    samples: int = 0

    def __post_init__(self):
        for name in ("tonnage", "dispersive_share", "detection_frequency"):
            value = getattr(self, name)
            if value is None:
                continue
            number = value if type(value) is Decimal and value.is_finite() else _decimal(value)
            if number < 0 or (name != "tonnage" and number > 1):
                raise ValueError(f"{name} 取值“{value}”超出范围")
            if number is not value:
                object.__setattr__(self, name, number)


_NO_EXPOSURE = Exposure(tonnage=None)


@dataclass(frozen=True, slots=True)
class Criterion:
    code: str
    outcome: str
    reason: str
    record_id: int | None = None

    def as_dict(self) -> dict:
        return {"code": self.code, "outcome": self.outcome, "reason": self.reason, "record_id": self.record_id}


_set_code, _set_outcome, _set_reason, _set_record_id = (
    Criterion.__dict__[name].__set__ for name in ("code", "outcome", "reason", "record_id"))


def _criterion(code: str, outcome: str, reason: str, record_id: int | None = None) -> Criterion:
    """``Criterion(code, outcome, reason, record_id)`` without the frozen dataclass's slow ``__init__``."""
    criterion = _new(Criterion)
    _set_code(criterion, code)
    _set_outcome(criterion, outcome)
    _set_reason(criterion, reason)
    _set_record_id(criterion, record_id)
    return criterion


@dataclass(slots=True)
class Evaluation:
    criteria: list[Criterion]
    flags: list[str]
    tier: str
    score: tuple
    inputs: dict = field(default_factory=dict)
    tier_reason: str = ""  # one line: why this tier (matrix row, or which criteria decided it)

    def criterion(self, code: str) -> Criterion | None:
        return next((c for c in self.criteria if c.code == code), None)

    def as_dict(self) -> dict:
        return {"criteria": [c.as_dict() for c in self.criteria], "flags": list(self.flags), "tier": self.tier,
                "score": [str(s) for s in self.score], "tier_reason": self.tier_reason, "inputs": self.inputs}


# ---------------------------------------------------------------------------------------------- units
_HALF_LIFE_UNITS = {  # unit names as shown in messages; matched case-insensitively
    Decimal(1) / Decimal(24): ("h", "hr", "hrs", "hour", "hours", "小时", "时"),
    Decimal(1): ("d", "day", "days", "天", "日"),
    Decimal(7): ("w", "wk", "week", "weeks", "周", "星期"),
    Decimal(30): ("mo", "month", "months", "月", "个月"),  # a month counts as 30 days
    Decimal(365): ("a", "y", "yr", "year", "years", "年"),  # a year counts as 365 days
}
_CONCENTRATION_UNITS = {
    Decimal("1000"): ("g/L", "克/升"),
    Decimal(1): ("mg/L", "毫克/升"),
    Decimal("0.001"): ("μg/L", "ug/L", "微克/升"),
    Decimal("0.000001"): ("ng/L", "纳克/升"),
}
_BCF_UNITS = {Decimal(1): ("L/kg", "mL/g", "", "-", "无量纲", "dimensionless")}
_UNITS = {
    "half_life": _HALF_LIFE_UNITS, "chronic_noec": _CONCENTRATION_UNITS, "acute_lc50": _CONCENTRATION_UNITS,
    "bcf": _BCF_UNITS, "baf": _BCF_UNITS, "log_kow": {Decimal(1): ("", "-", "无量纲")},
}
_CANONICAL = {"half_life": "天", "chronic_noec": "mg/L", "acute_lc50": "mg/L", "bcf": "L/kg", "baf": "L/kg",
              "log_kow": "对数单位"}


def convert(value, unit: str, endpoint: str) -> Decimal:
    """``value`` given in ``unit`` as a Decimal in the canonical unit of ``endpoint``."""
    if endpoint not in _UNITS:
        name = ENDPOINT_LABELS.get(endpoint, endpoint)
        raise ValueError(f"“{name}”不是数值型危害终点，不能使用单位“{unit}”；"
                         f"可换算的终点：{'、'.join(ENDPOINT_LABELS[e] for e in _UNITS)}")
    key = unicodedata.normalize("NFKC", unit or "").strip().lower().replace(" ", "")
    key = key.replace("µ", "μ")  # NFKC turns the micro sign into Greek mu already; kept for clarity
    for factor, names in _UNITS[endpoint].items():
        if key in {name.lower() for name in names}:
            return _decimal(value) * factor
    allowed = "、".join(name or "（无单位）" for names in _UNITS[endpoint].values() for name in names)
    raise ValueError(f"不支持的单位“{unit}”（{ENDPOINT_LABELS[endpoint]}），允许的单位：{allowed}；"
                     f"换算后统一为 {_CANONICAL[endpoint]}")


_QUALIFIER_RE = re.compile(r"^(>=|<=|=>|=<|≥|≤|≧|≦|>|<|=|~|≈|〜)?(.*)$")
_QUALIFIER_MAP = {">=": ">=", "=>": ">=", "≥": ">=", "≧": ">=", "<=": "<=", "=<": "<=", "≤": "<=", "≦": "<=",
                  ">": ">", "<": "<", "=": "=", "~": "~", "≈": "~", "〜": "~", None: "="}


def parse_qualified(text) -> tuple[str, Decimal]:
    """"≥2000" → (">=", Decimal("2000")); accepts ≥ ≤ > < = ～ ~, full-width forms, spaces, 1,000."""
    raw = "" if text is None else str(text)
    compact = unicodedata.normalize("NFKC", raw).replace(" ", "").replace("\u3000", "")
    qualifier, number = _QUALIFIER_RE.match(compact).groups()
    if re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?", number):
        number = number.replace(",", "")
    try:
        value = Decimal(number)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise ValueError(f"“{raw}”不是有效的数值，可写作 2000、≥2000、<0.01、~5.2 等")
    return _QUALIFIER_MAP[qualifier], value


# ------------------------------------------------------------------------------------------ helpers
_SPACED_RE = re.compile(r"(?<=[\u4e00-\u9fff])(?=[A-Za-z0-9])|(?<=[A-Za-z0-9])(?=[\u4e00-\u9fff])")


def _spaced(text: str) -> str:
    """A space between Chinese and Latin/digits: 无BCF数据 → 无 BCF 数据."""
    return _SPACED_RE.sub(" ", text)


def _format(number: Decimal) -> str:
    # Long results of unit conversion (50 h = 2.0833… d) are shown with 6 significant digits.
    _sign, digits, exponent = number.as_tuple()
    if len(digits) > 8 and exponent < 0:
        number = Decimal(f"{number:.6g}")
    return format(number.normalize(), "f")


_FORMATTED: dict[str, str] = {}  # str(number) → shown; str keeps the exponent, so "180" and "180.00" differ


def _fmt(number: Decimal) -> str:
    key = str(number)
    shown = _FORMATTED.get(key)
    if shown is None:
        shown = _format(number)
        if len(_FORMATTED) > 20000:
            _FORMATTED.clear()
        _FORMATTED[key] = shown
    return shown


_PERCENTS: dict[str, str] = {}  # str(share) → shown as a percentage


def _pct(share: Decimal) -> str:
    key = str(share)
    shown = _PERCENTS.get(key)
    if shown is None:
        shown = f"{_fmt(share * 100)}%"
        if len(_PERCENTS) > 20000:
            _PERCENTS.clear()
        _PERCENTS[key] = shown
    return shown


_PREFIX = {"=": "", "~": "约", ">": ">", ">=": "≥", "<": "<", "<=": "≤"}


def _source(rec: Record, count: int) -> str:
    origin = rec.reference or SOURCE_LABELS.get(rec.source, rec.source) or "未注明"
    if count > 1:
        return f"（来源：{origin}，可靠性 {rec.reliability}，共 {count} 条记录，取可靠性最高且最保守者）"
    return f"（来源：{origin}，可靠性 {rec.reliability}）"


def _compare(q: str, v: Decimal, t: Decimal, gt: bool) -> str:
    """The outcome of a value with qualifier ``q`` against ``t`` ("true value > t" when ``gt``)."""
    if gt:
        if q == "=" or q == "~":
            return MET if v > t else NOT_MET
        if q == ">":
            return MET if v >= t else INDETERMINATE
        if q == ">=":
            return MET if v > t else INDETERMINATE
        return NOT_MET if v <= t else INDETERMINATE
    if q == "=" or q == "~":
        return MET if v < t else NOT_MET
    if q == "<":
        return MET if v <= t else INDETERMINATE
    if q == "<=":
        return MET if v < t else INDETERMINATE
    return NOT_MET if v >= t else INDETERMINATE


_RANK = {MET: 0, INDETERMINATE: 1, NOT_MET: 2}


def _id_key(rec: Record) -> tuple:
    return (rec.id is None, rec.id or 0)


# ------------------------------------------------------------------------------- rules (prepared once)
# A part of a criterion (a compartment or an endpoint) is a tuple (label, outcome, text, record_id).
class _Numeric:
    """A numeric part: the records of one bucket against one threshold, with the fixed pieces of its text."""

    __slots__ = ("label", "threshold", "gt", "unit", "name", "plain", "plain_met", "plain_not", "decided",
                 "undecided", "missing")

    def __init__(self, label: str, threshold: Decimal, direction: str, unit: str = "", name: str | None = None):
        self.label, self.threshold, self.gt, self.unit, self.name = label, threshold, direction == GT, unit, name
        met_op, not_op = (">", "≤") if direction == GT else ("<", "≥")
        limit = f"{_format(threshold)}{unit}"
        self.plain = {MET: f" {met_op} {limit}", NOT_MET: f" {not_op} {limit}"}
        self.plain_met, self.plain_not = f"{unit} {met_op} {limit}", f"{unit} {not_op} {limit}"
        self.decided = {MET: f"，可判定 {met_op} {limit}", NOT_MET: f"，可判定 {not_op} {limit}"}
        self.undecided = f"，无法判定是否 {met_op} {limit}（结果不确定）"
        self.missing = (label, MISSING, "", None)

    def part(self, records: list[Record] | None) -> tuple:
        if not records:
            return self.missing
        t, gt = self.threshold, self.gt
        if len(records) == 1:
            rec = records[0]
            value = rec.value
            if value is None:
                return self.missing
            if rec.qualifier == "=":  # the common case, inlined: same result as below
                met = value > t if gt else value < t
                origin = rec.reference or SOURCE_LABELS.get(rec.source, rec.source) or "未注明"
                return (self.label, MET if met else NOT_MET,
                        f"{self.name or ENDPOINT_LABELS[rec.endpoint]} {_fmt(value)}"
                        f"{self.plain_met if met else self.plain_not}（来源：{origin}，可靠性 {rec.reliability}）",
                        rec.id)
            count = 1
        else:
            usable = [r for r in records if r.value is not None]
            count = len(usable)
            if not count:
                return self.missing
            rec = usable[0]
        if count > 1:
            best = min(r.reliability for r in usable)
            top = [r for r in usable if r.reliability == best]
            rec = top[0]
            if len(top) > 1:
                sign = -1 if gt else 1
                rec = min(top, key=lambda r: (_RANK[_compare(r.qualifier, r.value, t, gt)], sign * r.value,
                                              _id_key(r)))
        q = rec.qualifier
        outcome = _compare(q, rec.value, t, gt)
        shown = f"{self.name or ENDPOINT_LABELS[rec.endpoint]} {_PREFIX[q]}{_fmt(rec.value)}{self.unit}"
        if outcome == INDETERMINATE:
            text = shown + self.undecided
        elif q == "=" or q == "~":
            text = shown + self.plain[outcome]
        else:
            text = shown + self.decided[outcome]
        return (self.label, outcome, text + _source(rec, count), rec.id)


class _Category:
    """A classification (or yes/no listing) part: the records of one endpoint against accepted categories."""

    __slots__ = ("label", "wanted", "texts", "head", "tails", "missing")

    def __init__(self, endpoint: str, accepted: list[str]):
        self.label = label = ENDPOINT_LABELS[endpoint]
        if endpoint in FLAG_ENDPOINTS:
            self.wanted = {"yes"}
            self.texts = {MET: f"{label}为“是”", NOT_MET: f"{label}为“否”"}
        else:
            self.wanted = {c.strip().upper() for c in accepted}
            self.texts = None
        joined = "/".join(accepted)
        self.head = f"{_spaced(label + '类别')} "
        self.tails = {MET: f" 属于 {joined}", NOT_MET: f" 不属于 {joined}"}
        self.missing = (label, MISSING, "", None)

    def part(self, records: list[Record] | None) -> tuple:
        if not records:
            return self.missing
        wanted = self.wanted
        if len(records) == 1:
            rec = records[0]
            if not rec.category:
                return self.missing
            count = 1
        else:
            usable = [r for r in records if r.category]
            count = len(usable)
            if not count:
                return self.missing
            rec = usable[0]
        if count > 1:
            best = min(r.reliability for r in usable)
            top = [r for r in usable if r.reliability == best]
            rec = top[0]
            if len(top) > 1:
                rec = min(top, key=lambda r: (r.category not in wanted, r.category, _id_key(r)))
        outcome = MET if rec.category in wanted else NOT_MET
        text = self.texts[outcome] if self.texts is not None else f"{self.head}{rec.category}{self.tails[outcome]}"
        return (self.label, outcome, text + _source(rec, count), rec.id)


class _Combined:
    """A criterion made of parts, each reading one bucket of records (see the rules in the module docstring)."""

    __slots__ = ("code", "title", "parts", "keys", "index", "gaps", "missing")

    def __init__(self, code: str, parts: list[tuple[str, _Numeric | _Category]], nodata: str):
        self.code, self.title, self.parts = code, TITLES.get(code, code), tuple(parts)
        self.keys = frozenset(key for key, _rule in parts)
        self.index = {key: i for i, (key, _rule) in enumerate(parts)}
        assert len(self.index) == len(parts), "one part per bucket"
        # The tail of the reason when only part i has data: the other parts have none.
        labels = [rule.label for _key, rule in parts]
        self.gaps = tuple(f"；{'、'.join(labels[:i] + labels[i + 1:])}无数据" if len(labels) > 1 else ""
                          for i in range(len(labels)))
        self.missing = Criterion(code, MISSING, f"{self.title}：{_spaced(f'无{nodata}数据')}，数据缺失")

    def criterion(self, groups: dict) -> Criterion:
        present = self.keys.intersection(groups)
        if len(present) != 1:
            if not present:
                return self.missing
            return self.combine([rule.part(groups.get(key)) for key, rule in self.parts])
        (key,) = present
        hit = self.index[key]
        _label, outcome, text, record_id = self.parts[hit][1].part(groups[key])
        if outcome == MET:
            return _criterion(self.code, MET, f"{self.title}：{text}", record_id)
        if outcome == MISSING:
            return self.missing
        return _criterion(self.code, outcome, f"{self.title}：{text}{self.gaps[hit]}", record_id)

    def combine(self, parts: list[tuple]) -> Criterion:
        met = [p for p in parts if p[1] == MET]
        if met:
            first = met[0]
            others = f"；另{'、'.join(p[0] for p in met[1:])}亦符合" if len(met) > 1 else ""
            return _criterion(self.code, MET, f"{self.title}：{first[2]}{others}", first[3])
        data = [p for p in parts if p[1] == INDETERMINATE] + [p for p in parts if p[1] == NOT_MET]
        if not data:
            return self.missing
        gaps = [p[0] for p in parts if p[1] == MISSING]
        gap = f"；{'、'.join(gaps)}无数据" if gaps else ""
        outcome = INDETERMINATE if data[0][1] == INDETERMINATE else NOT_MET
        record_id = data[0][3] if len(data) == 1 else None
        return _criterion(self.code, outcome, f"{self.title}：{'；'.join(p[2] for p in data)}{gap}", record_id)


def _persistence(code: str, groups: list[tuple[str, str, Decimal]]) -> _Combined:
    """``groups``: (label, bucket, limit in days) per compartment group."""
    parts = [(key, _Numeric(label, limit, GT, " 天", f"{label}半衰期")) for label, key, limit in groups]
    return _Combined(code, parts, "、".join(label for label, _k, _l in groups) + "半衰期")


def _num(thresholds: dict, key: str) -> Decimal:
    return profiles.as_decimal(thresholds[key])


# Records go into buckets: an endpoint, or "half_life:<compartment group>" for half-lives.
_GBT_COMPARTMENTS = ("marine_water", "fresh_water", "marine_sediment", "fresh_sediment", "soil")
_GBT_HALF_LIVES = {c: f"half_life:{c}" for c in _GBT_COMPARTMENTS}
_STOCKHOLM_HALF_LIVES = {"marine_water": "half_life:water", "fresh_water": "half_life:water",
                         "soil": "half_life:soil", "marine_sediment": "half_life:sediment",
                         "fresh_sediment": "half_life:sediment", "air": "half_life:air"}
_CMR = ("carcinogenicity", "mutagenicity", "reproductive_toxicity")
_GBT_BUCKETS = {e: e for e in ("bcf", "log_kow", "chronic_noec", *_CMR, "stot_re")}
_STOCKHOLM_BUCKETS = {"bcf": "bcf_baf", "baf": "bcf_baf",
                      **{e: e for e in ("log_kow", "chronic_noec", *_CMR, "stot_re", "aquatic_chronic")}}
_HJ1229_BUCKETS = {**_GBT_BUCKETS, **{e: e for e in ("aquatic_chronic", *FLAG_ENDPOINTS)}}


class _Gbt:
    """GB/T 24782 P, vP, B, vB, T (also the PBT part of HJ 1229)."""

    def __init__(self, th: dict):
        def half_lives(table: dict) -> list:
            return [(COMPARTMENT_LABELS[c], _GBT_HALF_LIVES[c], profiles.as_decimal(table[c]))
                    for c in _GBT_COMPARTMENTS]

        self.p = _persistence("P", half_lives(th["p_half_life_days"]))
        self.vp = _persistence("vP", half_lives(th["vp_half_life_days"]))
        self.b = _Numeric("BCF", _num(th, "b_bcf"), GT)
        self.kow = _Numeric("log Kow", _num(th, "b_screening_log_kow"), GT)
        self.b_missing = Criterion("B", MISSING, "B：无 BCF 数据，数据缺失")
        self.vb = _Combined("vB", [("bcf", _Numeric("BCF", _num(th, "vb_bcf"), GT))], "BCF")
        self.t = _Combined("T", [
            ("chronic_noec", _Numeric("慢性 NOEC", _num(th, "t_noec_mg_l"), LT, " mg/L")),
            ("carcinogenicity", _Category("carcinogenicity", th["t_carc_muta_categories"])),
            ("mutagenicity", _Category("mutagenicity", th["t_carc_muta_categories"])),
            ("reproductive_toxicity", _Category("reproductive_toxicity", th["t_repro_categories"])),
            ("stot_re", _Category("stot_re", th["t_stot_re_categories"])),
        ], "慢性毒性、CMR 及 STOT RE ")

    def criteria(self, groups: dict) -> list[Criterion]:
        b_part = self.b.part(groups.get("bcf"))
        if b_part[1] != MISSING:
            b = _criterion("B", b_part[1], f"B：{b_part[2]}", b_part[3])
        else:
            kow = self.kow.part(groups.get("log_kow"))
            if kow[1] == MET:
                b = _criterion("B", SURROGATE, f"B（筛查替代）：无 BCF 数据，{kow[2]}，可能具有生物累积性，仅作提示",
                               kow[3])
            elif kow[1] == MISSING:
                b = self.b_missing
            else:
                b = _criterion("B", MISSING, f"B：无 BCF 数据，数据缺失；{kow[2]}，筛查未提示生物累积性")
        return [self.p.criterion(groups), self.vp.criterion(groups), b, self.vb.criterion(groups),
                self.t.criterion(groups)]


class _Stockholm:
    """Stockholm Convention Annex D: P, B, LRT, T."""

    def __init__(self, th: dict):
        half = th["p_half_life_days"]
        self.p = _persistence("P", [("水体", "half_life:water", profiles.as_decimal(half["water"])),
                                    ("土壤", "half_life:soil", profiles.as_decimal(half["soil"])),
                                    ("沉积物", "half_life:sediment", profiles.as_decimal(half["sediment"]))])
        self.b = _Numeric("BCF/BAF", _num(th, "b_bcf_baf"), GT)
        self.kow = _Numeric("log Kow", _num(th, "b_log_kow"), GT)
        self.b_missing = Criterion("B", MISSING, "B：无 BCF/BAF 及 log Kow 数据，数据缺失")
        self.lrt = _persistence("LRT", [("空气", "half_life:air", _num(th, "lrt_air_half_life_days"))])
        cmr = th["t_cmr_categories"]
        self.t = _Combined("T", [
            ("chronic_noec", _Numeric("慢性 NOEC", _num(th, "t_noec_mg_l"), LT, " mg/L")),
            *((e, _Category(e, cmr)) for e in _CMR),
            ("stot_re", _Category("stot_re", th["t_stot_re_categories"])),
            ("aquatic_chronic", _Category("aquatic_chronic", th["t_aquatic_chronic_categories"])),
        ], "慢性毒性及危害分类")

    def criteria(self, groups: dict) -> list[Criterion]:
        b_part = self.b.part(groups.get("bcf_baf"))
        if b_part[1] != MISSING:
            b = _criterion("B", b_part[1], f"B：{b_part[2]}", b_part[3])
        else:
            kow = self.kow.part(groups.get("log_kow"))
            if kow[1] == MISSING:
                b = self.b_missing
            else:
                b = _criterion("B", kow[1], f"B：无 BCF/BAF 数据，{kow[2]}", kow[3])
        return [self.p.criterion(groups), b, self.lrt.criterion(groups), self.t.criterion(groups)]


class _Hj1229Hazard:
    """HJ 1229 hazard criteria besides PBT: CMR, STOT RE, aquatic chronic, endocrine disruptor, INTL."""

    def __init__(self, th: dict):
        def single(code: str, endpoint: str, accepted: list[str]) -> _Combined:
            return _Combined(code, [(endpoint, _Category(endpoint, accepted))], ENDPOINT_LABELS[endpoint])

        self.combined = (
            _Combined("CMR", [(e, _Category(e, th["cmr_categories"])) for e in _CMR], "致癌性、致突变性、生殖毒性分类"),
            single("STOT_RE", "stot_re", th["stot_re_categories"]),
            single("AQ_CHRONIC", "aquatic_chronic", th["aquatic_chronic_categories"]),
            single("ED", "endocrine_disruptor", []),
            _Combined("INTL", [(e, _Category(e, [])) for e in ("stockholm_listed", "foreign_restriction")],
                      "国际公约及国外管控"),
        )

    def criteria(self, groups: dict) -> list[Criterion]:
        return [c.criterion(groups) for c in self.combined]


class _ExposureRules:
    """HJ 1229 exposure criteria: tonnage band, dispersive share, detection frequency."""

    def __init__(self, th: dict):
        self.limits = [_num(th, k) for k in ("tonnage_low", "tonnage_medium", "tonnage_high")]
        low, medium, high = (_format(x) for x in self.limits)
        self.band_names = [f"< {low}", f"{low}–{medium}", f"{medium}–{high}", f"≥ {high}"]
        self.share_limit, self.freq_limit = _num(th, "dispersive_share_high"), _num(th, "detection_frequency_high")
        self.share_shown = f"{_format(self.share_limit * 100)}%"
        self.freq_shown = f"{_format(self.freq_limit * 100)}%"
        self.tonnage_missing = Criterion("TONNAGE", MISSING, "产（用）量：无调查数据，数据缺失")
        self.dispersive_missing = Criterion("DISPERSIVE", MISSING, "分散式用途：无用途数据，数据缺失")
        self.detection_missing = Criterion("DETECTION", MISSING, "环境检出：未开展监测，数据缺失")

    def criteria(self, exposure: Exposure) -> tuple[list[Criterion], int]:
        """The exposure criteria and the tonnage band (-1 without data, 0 … 3)."""
        tonnage = exposure.tonnage
        if tonnage is None:
            band, tonnage_criterion = -1, self.tonnage_missing
        else:
            low, medium, high = self.limits
            band = (tonnage >= low) + (tonnage >= medium) + (tonnage >= high)
            tonnage_criterion = _criterion(
                "TONNAGE", MET if band >= 2 else NOT_MET,
                f"产（用）量：{_fmt(tonnage)} 吨/年，属“{self.band_names[band]} 吨/年”档"
                f"（{exposure.enterprises} 家企业、{exposure.regions} 个行政区）")
        share = exposure.dispersive_share
        if share is None:
            dispersive = self.dispersive_missing
        elif share >= self.share_limit:
            dispersive = _criterion("DISPERSIVE", MET, f"分散式用途：占产（用）量 {_pct(share)} ≥ {self.share_shown}")
        else:
            dispersive = _criterion("DISPERSIVE", NOT_MET, f"分散式用途：占产（用）量 {_pct(share)} < {self.share_shown}")
        freq = exposure.detection_frequency
        if freq is None:
            detection = self.detection_missing
        else:
            op = "≥" if freq >= self.freq_limit else "<"
            detection = _criterion("DETECTION", MET if op == "≥" else NOT_MET,
                                   f"环境检出：检出率 {_pct(freq)} {op} {self.freq_shown}（{exposure.samples} 个样品）")
        return [tonnage_criterion, dispersive, detection], band


# ------------------------------------------------------------------------------------------ tiers
def _flags(by_code: dict[str, Criterion], codes: tuple[str, ...]) -> list[str]:
    return [c for c in codes if c in by_code and by_code[c].outcome == MET]


def _route_tier(by_code: dict[str, Criterion], routes: list[tuple[str, ...]], full: str) -> tuple[str, str]:
    for route in routes:
        if all(by_code[c].outcome == MET for c in route):
            return full, f"{full}：{'、'.join(route)} 均符合"
    open_routes = [r for r in routes if not any(by_code[c].outcome == NOT_MET for c in r)]
    if open_routes:
        pending = dict.fromkeys(c for r in open_routes for c in r if by_code[c].outcome != MET)
        detail = "、".join(f"{c} {OUTCOME_LABELS[by_code[c].outcome]}" for c in pending)
        return "数据不足", f"数据不足：{detail}，尚不能排除 {full}"
    met = [c for c, v in by_code.items() if v.outcome == MET]
    failed = "、".join(c for c, v in by_code.items() if v.outcome == NOT_MET)
    if met:
        return "部分符合", f"部分符合：{'、'.join(met)} 符合，但 {failed} 不符合"
    return "不符合", f"不符合：{failed} 不符合，其余无一符合"


def _matrix_tier(high_concern: bool, no_hazard_data: bool, band: int, dispersive: bool, detection: bool) -> tuple:
    """(tier, 1-based row of ``profiles.HJ1229_TIER_MATRIX`` that gave it)."""
    signals = {"dispersive": dispersive, "detection": detection,
               **{f"band>={n}": band >= n for n in range(4)}}
    for number, row in enumerate(profiles.HJ1229_TIER_MATRIX, start=1):
        if row["high_concern"] is not None and row["high_concern"] != high_concern:
            continue
        if row["no_hazard_data"] is not None and row["no_hazard_data"] != no_hazard_data:
            continue
        if not row["exposure_any_of"] or any(all(signals[s] for s in alt) for alt in row["exposure_any_of"]):
            return row["tier"], number
    raise AssertionError("the tier matrix has no catch-all row")


_OUTCOME = attrgetter("outcome")
_EXPOSURE_WORDS = {MET: "高", NOT_MET: "不高", MISSING: "数据缺失"}
_CONCERN = ("PBT", "vPvB", "CMR", "STOT_RE", "AQ_CHRONIC", "ED", "INTL")


# ------------------------------------------------------------------------------------------ snapshot
def _json(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    return value


def _text(value):
    """``_json`` of a field that is normally a str (or None, or an int)."""
    return value if type(value) is str or value is None else _json(value)


_RECORD_KEYS = ("id", "endpoint", "compartment", "value", "qualifier", "category", "reliability", "source",
                "reference")


def _record_json(r: Record) -> dict:
    rid, compartment, value, reliability, source, reference = (r.id, r.compartment, r.value, r.reliability,
                                                                r.source, r.reference)
    if ((rid is not None and type(rid) is not int) or type(reliability) is not int or type(compartment) is not str
            or type(source) is not str or type(reference) is not str or type(r.category) is not str):
        return {k: _json(getattr(r, k)) for k in _RECORD_KEYS}  # unusual types: the general rule
    # endpoint and qualifier are checked to be one of the codes (str); trusted rows hold the codes.
    return {"id": rid, "endpoint": r.endpoint, "compartment": compartment,
            "value": None if value is None else str(value) if type(value) is Decimal else _json(value),
            "qualifier": r.qualifier, "category": r.category, "reliability": reliability, "source": source,
            "reference": reference}


def _decimal_json(value):
    return None if value is None else str(value) if type(value) is Decimal else _json(value)


def _exposure_json(e: Exposure) -> dict:
    enterprises, regions, samples = e.enterprises, e.regions, e.samples
    if type(enterprises) is int and type(regions) is int and type(samples) is int:
        # Exposure made tonnage, dispersive_share and detection_frequency Decimals (or left None).
        tonnage, share, frequency = e.tonnage, e.dispersive_share, e.detection_frequency
        return {"tonnage": None if tonnage is None else str(tonnage), "enterprises": enterprises,
                "regions": regions, "dispersive_share": None if share is None else str(share),
                "detection_frequency": None if frequency is None else str(frequency), "samples": samples}
    return {"tonnage": _decimal_json(e.tonnage), "enterprises": _text(e.enterprises), "regions": _text(e.regions),
            "dispersive_share": _decimal_json(e.dispersive_share),
            "detection_frequency": _decimal_json(e.detection_frequency), "samples": _text(e.samples)}


def snapshot(records: list[Record], exposure: Exposure, profile_code: str, thresholds: dict) -> dict:
    """The JSON-ready inputs of an evaluation, with record ids, so that a run can be re-read later."""
    return {
        "profile": profile_code,
        "thresholds": _json(thresholds),
        "records": [{k: _json(getattr(r, k)) for k in _RECORD_KEYS} for r in records],
        "exposure": _exposure_json(exposure),
    }


# ------------------------------------------------------------------------------------------ evaluate
class PreparedProfile:
    """A profile with its thresholds validated and parsed, ready to evaluate many substances
    (``evaluate_prepared``). Immutable in use; its caches only grow with the outcome combinations met."""

    __slots__ = ("code", "thresholds", "order", "_half_lives", "_buckets", "_gbt", "_stockholm", "_hazard",
                 "_exposure", "_empty", "_tiers")

    def __init__(self, profile_code: str, thresholds: dict):
        self.code = profile_code
        self.thresholds = _json(thresholds)  # a JSON-ready copy: later edits of the caller's dict do not leak in
        self.order = profiles.tier_order(profile_code)
        self._gbt = self._stockholm = self._hazard = self._exposure = None
        if profile_code == STOCKHOLM:
            self._half_lives, self._buckets = _STOCKHOLM_HALF_LIVES, _STOCKHOLM_BUCKETS
            self._stockholm = _Stockholm(thresholds)
        elif profile_code == GBT24782:
            self._half_lives, self._buckets = _GBT_HALF_LIVES, _GBT_BUCKETS
            self._gbt = _Gbt(thresholds)
        else:
            self._half_lives, self._buckets = _GBT_HALF_LIVES, _HJ1229_BUCKETS
            self._gbt = _Gbt(thresholds["pbt"])
            self._hazard = _Hj1229Hazard(thresholds)
            self._exposure = _ExposureRules(thresholds)
        self._tiers: dict = {}
        self._empty = tuple(self._hazard_criteria({}))  # the hazard criteria of a substance without records

    def __repr__(self) -> str:
        return f"<PreparedProfile {self.code}>"

    def _group(self, records) -> dict[str, list[Record]]:
        """The records this profile reads, by bucket, each bucket in the order given."""
        groups: dict[str, list[Record]] = {}
        half_lives, buckets = self._half_lives, self._buckets
        for r in records:
            endpoint = r.endpoint
            key = half_lives.get(r.compartment) if endpoint == "half_life" else buckets.get(endpoint)
            if key is not None:
                bucket = groups.get(key)
                if bucket is None:
                    groups[key] = [r]
                else:
                    bucket.append(r)
        return groups

    def _hazard_criteria(self, groups: dict) -> list[Criterion]:
        if self._stockholm is not None:
            return self._stockholm.criteria(groups)
        criteria = self._gbt.criteria(groups)
        if self._hazard is not None:
            criteria += self._hazard.criteria(groups)
        return criteria

    def _route(self, criteria: list[Criterion]) -> tuple:
        """GB/T 24782 and Stockholm: (flags, tier, tier reason, tier order) of these outcomes."""
        key = tuple(map(_OUTCOME, criteria))
        found = self._tiers.get(key)
        if found is None:
            if self.code == GBT24782:
                routes, full, extra = [("P", "B", "T"), ("vP", "vB")], "PBT/vPvB", ("PBT", "vPvB")
            else:
                routes, full, extra = [("P", "B", "T", "LRT")], "POP候选", ("POP",)
            by_code = {c.code: c for c in criteria}
            flags = _flags(by_code, tuple(by_code))
            tier, tier_reason = _route_tier(by_code, routes, full)
            flags += [name for name, route in zip(extra, routes, strict=True)
                      if all(by_code[c].outcome == MET for c in route)]
            found = self._tiers[key] = (tuple(flags), tier, tier_reason, self.order[tier])
        return found

    def _matrix(self, criteria: list[Criterion], band: int, band_name: str) -> tuple:
        """HJ 1229: (flags, tier, tier reason, tier order) of these outcomes (10 hazard + 3 exposure criteria)."""
        key = (tuple(map(_OUTCOME, criteria)), band)
        found = self._tiers.get(key)
        if found is None:
            pbt, hazard, exposure = criteria[:5], criteria[5:10], criteria[10:]
            pbt_codes = {c.code: c for c in pbt}
            flags = _flags(pbt_codes, ("P", "vP", "B", "vB", "T"))
            flags += [name for name, route in (("PBT", ("P", "B", "T")), ("vPvB", ("vP", "vB")))
                      if all(pbt_codes[c].outcome == MET for c in route)]
            flags += _flags({c.code: c for c in hazard}, ("CMR", "STOT_RE", "AQ_CHRONIC", "ED", "INTL"))
            concern = [f for f in flags if f in _CONCERN]
            # "No hazard data at all": every intrinsic-hazard criterion is missing (a mere "not listed" in INTL
            # says nothing about the substance's hazard).
            no_hazard_data = all(c.outcome == MISSING for c in pbt + hazard if c.code != "INTL")
            outcome = {c.code: c.outcome for c in exposure}
            tier, row = _matrix_tier(bool(concern), no_hazard_data, band,
                                     outcome["DISPERSIVE"] == MET, outcome["DETECTION"] == MET)
            hazard_text = (f"高关注（{'、'.join(TITLES.get(f, f) for f in concern)}）" if concern
                           else "无任何危害数据" if no_hazard_data else "未达高关注")
            exposure_text = "，".join([
                f"产（用）量属“{band_name} 吨/年”档" if band >= 0 else "产（用）量数据缺失",
                f"分散式用途{_EXPOSURE_WORDS[outcome['DISPERSIVE']]}",
                f"环境检出率{_EXPOSURE_WORDS[outcome['DETECTION']]}",
            ])
            tier_reason = f"{tier}（判定矩阵第 {row} 行）：{hazard_text}；{exposure_text}"
            found = self._tiers[key] = (tuple(flags), tier, tier_reason, self.order[tier])
        return found


def prepare(profile_code: str, thresholds: dict | None = None) -> PreparedProfile:
    """Validate and parse a profile's thresholds once, for ``evaluate_prepared``; ``thresholds`` None means the
    profile's published defaults. Raises ValueError (Chinese messages) like ``evaluate``."""
    thresholds = profiles.default_thresholds(profile_code) if thresholds is None else thresholds
    errors = profiles.validate_thresholds(profile_code, thresholds)
    if errors:
        raise ValueError("；".join(errors))
    return PreparedProfile(profile_code, thresholds)


_MINUS = Decimal(-1)


def evaluate_prepared(prepared: PreparedProfile, records: list[Record], exposure: Exposure | None) -> Evaluation:
    """Apply a prepared profile to one substance: the same ``Evaluation`` as ``evaluate`` with the profile's code
    and thresholds. ``inputs["thresholds"]`` is shared by every evaluation of ``prepared``."""
    exposure = exposure or _NO_EXPOSURE
    if type(records) is not list:
        records = list(records)
    groups = prepared._group(records) if records else None
    criteria = prepared._hazard_criteria(groups) if groups else list(prepared._empty)
    inputs = {"profile": prepared.code, "thresholds": prepared.thresholds,
              "records": [_record_json(r) for r in records], "exposure": _exposure_json(exposure)}
    frequency = exposure.detection_frequency
    if prepared._exposure is None:
        flags, tier, tier_reason, order = prepared._route(criteria)
        tonnage = exposure.tonnage
        score = (order, len(flags), tonnage if tonnage is not None else _MINUS,
                 frequency if frequency is not None else _MINUS)
        return Evaluation(criteria, list(flags), tier, score, inputs, tier_reason)
    exposure_criteria, band = prepared._exposure.criteria(exposure)
    criteria += exposure_criteria
    band_name = prepared._exposure.band_names[band] if band >= 0 else ""
    flags, tier, tier_reason, order = prepared._matrix(criteria, band, band_name)
    tonnage = exposure.tonnage
    score = (order, len(flags), band, frequency if frequency is not None else _MINUS,
             tonnage if tonnage is not None else _MINUS)
    return Evaluation(criteria, list(flags), tier, score, inputs, tier_reason)


def _frozen(value):
    """A hashable key equal for two thresholds dicts exactly when their snapshots and numbers are equal
    (key order included; "60", 60, 60.0 and Decimal("60.0") differ). TypeError for unhashable values."""
    kind = type(value)
    if kind is str:
        return value
    if kind is dict:
        return (dict, tuple([(k, _frozen(v)) for k, v in value.items()]))
    if kind is list:
        return (list, tuple([_frozen(v) for v in value]))
    if kind is Decimal:
        return (Decimal, str(value))
    return (kind, value)


_PREPARED: dict = {}  # (profile code, frozen thresholds) → PreparedProfile, for ``evaluate``


def _prepared(profile_code: str, thresholds: dict | None) -> PreparedProfile:
    try:
        source = profiles.PROFILES[profile_code]["thresholds"] if thresholds is None else thresholds
        key = (profile_code, _frozen(source))
        prepared = _PREPARED.get(key)
    except (KeyError, TypeError):  # an unknown profile (prepare says so) or unhashable values: no cache
        return prepare(profile_code, thresholds)
    if prepared is None:
        prepared = prepare(profile_code, thresholds)
        if len(_PREPARED) >= 32:
            _PREPARED.clear()
        _PREPARED[key] = prepared
    return prepared


def evaluate(records: list[Record], exposure: Exposure | None, profile_code: str,
             thresholds: dict | None = None) -> Evaluation:
    """Apply one profile to one substance. ``thresholds`` None means the profile's published defaults.
    For many substances, ``prepare`` the profile once and call ``evaluate_prepared``."""
    evaluation = evaluate_prepared(_prepared(profile_code, thresholds), records, exposure)
    evaluation.inputs["thresholds"] = _json(evaluation.inputs["thresholds"])  # its own copy
    return evaluation
