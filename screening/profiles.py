"""Reference criteria profiles (筛查方案) for screening: default thresholds as data, and the tier matrix.

A ``CriteriaProfile`` version stores a copy of ``default_thresholds(code)`` that staff may edit; the
engine (``screening.engine``) reads every number from that dict, never from a constant here.
Numbers are stored as strings so that the JSON copy keeps them exact (``Decimal(str)``).

Three profiles:

``gbt24782`` — GB/T 24782-2009 PBT/vPvB (technically identical to REACH Annex XIII, 2006 text).
    All published comparisons are strict: half-life "> N d", BCF "> 2000/5000", NOEC "< 0.01 mg/L".
``stockholm`` — Stockholm Convention Annex D screening (P, B, LRT, adverse effects).
    "2 months" and "6 months" are stored as 60 and 180 days (a month = 30 d, as in the engine's units).
``hj1229`` — HJ 1229-2021-style prioritisation ("三高一分"): high concern (PBT/vPvB by the nested
    ``pbt`` thresholds, CMR, STOT RE 1, aquatic chronic 1, endocrine disruptor, international control)
    combined with exposure (tonnage band, dispersive use, detection frequency).

HJ 1229 tier matrix (rows are tried top-down, the first that matches gives the tier)::

    | 档次     | 高关注 | 危害数据 | 暴露条件（任一）                                   |
    |----------|--------|----------|----------------------------------------------------|
    | 优先评估 | 是     | —        | 产（用）量 ≥ 100 吨/年；分散式用途高；环境检出率高 |
    | 关注     | 是     | —        | （无，即高关注但暴露较低）                         |
    | 关注     | 否     | —        | 产（用）量 ≥ 1000 吨/年 且（分散式用途高 或 检出率高） |
    | 数据不足 | 否     | 全部缺失 | 产（用）量 ≥ 10 吨/年                              |
    | 一般     | —      | —        | 其余                                               |

"≥ 100 / ≥ 1000 / ≥ 10 吨/年" are the tonnage bands ``tonnage_medium`` / ``tonnage_high`` /
``tonnage_low`` of the profile's thresholds. Ranking order of the tiers: 优先评估 > 关注 > 数据不足 > 一般
(a substance without hazard data at ≥ 10 t/a is never ranked with the low-priority rest; a substance
whose exposure alone is high is 关注 whether or not it has hazard data).
"""
from __future__ import annotations

from copy import deepcopy
from decimal import Decimal, InvalidOperation

GBT24782 = "gbt24782"
STOCKHOLM = "stockholm"
HJ1229 = "hj1229"

COMPARTMENT_LABELS = {
    "marine_water": "海水",
    "fresh_water": "淡水",
    "marine_sediment": "海洋沉积物",
    "fresh_sediment": "淡水沉积物",
    "soil": "土壤",
    "air": "空气",
}

_PBT = {
    # GB/T 24782-2009 §/REACH Annex XIII 1.1: P if t½ is greater than these values (days).
    "p_half_life_days": {"marine_water": "60", "fresh_water": "40", "marine_sediment": "180",
                         "fresh_sediment": "120", "soil": "120"},
    # vP: > 60 d in any water, > 180 d in any sediment, > 180 d in soil.
    "vp_half_life_days": {"marine_water": "60", "fresh_water": "60", "marine_sediment": "180",
                          "fresh_sediment": "180", "soil": "180"},
    "b_bcf": "2000",      # B: BCF > 2000 L/kg
    "vb_bcf": "5000",     # vB: BCF > 5000 L/kg
    # Screening surrogate when there is no BCF: "log Kow > 4.5" as in the ECHA/REACH text. The issue text
    # said "≥ 4.5"; we follow ECHA (strict). It only ever gives the outcome "surrogate", never "met".
    "b_screening_log_kow": "4.5",
    "t_noec_mg_l": "0.01",  # T: long-term NOEC or EC10 < 0.01 mg/L
    # T by classification (REACH 2011 wording of the same criterion). "1" = category 1 not split in 1A/1B.
    "t_carc_muta_categories": ["1", "1A", "1B"],
    "t_repro_categories": ["1", "1A", "1B", "2"],
    "t_stot_re_categories": ["1", "2"],
}

