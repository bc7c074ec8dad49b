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
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

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


def _decimal(value, what: str = "数值") -> Decimal:
    number = profiles.as_decimal(value)
    if number is None:
        raise ValueError(f"“{value}”不是有效的{what}")
    return number


def _category(endpoint: str, raw: str) -> str:
    text = unicodedata.normalize("NFKC", raw or "").strip()
    if endpoint in FLAG_ENDPOINTS:
        if not text or text.lower() in _YES | _NO:
            return "" if not text else ("yes" if text.lower() in _YES else "no")
        raise ValueError(f"{ENDPOINT_LABELS[endpoint]}应填“yes”或“no”（是/否），而不是“{raw}”")
    match = re.fullmatch(r"(?:CATEGORY|CAT\.?|类别|第)?\s*(\d[A-C]?)\s*类?", text.upper())
    return match.group(1) if match else text.upper()


@dataclass(frozen=True)
class Record:
    """One hazard endpoint value, already in the canonical unit (days, L/kg, mg/L, log units)."""

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
        object.__setattr__(self, "category", _category(self.endpoint, self.category))


@dataclass(frozen=True)
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
            number = _decimal(value)
            if number < 0 or (name != "tonnage" and number > 1):
                raise ValueError(f"{name} 取值“{value}”超出范围")
            object.__setattr__(self, name, number)


@dataclass(frozen=True)
class Criterion:
    code: str
    outcome: str
    reason: str
    record_id: int | None = None

    def as_dict(self) -> dict:
        return {"code": self.code, "outcome": self.outcome, "reason": self.reason, "record_id": self.record_id}


@dataclass
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
def _spaced(text: str) -> str:
    """A space between Chinese and Latin/digits: 无BCF数据 → 无 BCF 数据."""
    return re.sub(r"(?<=[\u4e00-\u9fff])(?=[A-Za-z0-9])|(?<=[A-Za-z0-9])(?=[\u4e00-\u9fff])", " ", text)


def _fmt(number: Decimal) -> str:
    # Long results of unit conversion (50 h = 2.0833… d) are shown with 6 significant digits.
    if len(number.as_tuple().digits) > 8 and number.as_tuple().exponent < 0:
        number = Decimal(f"{number:.6g}")
    return format(number.normalize(), "f")


def _pct(share: Decimal) -> str:
    return f"{_fmt(share * 100)}%"


def _qv(rec: Record) -> str:
    prefix = {"=": "", "~": "约", ">": ">", ">=": "≥", "<": "<", "<=": "≤"}[rec.qualifier]
    return f"{prefix}{_fmt(rec.value)}"


def _source(rec: Record, count: int) -> str:
    origin = rec.reference or SOURCE_LABELS.get(rec.source, rec.source) or "未注明"
    tail = f"，共 {count} 条记录，取可靠性最高且最保守者" if count > 1 else ""
    return f"（来源：{origin}，可靠性 {rec.reliability}{tail}）"


def _compare(rec: Record, threshold: Decimal, direction: str) -> str:
    q, v, t = rec.qualifier, rec.value, threshold
    if direction == GT:
        if q in ("=", "~"):
            return MET if v > t else NOT_MET
        if q in (">", ">="):
            return MET if (v >= t if q == ">" else v > t) else INDETERMINATE
        return NOT_MET if v <= t else INDETERMINATE
    if q in ("=", "~"):
        return MET if v < t else NOT_MET
    if q in ("<", "<="):
        return MET if (v <= t if q == "<" else v < t) else INDETERMINATE
    return NOT_MET if v >= t else INDETERMINATE


_RANK = {MET: 0, INDETERMINATE: 1, NOT_MET: 2}


def _id_key(rec: Record) -> tuple:
    return (rec.id is None, rec.id or 0)


@dataclass
class _Part:
    """One part of a criterion: a compartment or an endpoint, with its own outcome."""

    label: str
    outcome: str
    text: str = ""
    record_id: int | None = None


def _numeric_part(label: str, records: list[Record], threshold: Decimal, direction: str,
                  unit: str = "", name: str | None = None) -> _Part:
    usable = [r for r in records if r.value is not None]
    if not usable:
        return _Part(label, MISSING)
    best = min(r.reliability for r in usable)
    sign = -1 if direction == GT else 1
    rec = min((r for r in usable if r.reliability == best),
              key=lambda r: (_RANK[_compare(r, threshold, direction)], sign * r.value, _id_key(r)))
    outcome = _compare(rec, threshold, direction)
    met_op, not_op = (">", "≤") if direction == GT else ("<", "≥")
    shown, limit = f"{name or ENDPOINT_LABELS[rec.endpoint]} {_qv(rec)}{unit}", f"{_fmt(threshold)}{unit}"
    if outcome == INDETERMINATE:
        text = f"{shown}，无法判定是否 {met_op} {limit}（结果不确定）"
    elif rec.qualifier in ("=", "~"):
        text = f"{shown} {met_op if outcome == MET else not_op} {limit}"
    else:
        text = f"{shown}，可判定 {met_op if outcome == MET else not_op} {limit}"
    return _Part(label, outcome, text + _source(rec, len(usable)), rec.id)


def _category_part(endpoint: str, records: list[Record], accepted: list[str]) -> _Part:
    label = ENDPOINT_LABELS[endpoint]
    usable = [r for r in records if r.category]
    if not usable:
        return _Part(label, MISSING)
    wanted = {c.strip().upper() for c in accepted} if endpoint not in FLAG_ENDPOINTS else {"yes"}
    best = min(r.reliability for r in usable)
    rec = min((r for r in usable if r.reliability == best),
              key=lambda r: (r.category not in wanted, r.category, _id_key(r)))
    outcome = MET if rec.category in wanted else NOT_MET
    if endpoint in FLAG_ENDPOINTS:
        text = f"{label}为“{'是' if outcome == MET else '否'}”"
    else:
        text = f"{_spaced(label + '类别')} {rec.category} {'属于' if outcome == MET else '不属于'} {'/'.join(accepted)}"
    return _Part(label, outcome, text + _source(rec, len(usable)), rec.id)


def _combine(code: str, parts: list[_Part], nodata: str) -> Criterion:
    title = TITLES.get(code, code)
    met = [p for p in parts if p.outcome == MET]
    if met:
        others = f"；另{'、'.join(p.label for p in met[1:])}亦符合" if len(met) > 1 else ""
        return Criterion(code, MET, f"{title}：{met[0].text}{others}", met[0].record_id)
    data = [p for p in parts if p.outcome == INDETERMINATE] + [p for p in parts if p.outcome == NOT_MET]
    if not data:
        return Criterion(code, MISSING, f"{title}：{_spaced(f'无{nodata}数据')}，数据缺失")
    gaps = [p.label for p in parts if p.outcome == MISSING]
    gap = f"；{'、'.join(gaps)}无数据" if gaps else ""
    outcome = INDETERMINATE if data[0].outcome == INDETERMINATE else NOT_MET
    record_id = data[0].record_id if len(data) == 1 else None
    return Criterion(code, outcome, f"{title}：{'；'.join(p.text for p in data)}{gap}", record_id)


def _num(thresholds: dict, key: str) -> Decimal:
    return profiles.as_decimal(thresholds[key])


class _Data:
    """Records grouped by endpoint and by half-life compartment."""

    def __init__(self, records: list[Record]):
        self.records = list(records)

    def of(self, *endpoints: str) -> list[Record]:
        return [r for r in self.records if r.endpoint in endpoints]

    def half_lives(self, *compartments: str) -> list[Record]:
        return [r for r in self.of("half_life") if r.compartment in compartments]


# ------------------------------------------------------------------------------------------ criteria
def _persistence(code: str, data: _Data, groups: list[tuple[str, tuple[str, ...], Decimal]]) -> Criterion:
    parts = [_numeric_part(label, data.half_lives(*comps), limit, GT, " 天", f"{label}半衰期")
             for label, comps, limit in groups]
    return _combine(code, parts, "、".join(label for label, _c, _l in groups) + "半衰期")