_STOCKHOLM = {
    # Annex D 1(b): t½ in water > 2 months, soil > 6 months, sediment > 6 months (1 month = 30 d).
    "p_half_life_days": {"water": "60", "soil": "180", "sediment": "180"},
    "b_bcf_baf": "5000",   # Annex D 1(c)(i): BCF or BAF in aquatic species > 5000
    "b_log_kow": "5",      # ... or, in the absence of BCF/BAF data, log Kow > 5
    "lrt_air_half_life_days": "2",  # Annex D 1(d)(iii): t½ in air > 2 days
    # Annex D 1(e) gives no number for adverse effects; the portal reads "T" from these classifications.
    "t_noec_mg_l": "0.01",
    "t_cmr_categories": ["1", "1A", "1B"],
    "t_stot_re_categories": ["1"],
    "t_aquatic_chronic_categories": ["1"],
}

_HJ1229 = {
    "pbt": deepcopy(_PBT),
    "cmr_categories": ["1", "1A", "1B"],
    "stot_re_categories": ["1"],
    "aquatic_chronic_categories": ["1"],
    # Tonnage bands in t/a (new-chemical registration levels 10 / 100 / 1000): <10, 10–100, 100–1000, ≥1000.
    "tonnage_low": "10",
    "tonnage_medium": "100",
    "tonnage_high": "1000",
    # Portal choice, not published: a share of tonnage in dispersive uses ≥ 0.5 counts as "dispersive high".
    "dispersive_share_high": "0.5",
    # Portal choice, not published: a detection frequency ≥ 0.2 counts as "detection high".
    "detection_frequency_high": "0.2",
}

PROFILES = {
    GBT24782: {
        "name": "GB/T 24782-2009 PBT/vPvB 判定",
        "thresholds": _PBT,
        "tiers": {"PBT/vPvB": 4, "数据不足": 3, "部分符合": 2, "不符合": 1},
    },
    STOCKHOLM: {
        "name": "《斯德哥尔摩公约》附件D 筛选标准",
        "thresholds": _STOCKHOLM,
        "tiers": {"POP候选": 4, "数据不足": 3, "部分符合": 2, "不符合": 1},
    },
    HJ1229: {
        "name": "HJ 1229-2021 优先评估化学物质筛选（三高一分）",
        "thresholds": _HJ1229,
        "tiers": {"优先评估": 4, "关注": 3, "数据不足": 2, "一般": 1},
    },
}

# The HJ 1229 tier matrix as data (see the module docstring). ``high_concern`` / ``no_hazard_data``:
# True/False must match, None = either. ``exposure_any_of``: alternatives, each a tuple of signals that must
# all hold; an empty tuple means no exposure condition. Signals: "band>=N" (tonnage band index, 0 = below
# tonnage_low … 3 = at least tonnage_high), "dispersive" (share ≥ dispersive_share_high), "detection".
HJ1229_TIER_MATRIX = (
    {"tier": "优先评估", "high_concern": True, "no_hazard_data": None,
     "exposure_any_of": (("band>=2",), ("dispersive",), ("detection",))},
    {"tier": "关注", "high_concern": True, "no_hazard_data": None, "exposure_any_of": ()},
    {"tier": "关注", "high_concern": False, "no_hazard_data": None,
     "exposure_any_of": (("band>=3", "dispersive"), ("band>=3", "detection"))},
    {"tier": "数据不足", "high_concern": False, "no_hazard_data": True, "exposure_any_of": (("band>=1",),)},
    {"tier": "一般", "high_concern": None, "no_hazard_data": None, "exposure_any_of": ()},
)