def _gbt_half_life_groups(table: dict) -> list:
    return [(COMPARTMENT_LABELS[c], (c,), profiles.as_decimal(table[c]))
            for c in ("marine_water", "fresh_water", "marine_sediment", "fresh_sediment", "soil")]


def _gbt_criteria(data: _Data, th: dict) -> list[Criterion]:
    p = _persistence("P", data, _gbt_half_life_groups(th["p_half_life_days"]))
    vp = _persistence("vP", data, _gbt_half_life_groups(th["vp_half_life_days"]))
    bcf = data.of("bcf")
    b_part = _numeric_part("BCF", bcf, _num(th, "b_bcf"), GT)
    if b_part.outcome != MISSING:
        b = Criterion("B", b_part.outcome, f"B：{b_part.text}", b_part.record_id)
    else:
        kow = _numeric_part("log Kow", data.of("log_kow"), _num(th, "b_screening_log_kow"), GT)
        if kow.outcome == MET:
            b = Criterion("B", SURROGATE, f"B（筛查替代）：无 BCF 数据，{kow.text}，可能具有生物累积性，仅作提示",
                          kow.record_id)
        else:
            hint = f"；{kow.text}，筛查未提示生物累积性" if kow.outcome != MISSING else ""
            b = Criterion("B", MISSING, f"B：无 BCF 数据，数据缺失{hint}")
    vb_part = _numeric_part("BCF", bcf, _num(th, "vb_bcf"), GT)
    vb = _combine("vB", [vb_part], "BCF")
    t = _combine("T", [
        _numeric_part("慢性 NOEC", data.of("chronic_noec"), _num(th, "t_noec_mg_l"), LT, " mg/L"),
        _category_part("carcinogenicity", data.of("carcinogenicity"), th["t_carc_muta_categories"]),
        _category_part("mutagenicity", data.of("mutagenicity"), th["t_carc_muta_categories"]),
        _category_part("reproductive_toxicity", data.of("reproductive_toxicity"), th["t_repro_categories"]),
        _category_part("stot_re", data.of("stot_re"), th["t_stot_re_categories"]),
    ], "慢性毒性、CMR 及 STOT RE ")
    return [p, vp, b, vb, t]


def _stockholm_criteria(data: _Data, th: dict) -> list[Criterion]:
    half = th["p_half_life_days"]
    p = _persistence("P", data, [
        ("水体", ("marine_water", "fresh_water"), profiles.as_decimal(half["water"])),
        ("土壤", ("soil",), profiles.as_decimal(half["soil"])),
        ("沉积物", ("marine_sediment", "fresh_sediment"), profiles.as_decimal(half["sediment"])),
    ])
    b_part = _numeric_part("BCF/BAF", data.of("bcf", "baf"), _num(th, "b_bcf_baf"), GT)
    if b_part.outcome != MISSING:
        b = Criterion("B", b_part.outcome, f"B：{b_part.text}", b_part.record_id)
    else:
        kow = _numeric_part("log Kow", data.of("log_kow"), _num(th, "b_log_kow"), GT)
        if kow.outcome == MISSING:
            b = Criterion("B", MISSING, "B：无 BCF/BAF 及 log Kow 数据，数据缺失")
        else:
            b = Criterion("B", kow.outcome, f"B：无 BCF/BAF 数据，{kow.text}", kow.record_id)
    lrt = _persistence("LRT", data, [("空气", ("air",), _num(th, "lrt_air_half_life_days"))])
    cmr = th["t_cmr_categories"]
    t = _combine("T", [
        _numeric_part("慢性 NOEC", data.of("chronic_noec"), _num(th, "t_noec_mg_l"), LT, " mg/L"),
        *(_category_part(e, data.of(e), cmr) for e in ("carcinogenicity", "mutagenicity", "reproductive_toxicity")),
        _category_part("stot_re", data.of("stot_re"), th["t_stot_re_categories"]),
        _category_part("aquatic_chronic", data.of("aquatic_chronic"), th["t_aquatic_chronic_categories"]),
    ], "慢性毒性及危害分类")
    return [p, b, lrt, t]