_LABELS = {
    "pbt": "PBT 判定",
    "p_half_life_days": "P 半衰期（天）",
    "vp_half_life_days": "vP 半衰期（天）",
    "water": "水体",
    "sediment": "沉积物",
    "b_bcf": "B 的 BCF",
    "vb_bcf": "vB 的 BCF",
    "b_screening_log_kow": "B 筛查替代 log Kow",
    "b_bcf_baf": "B 的 BCF/BAF",
    "b_log_kow": "B 的 log Kow",
    "lrt_air_half_life_days": "LRT 空气半衰期（天）",
    "t_noec_mg_l": "T 的慢性 NOEC（mg/L）",
    "t_carc_muta_categories": "T 的致癌性/致突变性类别",
    "t_repro_categories": "T 的生殖毒性类别",
    "t_stot_re_categories": "T 的 STOT RE 类别",
    "t_cmr_categories": "T 的 CMR 类别",
    "t_aquatic_chronic_categories": "T 的慢性水生危害类别",
    "cmr_categories": "CMR 类别",
    "stot_re_categories": "STOT RE 类别",
    "aquatic_chronic_categories": "慢性水生危害类别",
    "tonnage_low": "产（用）量第一档（吨/年）",
    "tonnage_medium": "产（用）量第二档（吨/年）",
    "tonnage_high": "产（用）量第三档（吨/年）",
    "dispersive_share_high": "分散式用途占比阈值",
    "detection_frequency_high": "检出率阈值",
    **COMPARTMENT_LABELS,
}
_SHARES = ("dispersive_share_high", "detection_frequency_high")


def default_thresholds(profile_code: str) -> dict:
    """A fresh, editable copy of the published thresholds of a profile."""
    if profile_code not in PROFILES:
        raise ValueError(f"未知的筛查方案“{profile_code}”，可选：{'、'.join(PROFILES)}")
    return deepcopy(PROFILES[profile_code]["thresholds"])


def tier_order(profile_code: str) -> dict[str, int]:
    return dict(PROFILES[profile_code]["tiers"])


def as_decimal(value) -> Decimal | None:
    """A threshold value as Decimal (ints, floats, Decimals, numeric strings), or None if it is not a number."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, float):
        value = str(value)
    try:
        number = Decimal(value.strip() if isinstance(value, str) else value)
    except (InvalidOperation, TypeError, ValueError):
        return None
    return number if number.is_finite() else None


def threshold_label(path: str) -> str:
    """A threshold's name for people, e.g. "pbt.b_bcf" → "PBT 判定 · B 的 BCF"."""
    return " · ".join(_LABELS.get(part, part) for part in path.split("."))


def threshold_rows(thresholds: dict, prefix: str = ""):
    """(name, value) of every threshold, nested keys flattened, category lists joined with 、."""
    for key, value in thresholds.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from threshold_rows(value, f"{path}.")
        else:
            yield threshold_label(path), "、".join(value) if isinstance(value, list) else value


def _label(path: str) -> str:
    return f"“{threshold_label(path).replace(' · ', '·')}”（{path}）"


def _walk(template: dict, given: dict, prefix: str, errors: list[str]) -> None:
    for key, expected in template.items():
        path = f"{prefix}{key}"
        if key not in given:
            errors.append(f"缺少阈值{_label(path)}")
            continue
        value = given[key]
        if isinstance(expected, dict):
            if isinstance(value, dict):
                _walk(expected, value, f"{path}.", errors)
            else:
                errors.append(f"阈值{_label(path)}应为分项表")
        elif isinstance(expected, list):
            if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
                errors.append(f"阈值{_label(path)}应为类别列表，例如 [\"1A\", \"1B\"]")
        else:
            number = as_decimal(value)
            if number is None:
                errors.append(f"阈值{_label(path)}不是数值：“{value}”")
            elif number < 0:
                errors.append(f"阈值{_label(path)}不能为负数：{value}")
            elif key in _SHARES and number > 1:
                errors.append(f"阈值{_label(path)}是比例，应在 0 到 1 之间：{value}")
    for key in given:
        if key not in template:
            errors.append(f"未知的阈值项“{prefix}{key}”")


def validate_thresholds(profile_code: str, thresholds) -> list[str]:
    """Chinese messages for missing, non-numeric, negative or inconsistent thresholds; [] when valid."""
    if profile_code not in PROFILES:
        return [f"未知的筛查方案“{profile_code}”，可选：{'、'.join(PROFILES)}"]
    if not isinstance(thresholds, dict):
        return ["阈值应为分项表（键值对）"]
    errors: list[str] = []
    _walk(PROFILES[profile_code]["thresholds"], thresholds, "", errors)
    if profile_code == HJ1229 and not errors:
        low, medium, high = (as_decimal(thresholds[k]) for k in ("tonnage_low", "tonnage_medium", "tonnage_high"))
        if not low < medium < high:
            errors.append(f"产（用）量分档应递增：{low} < {medium} < {high}")
    return errors