def _hj_hazard_criteria(data: _Data, th: dict) -> list[Criterion]:
    def single(code: str, endpoint: str, accepted: list[str]) -> Criterion:
        return _combine(code, [_category_part(endpoint, data.of(endpoint), accepted)], ENDPOINT_LABELS[endpoint])

    cmr = _combine("CMR", [_category_part(e, data.of(e), th["cmr_categories"])
                           for e in ("carcinogenicity", "mutagenicity", "reproductive_toxicity")],
                   "致癌性、致突变性、生殖毒性分类")
    intl = _combine("INTL", [_category_part(e, data.of(e), []) for e in ("stockholm_listed", "foreign_restriction")],
                    "国际公约及国外管控")
    return [cmr, single("STOT_RE", "stot_re", th["stot_re_categories"]),
            single("AQ_CHRONIC", "aquatic_chronic", th["aquatic_chronic_categories"]),
            single("ED", "endocrine_disruptor", []), intl]


def _exposure_criteria(exposure: Exposure, th: dict) -> tuple[list[Criterion], int, str]:
    """The exposure criteria, the tonnage band (-1 without data, 0 … 3) and the band's name."""
    limits = [_num(th, k) for k in ("tonnage_low", "tonnage_medium", "tonnage_high")]
    if exposure.tonnage is None:
        band, name = -1, ""
        tonnage = Criterion("TONNAGE", MISSING, "产（用）量：无调查数据，数据缺失")
    else:
        band = sum(exposure.tonnage >= limit for limit in limits)
        low, medium, high = (_fmt(x) for x in limits)
        name = [f"< {low}", f"{low}–{medium}", f"{medium}–{high}", f"≥ {high}"][band]
        tonnage = Criterion("TONNAGE", MET if band >= 2 else NOT_MET,
                            f"产（用）量：{_fmt(exposure.tonnage)} 吨/年，属“{name} 吨/年”档"
                            f"（{exposure.enterprises} 家企业、{exposure.regions} 个行政区）")
    share, share_limit = exposure.dispersive_share, _num(th, "dispersive_share_high")
    if share is None:
        dispersive = Criterion("DISPERSIVE", MISSING, "分散式用途：无用途数据，数据缺失")
    else:
        op = "≥" if share >= share_limit else "<"
        dispersive = Criterion("DISPERSIVE", MET if op == "≥" else NOT_MET,
                               f"分散式用途：占产（用）量 {_pct(share)} {op} {_pct(share_limit)}")
    freq, freq_limit = exposure.detection_frequency, _num(th, "detection_frequency_high")
    if freq is None:
        detection = Criterion("DETECTION", MISSING, "环境检出：未开展监测，数据缺失")
    else:
        op = "≥" if freq >= freq_limit else "<"
        detection = Criterion("DETECTION", MET if op == "≥" else NOT_MET,
                              f"环境检出：检出率 {_pct(freq)} {op} {_pct(freq_limit)}（{exposure.samples} 个样品）")
    return [tonnage, dispersive, detection], band, name


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


# ------------------------------------------------------------------------------------------ evaluate
def _json(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    return value


def snapshot(records: list[Record], exposure: Exposure, profile_code: str, thresholds: dict) -> dict:
    """The JSON-ready inputs of an evaluation, with record ids, so that a run can be re-read later."""
    keys = ("id", "endpoint", "compartment", "value", "qualifier", "category", "reliability", "source", "reference")
    exposure_keys = ("tonnage", "enterprises", "regions", "dispersive_share", "detection_frequency", "samples")
    return {
        "profile": profile_code,
        "thresholds": _json(thresholds),
        "records": [{k: _json(getattr(r, k)) for k in keys} for r in records],
        "exposure": {k: _json(getattr(exposure, k)) for k in exposure_keys},
    }


def evaluate(records: list[Record], exposure: Exposure | None, profile_code: str,
             thresholds: dict | None = None) -> Evaluation:
    """Apply one profile to one substance. ``thresholds`` None means the profile's published defaults."""
    thresholds = profiles.default_thresholds(profile_code) if thresholds is None else thresholds
    errors = profiles.validate_thresholds(profile_code, thresholds)
    if errors:
        raise ValueError("；".join(errors))
    exposure = exposure or Exposure(tonnage=None)
    data = _Data(records)
    inputs = snapshot(data.records, exposure, profile_code, thresholds)
    order = profiles.tier_order(profile_code)
    minus = Decimal(-1)
    if profile_code in (GBT24782, STOCKHOLM):
        if profile_code == GBT24782:
            criteria = _gbt_criteria(data, thresholds)
            routes, full, extra = [("P", "B", "T"), ("vP", "vB")], "PBT/vPvB", ("PBT", "vPvB")
        else:
            criteria = _stockholm_criteria(data, thresholds)
            routes, full, extra = [("P", "B", "T", "LRT")], "POP候选", ("POP",)
        by_code = {c.code: c for c in criteria}
        flags = _flags(by_code, tuple(by_code))
        tier, tier_reason = _route_tier(by_code, routes, full)
        flags += [name for name, route in zip(extra, routes, strict=True)
                  if all(by_code[c].outcome == MET for c in route)]
        score = (order[tier], len(flags), exposure.tonnage if exposure.tonnage is not None else minus,
                 exposure.detection_frequency if exposure.detection_frequency is not None else minus)
        return Evaluation(criteria, flags, tier, score, inputs, tier_reason)

    pbt = _gbt_criteria(data, thresholds["pbt"])
    pbt_codes = {c.code: c for c in pbt}
    flags = _flags(pbt_codes, ("P", "vP", "B", "vB", "T"))
    flags += [name for name, route in (("PBT", ("P", "B", "T")), ("vPvB", ("vP", "vB")))
              if all(pbt_codes[c].outcome == MET for c in route)]
    hazard = _hj_hazard_criteria(data, thresholds)
    flags += _flags({c.code: c for c in hazard}, ("CMR", "STOT_RE", "AQ_CHRONIC", "ED", "INTL"))
    concern = [f for f in flags if f in ("PBT", "vPvB", "CMR", "STOT_RE", "AQ_CHRONIC", "ED", "INTL")]
    # "No hazard data at all": every intrinsic-hazard criterion is missing (a mere "not listed" in INTL
    # says nothing about the substance's hazard).
    no_hazard_data = all(c.outcome == MISSING for c in pbt + hazard if c.code != "INTL")
    exposure_criteria, band, band_name = _exposure_criteria(exposure, thresholds)
    outcome = {c.code: c.outcome for c in exposure_criteria}
    tier, row = _matrix_tier(bool(concern), no_hazard_data, band,
                             outcome["DISPERSIVE"] == MET, outcome["DETECTION"] == MET)
    hazard_text = (f"高关注（{'、'.join(TITLES.get(f, f) for f in concern)}）" if concern
                   else "无任何危害数据" if no_hazard_data else "未达高关注")
    exposure_text = "，".join([
        f"产（用）量属“{band_name} 吨/年”档" if band >= 0 else "产（用）量数据缺失",
        f"分散式用途{ {MET: '高', NOT_MET: '不高', MISSING: '数据缺失'}[outcome['DISPERSIVE']] }",
        f"环境检出率{ {MET: '高', NOT_MET: '不高', MISSING: '数据缺失'}[outcome['DETECTION']] }",
    ])
    tier_reason = f"{tier}（判定矩阵第 {row} 行）：{hazard_text}；{exposure_text}"
    score = (order[tier], len(flags), band,
             exposure.detection_frequency if exposure.detection_frequency is not None else minus,
             exposure.tonnage if exposure.tonnage is not None else minus)
    return Evaluation(pbt + hazard + exposure_criteria, flags, tier, score, inputs, tier_reason)
