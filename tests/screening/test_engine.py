"""The screening engine on plain data: thresholds at their boundaries, missing data, qualifiers, record
selection, units, threshold validation and a hand-computed HJ 1229 ranking. No database, no cache."""
import json
from decimal import Decimal as D

import pytest

from screening import profiles
from screening.engine import (
    INDETERMINATE,
    MET,
    MISSING,
    NOT_MET,
    SURROGATE,
    Exposure,
    Record,
    convert,
    evaluate,
    evaluate_prepared,
    parse_qualified,
    prepare,
)
from screening.profiles import default_thresholds, validate_thresholds


@pytest.fixture(autouse=True)
def _clear_cache():
    """Overrides the suite-wide fixture that clears Redis: these tests touch neither cache nor database."""
    yield


def half_life(compartment, value, qualifier="=", reliability=2, id=None, reference=""):
    return Record(id, "half_life", compartment, D(str(value)), qualifier, reliability=reliability,
                  reference=reference)


def number(endpoint, value, qualifier="=", reliability=2, id=None, reference=""):
    return Record(id, endpoint, value=D(str(value)), qualifier=qualifier, reliability=reliability,
                  reference=reference)


def qualified(endpoint, text, reliability=2, id=None):
    qualifier, value = parse_qualified(text)
    return Record(id, endpoint, value=value, qualifier=qualifier, reliability=reliability)


def category(endpoint, value, reliability=2, id=None, reference=""):
    return Record(id, endpoint, category=value, reliability=reliability, reference=reference)


def criterion(records, code, profile="gbt24782", exposure=None, thresholds=None):
    evaluation = evaluate(records, exposure, profile, thresholds)
    found = evaluation.criterion(code)
    assert found is not None, f"{code} not in {[c.code for c in evaluation.criteria]}"
    return found


# ------------------------------------------------------------------ GB/T 24782 boundaries
P_LIMITS = {"marine_water": 60, "fresh_water": 40, "marine_sediment": 180, "fresh_sediment": 120, "soil": 120}
VP_LIMITS = {"marine_water": 60, "fresh_water": 60, "marine_sediment": 180, "fresh_sediment": 180, "soil": 180}


@pytest.mark.parametrize("code, limits", [("P", P_LIMITS), ("vP", VP_LIMITS)])
@pytest.mark.parametrize("compartment", list(P_LIMITS))
@pytest.mark.parametrize("delta, outcome, op", [("-0.01", NOT_MET, "≤"), ("0", NOT_MET, "≤"), ("0.01", MET, ">")])
def test_gbt24782_half_life_boundaries(code, limits, compartment, delta, outcome, op):
    limit = limits[compartment]
    value = D(limit) + D(delta)
    found = criterion([half_life(compartment, value, id=7, reference="ECHA 注册卷宗")], code)
    assert found.outcome == outcome
    label = profiles.COMPARTMENT_LABELS[compartment]
    assert f"{label}半衰期 {value.normalize():f} 天 {op} {limit} 天" in found.reason
    assert "来源：ECHA 注册卷宗，可靠性 2" in found.reason
    assert found.record_id == 7


def test_reason_reads_as_in_the_brief():
    found = criterion([half_life("fresh_water", 180, reliability=1, reference="ECHA 注册卷宗")], "P")
    assert found.reason == "P：淡水半衰期 180 天 > 40 天（来源：ECHA 注册卷宗，可靠性 1）"


@pytest.mark.parametrize("code, value, outcome", [
    ("B", "1999.9", NOT_MET), ("B", "2000", NOT_MET), ("B", "2000.1", MET),
    ("vB", "4999.9", NOT_MET), ("vB", "5000", NOT_MET), ("vB", "5000.1", MET),
])
def test_gbt24782_bcf_boundaries(code, value, outcome):
    found = criterion([number("bcf", value)], code)
    assert found.outcome == outcome
    limit = "2000" if code == "B" else "5000"
    assert f"BCF {value} {'>' if outcome == MET else '≤'} {limit}" in found.reason


@pytest.mark.parametrize("value, outcome", [("0.0101", NOT_MET), ("0.01", NOT_MET), ("0.0099", MET)])
def test_gbt24782_noec_boundary(value, outcome):
    found = criterion([number("chronic_noec", value)], "T")
    assert found.outcome == outcome
    assert f"慢性 NOEC/EC10 {value} mg/L {'<' if outcome == MET else '≥'} 0.01 mg/L" in found.reason


@pytest.mark.parametrize("endpoint, value, outcome", [
    ("carcinogenicity", "1A", MET), ("carcinogenicity", "1B", MET), ("carcinogenicity", "2", NOT_MET),
    ("mutagenicity", "1B", MET), ("mutagenicity", "2", NOT_MET),
    ("reproductive_toxicity", "2", MET), ("reproductive_toxicity", "1A", MET),
    ("stot_re", "1", MET), ("stot_re", "2", MET),
])
def test_gbt24782_t_by_classification(endpoint, value, outcome):
    found = criterion([category(endpoint, value)], "T")
    assert found.outcome == outcome
    assert f"类别 {value}" in found.reason


@pytest.mark.parametrize("log_kow, outcome", [("4.49", MISSING), ("4.5", MISSING), ("4.51", SURROGATE)])
def test_log_kow_is_only_a_screening_hint_for_b(log_kow, outcome):
    evaluation = evaluate([number("log_kow", log_kow)], None, "gbt24782", None)
    b = evaluation.criterion("B")
    assert b.outcome == outcome
    assert "B" not in evaluation.flags
    if outcome == SURROGATE:
        assert b.reason.startswith("B（筛查替代）：无 BCF 数据，log Kow 4.51 > 4.5")
        assert "仅作提示" in b.reason
    else:
        assert "数据缺失" in b.reason and f"log Kow {log_kow} ≤ 4.5" in b.reason


def test_log_kow_is_ignored_when_there_is_a_bcf():
    found = criterion([number("bcf", 100), number("log_kow", 7)], "B")
    assert found.outcome == NOT_MET and "log Kow" not in found.reason


# ------------------------------------------------------------------ Stockholm boundaries
@pytest.mark.parametrize("compartment, limit", [
    ("marine_water", 60), ("fresh_water", 60), ("soil", 180), ("marine_sediment", 180), ("fresh_sediment", 180),
])
@pytest.mark.parametrize("delta, outcome", [("-0.01", NOT_MET), ("0", NOT_MET), ("0.01", MET)])
def test_stockholm_persistence_boundaries(compartment, limit, delta, outcome):
    found = criterion([half_life(compartment, D(limit) + D(delta))], "P", "stockholm")
    assert found.outcome == outcome
    assert f"{limit} 天" in found.reason


@pytest.mark.parametrize("records, outcome, text", [
    ([number("bcf", "5000")], NOT_MET, "BCF 5000 ≤ 5000"),
    ([number("bcf", "5000.1")], MET, "BCF 5000.1 > 5000"),
    ([number("baf", "5000.1")], MET, "BAF 5000.1 > 5000"),
    ([number("log_kow", "4.99")], NOT_MET, "log Kow 4.99 ≤ 5"),
    ([number("log_kow", "5")], NOT_MET, "无 BCF/BAF 数据，log Kow 5 ≤ 5"),
    ([number("log_kow", "5.01")], MET, "无 BCF/BAF 数据，log Kow 5.01 > 5"),
    ([number("bcf", "1200"), number("log_kow", "6")], NOT_MET, "BCF 1200 ≤ 5000"),
    ([], MISSING, "无 BCF/BAF 及 log Kow 数据，数据缺失"),
])
def test_stockholm_bioaccumulation(records, outcome, text):
    found = criterion(records, "B", "stockholm")
    assert found.outcome == outcome
    assert text in found.reason


@pytest.mark.parametrize("value, unit, outcome", [
    ("2", "d", NOT_MET), ("48", "h", NOT_MET), ("49", "h", MET), ("2.01", "天", MET),
])
def test_stockholm_long_range_transport_by_air_half_life(value, unit, outcome):
    found = criterion([half_life("air", convert(value, unit, "half_life"))], "LRT", "stockholm")
    assert found.outcome == outcome
    assert "> 2 天" in found.reason if outcome == MET else "≤ 2 天" in found.reason


@pytest.mark.parametrize("records, outcome", [
    ([category("aquatic_chronic", "1")], MET),
    ([category("aquatic_chronic", "2")], NOT_MET),
    ([category("stot_re", "1")], MET),
    ([category("stot_re", "2")], NOT_MET),          # Stockholm profile takes STOT RE 1 only
    ([category("reproductive_toxicity", "2")], NOT_MET),
    ([category("mutagenicity", "1B")], MET),
    ([number("chronic_noec", "0.0099")], MET),
    ([number("chronic_noec", "0.01")], NOT_MET),
    ([], MISSING),
])
def test_stockholm_toxicity(records, outcome):
    assert criterion(records, "T", "stockholm").outcome == outcome


# ------------------------------------------------------------------ missing data
@pytest.mark.parametrize("profile, codes", [
    ("gbt24782", ["P", "vP", "B", "vB", "T"]),
    ("stockholm", ["P", "B", "LRT", "T"]),
    ("hj1229", ["P", "vP", "B", "vB", "T", "CMR", "STOT_RE", "AQ_CHRONIC", "ED", "INTL",
                "TONNAGE", "DISPERSIVE", "DETECTION"]),
])
def test_missing_data_is_missing_and_says_so(profile, codes):
    evaluation = evaluate([], Exposure(tonnage=None), profile, None)
    assert [c.code for c in evaluation.criteria] == codes
    for found in evaluation.criteria:
        assert found.outcome == MISSING, found
        assert "数据缺失" in found.reason
        assert found.record_id is None
    assert evaluation.flags == []


def test_missing_reasons_name_what_is_missing():
    evaluation = evaluate([], None, "gbt24782", None)
    assert evaluation.criterion("B").reason == "B：无 BCF 数据，数据缺失"
    assert evaluation.criterion("P").reason == "P：无海水、淡水、海洋沉积物、淡水沉积物、土壤半衰期数据，数据缺失"
    assert evaluation.criterion("LRT") is None
    exposure = evaluate([], None, "hj1229", None)
    assert exposure.criterion("DETECTION").reason == "环境检出：未开展监测，数据缺失"


def test_partial_half_life_data_is_not_met_and_names_the_gaps():
    found = criterion([half_life("fresh_water", 30), half_life("soil", 100)], "P")
    assert found.outcome == NOT_MET
    assert "淡水半衰期 30 天 ≤ 40 天" in found.reason and "土壤半衰期 100 天 ≤ 120 天" in found.reason
    assert found.reason.endswith("海水、海洋沉积物、淡水沉积物无数据")
    assert found.record_id is None  # two compartments decided it together


def test_partial_toxicity_data_is_not_met_and_names_the_gaps():
    found = criterion([number("chronic_noec", "0.5", id=3)], "T")
    assert found.outcome == NOT_MET and found.record_id == 3
    assert "致癌性、生殖细胞致突变性、生殖毒性、STOT RE无数据" in found.reason


def test_missing_data_never_completes_a_pbt():
    records = [half_life("fresh_water", 200), category("carcinogenicity", "1B")]
    evaluation = evaluate(records, None, "gbt24782", None)
    assert evaluation.criterion("B").outcome == MISSING
    assert "PBT" not in evaluation.flags
    assert evaluation.tier == "数据不足"
    assert evaluation.tier_reason == "数据不足：B 数据缺失、vB 数据缺失，尚不能排除 PBT/vPvB"


def test_record_without_value_is_no_data():
    assert criterion([Record(1, "bcf", reliability=1)], "B").outcome == MISSING


# ------------------------------------------------------------------ qualifiers
@pytest.mark.parametrize("text, outcome", [
    ("≥2000", INDETERMINATE), ("≥2001", MET), ("<1500", NOT_MET),
    (">2000", MET), (">1999", INDETERMINATE), ("<=2000", NOT_MET), ("<2500", INDETERMINATE),
    ("~2500", MET), ("～2000", NOT_MET), ("＞＝ 2000", INDETERMINATE),
])
def test_qualified_bcf_against_b(text, outcome):
    found = criterion([qualified("bcf", text)], "B")
    assert found.outcome == outcome
    if outcome == INDETERMINATE:
        assert "无法判定是否 > 2000（结果不确定）" in found.reason


@pytest.mark.parametrize("text, outcome", [
    ("<0.01", MET), ("<=0.01", INDETERMINATE), ("<0.02", INDETERMINATE), ("≤0.0099", MET),
    (">0.01", NOT_MET), ("≥0.01", NOT_MET), (">0.005", INDETERMINATE), ("~0.005", MET),
])
def test_qualified_noec_against_t(text, outcome):
    assert criterion([qualified("chronic_noec", text)], "T").outcome == outcome


def test_qualified_reasons_show_the_qualifier():
    assert criterion([qualified("bcf", ">2000")], "B").reason.startswith("B：BCF >2000，可判定 > 2000")
    assert criterion([qualified("bcf", "<1500")], "B").reason.startswith("B：BCF <1500，可判定 ≤ 2000")


def test_an_indeterminate_compartment_makes_p_indeterminate():
    found = criterion([half_life("fresh_water", 40, ">="), half_life("soil", 100)], "P")
    assert found.outcome == INDETERMINATE
    assert "淡水半衰期 ≥40 天，无法判定是否 > 40 天" in found.reason and "土壤半衰期 100 天 ≤ 120 天" in found.reason


def test_one_met_compartment_is_enough_and_the_others_are_named():
    found = criterion([half_life("soil", 130, id=1), half_life("fresh_water", 41, id=2),
                       half_life("marine_water", 10, id=3)], "P")
    assert found.outcome == MET and found.record_id == 2
    assert found.reason.startswith("P：淡水半衰期 41 天 > 40 天") and found.reason.endswith("另土壤亦符合")


# ------------------------------------------------------------------ record selection
def test_the_most_reliable_record_wins_even_when_less_conservative():
    found = criterion([number("bcf", 3000, reliability=2, id=1), number("bcf", 1000, reliability=1, id=2)], "B")
    assert found.outcome == NOT_MET and found.record_id == 2
    assert "BCF 1000 ≤ 2000" in found.reason
    assert "可靠性 1，共 2 条记录，取可靠性最高且最保守者" in found.reason


def test_among_equally_reliable_records_the_most_conservative_wins():
    records = [number("bcf", 1000, reliability=1, id=1), number("bcf", 3000, reliability=1, id=2),
               number("bcf", 2500, reliability=1, id=3), number("bcf", 9000, reliability=3, id=4)]
    found = criterion(records, "B")
    assert found.outcome == MET and found.record_id == 2
    assert "BCF 3000 > 2000" in found.reason and "共 4 条记录" in found.reason


def test_lowest_noec_and_longest_half_life_are_taken():
    t = criterion([number("chronic_noec", "0.05", id=1), number("chronic_noec", "0.005", id=2)], "T")
    assert t.outcome == MET and t.record_id == 2
    p = criterion([half_life("fresh_water", 30, id=1), half_life("fresh_water", 50, id=2)], "P")
    assert p.outcome == MET and p.record_id == 2


def test_a_record_that_leads_to_met_beats_a_more_extreme_undecided_one():
    found = criterion([qualified("bcf", "<9000", id=1), number("bcf", 2100, id=2)], "B")
    assert found.outcome == MET and found.record_id == 2
    undecided = criterion([qualified("bcf", "≥1800", id=1), number("bcf", 1900, id=2)], "B")
    assert undecided.outcome == INDETERMINATE and undecided.record_id == 1


def test_category_selection_follows_the_same_rule():
    assert criterion([category("carcinogenicity", "2", 1, id=1), category("carcinogenicity", "1B", 2, id=2)],
                     "T").outcome == NOT_MET
    found = criterion([category("carcinogenicity", "2", 1, id=1), category("carcinogenicity", "1B", 1, id=2)], "T")
    assert found.outcome == MET and found.record_id == 2


def test_ties_go_to_the_lowest_record_id():
    found = criterion([number("bcf", 3000, id=9), number("bcf", 3000, id=4)], "B")
    assert found.record_id == 4


# ------------------------------------------------------------------ units and parsing
@pytest.mark.parametrize("value, unit, endpoint, expected", [
    ("48", "h", "half_life", "2"), ("36", "小时", "half_life", "1.5"), ("12", "Hours", "half_life", "0.5"),
    ("2", "a", "half_life", "730"), ("1", "年", "half_life", "365"), ("1", "year", "half_life", "365"),
    ("1", "month", "half_life", "30"), ("2", "周", "half_life", "14"), ("40", "d", "half_life", "40"),
    ("5", "μg/L", "chronic_noec", "0.005"), ("5", "µg/L", "chronic_noec", "0.005"),
    ("5", "ug/l", "acute_lc50", "0.005"), ("5", "ng/L", "chronic_noec", "0.000005"),
    ("0.5", "g/L", "chronic_noec", "500"), ("0.01", "mg/L", "chronic_noec", "0.01"),
    ("2796", "L/kg", "bcf", "2796"), ("2796", "", "baf", "2796"), ("5.2", "", "log_kow", "5.2"),
])
def test_convert_to_canonical_units(value, unit, endpoint, expected):
    assert convert(value, unit, endpoint) == D(expected)


def test_converted_hours_feed_the_reason_readably():
    found = criterion([half_life("air", convert(50, "h", "half_life"))], "LRT", "stockholm")
    assert "空气半衰期 2.08333 天 > 2 天" in found.reason


@pytest.mark.parametrize("value, unit, endpoint", [
    ("1", "ppm", "chronic_noec"), ("1", "秒", "half_life"), ("1", "kg/L", "bcf"), ("1", "mg/L", "carcinogenicity"),
])
def test_unknown_units_are_rejected_in_chinese(value, unit, endpoint):
    with pytest.raises(ValueError) as error:
        convert(value, unit, endpoint)
    assert unit in str(error.value)


def test_unknown_unit_message_lists_the_allowed_ones():
    with pytest.raises(ValueError, match="不支持的单位“ppm”.*允许的单位：.*mg/L.*μg/L"):
        convert(1, "ppm", "chronic_noec")


@pytest.mark.parametrize("text, expected", [
    ("≥2000", (">=", "2000")), ("≤ 0.01", ("<=", "0.01")), (">5", (">", "5")), ("<1500", ("<", "1500")),
    ("=7", ("=", "7")), ("~5.2", ("~", "5.2")), ("～5.2", ("~", "5.2")), ("＞＝２０００", (">=", "2000")),
    ("＜ 0.5", ("<", "0.5")), (" 180 ", ("=", "180")), ("2,000", ("=", "2000")), ("-1.5", ("=", "-1.5")),
])
def test_parse_qualified(text, expected):
    assert parse_qualified(text) == (expected[0], D(expected[1]))


@pytest.mark.parametrize("text", ["", "abc", "≥", "NaN", "Infinity", "2000天", "1,5"])
def test_parse_qualified_rejects_non_numbers(text):
    with pytest.raises(ValueError, match="不是有效的数值"):
        parse_qualified(text)


def test_records_are_checked_and_normalised():
    with pytest.raises(ValueError, match="未知的危害终点"):
        Record(1, "toxicity")
    with pytest.raises(ValueError, match="半衰期须注明介质"):
        Record(1, "half_life", value=D(1))
    with pytest.raises(ValueError, match="yes"):
        Record(1, "endocrine_disruptor", category="maybe")
    assert Record(1, "carcinogenicity", category="Cat. 1b").category == "1B"
    assert Record(1, "stot_re", category="第1类").category == "1"
    assert Record(1, "stockholm_listed", category="是").category == "yes"
    assert Record(1, "bcf", value=2000.5).value == D("2000.5")


# ------------------------------------------------------------------ thresholds
@pytest.mark.parametrize("profile", ["gbt24782", "stockholm", "hj1229"])
def test_published_defaults_validate(profile):
    assert validate_thresholds(profile, default_thresholds(profile)) == []


def test_published_numbers():
    gbt = default_thresholds("gbt24782")
    assert gbt["p_half_life_days"] == {"marine_water": "60", "fresh_water": "40", "marine_sediment": "180",
                                       "fresh_sediment": "120", "soil": "120"}
    assert (gbt["b_bcf"], gbt["vb_bcf"], gbt["b_screening_log_kow"], gbt["t_noec_mg_l"]) == ("2000", "5000", "4.5",
                                                                                           "0.01")
    pops = default_thresholds("stockholm")
    assert pops["p_half_life_days"] == {"water": "60", "soil": "180", "sediment": "180"}
    assert (pops["b_bcf_baf"], pops["b_log_kow"], pops["lrt_air_half_life_days"]) == ("5000", "5", "2")
    assert default_thresholds("hj1229")["pbt"] == gbt


def test_validation_messages():
    th = default_thresholds("gbt24782")
    th["b_bcf"] = "-1"
    th["p_half_life_days"]["soil"] = "abc"
    th["vb_bcf"] = True
    del th["t_noec_mg_l"]
    th["t_repro_categories"] = "1A"
    th["typo"] = 1
    messages = validate_thresholds("gbt24782", th)
    assert "阈值“B 的 BCF”（b_bcf）不能为负数：-1" in messages
    assert "阈值“P 半衰期（天）·土壤”（p_half_life_days.soil）不是数值：“abc”" in messages
    assert "阈值“vB 的 BCF”（vb_bcf）不是数值：“True”" in messages
    assert "缺少阈值“T 的慢性 NOEC（mg/L）”（t_noec_mg_l）" in messages
    assert any("t_repro_categories" in m and "类别列表" in m for m in messages)
    assert "未知的阈值项“typo”" in messages
    assert len(messages) == 6


def test_validation_of_hj1229_specifics():
    th = default_thresholds("hj1229")
    th["pbt"]["vb_bcf"] = -5
    th["dispersive_share_high"] = "1.5"
    messages = validate_thresholds("hj1229", th)
    assert any("pbt.vb_bcf" in m and "不能为负数" in m for m in messages)
    assert any("dispersive_share_high" in m and "0 到 1" in m for m in messages)
    th = default_thresholds("hj1229")
    th["tonnage_medium"] = "5"
    assert validate_thresholds("hj1229", th) == ["产（用）量分档应递增：10 < 5 < 1000"]
    assert validate_thresholds("reach", {}) == ["未知的筛查方案“reach”，可选：gbt24782、stockholm、hj1229"]


def test_evaluate_refuses_invalid_thresholds():
    th = default_thresholds("stockholm")
    th["b_log_kow"] = "five"
    with pytest.raises(ValueError, match="b_log_kow"):
        evaluate([], None, "stockholm", th)


def test_the_engine_reads_the_thresholds_dict():
    records = [number("bcf", 1500), half_life("fresh_water", 30), half_life("air", 1.5)]
    assert criterion(records, "B").outcome == NOT_MET
    th = default_thresholds("gbt24782")
    th["b_bcf"] = "1000"
    found = criterion(records, "B", thresholds=th)
    assert found.outcome == MET and "BCF 1500 > 1000" in found.reason

    hj = default_thresholds("hj1229")
    hj["pbt"]["p_half_life_days"]["fresh_water"] = 20
    assert criterion(records, "P", "hj1229", thresholds=hj).outcome == MET

    pops = default_thresholds("stockholm")
    pops["lrt_air_half_life_days"] = "1"
    assert criterion(records, "LRT", "stockholm").outcome == NOT_MET
    assert criterion(records, "LRT", "stockholm", thresholds=pops).outcome == MET


def test_editing_an_exposure_threshold_changes_the_tier():
    records = [category("endocrine_disruptor", "yes")]
    exposure = Exposure(tonnage=D(5), detection_frequency=D("0.15"), samples=20)
    assert evaluate(records, exposure, "hj1229", None).tier == "关注"
    th = default_thresholds("hj1229")
    th["detection_frequency_high"] = "0.1"
    evaluation = evaluate(records, exposure, "hj1229", th)
    assert evaluation.tier == "优先评估"
    assert evaluation.criterion("DETECTION").reason == "环境检出：检出率 15% ≥ 10%（20 个样品）"


# ------------------------------------------------------------------ tiers of the reference profiles
def test_gbt24782_tiers():
    pbt = [half_life("fresh_water", 50), number("bcf", 3000), category("stot_re", "2")]
    evaluation = evaluate(pbt, None, "gbt24782", None)
    assert (evaluation.tier, evaluation.flags) == ("PBT/vPvB", ["P", "B", "T", "PBT"])
    assert evaluation.tier_reason == "PBT/vPvB：P、B、T 均符合"

    vpvb = [half_life("soil", 200), number("bcf", 6000), number("chronic_noec", 1)]
    evaluation = evaluate(vpvb, None, "gbt24782", None)
    assert (evaluation.tier, evaluation.flags) == ("PBT/vPvB", ["P", "vP", "B", "vB", "vPvB"])

    partial = [half_life("fresh_water", 50), number("bcf", 100), number("chronic_noec", 1)]
    evaluation = evaluate(partial, None, "gbt24782", None)
    assert evaluation.tier == "部分符合"
    assert evaluation.tier_reason == "部分符合：P 符合，但 vP、B、vB、T 不符合"

    none = [half_life("fresh_water", 5), number("bcf", 100), category("carcinogenicity", "2")]
    assert evaluate(none, None, "gbt24782", None).tier == "不符合"
    assert evaluate([], None, "gbt24782", None).tier == "数据不足"
    surrogate = [half_life("fresh_water", 50), number("log_kow", 6), category("carcinogenicity", "1A")]
    assert evaluate(surrogate, None, "gbt24782", None).tier == "数据不足"


def test_stockholm_tiers():
    pop = [half_life("soil", 400), number("bcf", 8000), half_life("air", 3), category("aquatic_chronic", "1")]
    evaluation = evaluate(pop, None, "stockholm", None)
    assert (evaluation.tier, evaluation.flags) == ("POP候选", ["P", "B", "LRT", "T", "POP"])
    evaluation = evaluate(pop[:2] + pop[3:], None, "stockholm", None)
    assert evaluation.tier == "数据不足" and evaluation.tier_reason == "数据不足：LRT 数据缺失，尚不能排除 POP候选"
    assert evaluate([half_life("soil", 400), number("bcf", 100)], None, "stockholm", None).tier == "部分符合"
    assert evaluate([half_life("soil", 10)], None, "stockholm", None).tier == "不符合"


# ------------------------------------------------------------------ HJ 1229 matrix
@pytest.mark.parametrize("tonnage, band", [
    ("9.99", 0), ("10", 1), ("99.99", 1), ("100", 2), ("999.9", 2), ("1000", 3), (None, -1),
])
def test_tonnage_bands(tonnage, band):
    evaluation = evaluate([], Exposure(tonnage=None if tonnage is None else D(tonnage)), "hj1229", None)
    assert evaluation.score[2] == band


@pytest.mark.parametrize("share, outcome, text", [("0.49", NOT_MET, "49% < 50%"), ("0.5", MET, "50% ≥ 50%")])
def test_dispersive_share_boundary(share, outcome, text):
    found = criterion([], "DISPERSIVE", "hj1229", Exposure(tonnage=D(1), dispersive_share=D(share)))
    assert found.outcome == outcome and text in found.reason


@pytest.mark.parametrize("frequency, outcome", [("0.19", NOT_MET), ("0.2", MET)])
def test_detection_frequency_boundary(frequency, outcome):
    found = criterion([], "DETECTION", "hj1229", Exposure(tonnage=None, detection_frequency=D(frequency)))
    assert found.outcome == outcome


@pytest.mark.parametrize("records, exposure, tier", [
    # high concern: any exposure signal gives 优先评估, otherwise 关注
    ([category("stot_re", "1")], Exposure(tonnage=D(100)), "优先评估"),
    ([category("stot_re", "1")], Exposure(tonnage=D("99.9")), "关注"),
    ([category("aquatic_chronic", "1")], Exposure(tonnage=D(1), dispersive_share=D("0.5")), "优先评估"),
    ([category("foreign_restriction", "yes")], Exposure(tonnage=None, detection_frequency=D("0.2")), "优先评估"),
    ([category("reproductive_toxicity", "1B")], Exposure(tonnage=None), "关注"),
    # not high concern: only high tonnage with dispersive use or detection raises it
    ([category("stot_re", "2")], Exposure(tonnage=D(1000), dispersive_share=D("0.6")), "关注"),
    ([category("stot_re", "2")], Exposure(tonnage=D(999), dispersive_share=D("0.6")), "一般"),
    ([category("stot_re", "2")], Exposure(tonnage=D(5000)), "一般"),
    ([], Exposure(tonnage=D(5000), detection_frequency=D("0.3")), "关注"),
    # no hazard data at all
    ([], Exposure(tonnage=D(10)), "数据不足"),
    ([], Exposure(tonnage=D("9.99")), "一般"),
    ([category("stockholm_listed", "no")], Exposure(tonnage=D(50)), "数据不足"),
    ([number("log_kow", 6)], Exposure(tonnage=D(50)), "一般"),  # a surrogate is data, and no concern
])
def test_hj1229_tier_matrix(records, exposure, tier):
    assert evaluate(records, exposure, "hj1229", None).tier == tier


def test_hj1229_cmr_is_narrower_than_t():
    evaluation = evaluate([category("reproductive_toxicity", "2")], None, "hj1229", None)
    assert evaluation.criterion("T").outcome == MET
    assert evaluation.criterion("CMR").outcome == NOT_MET
    assert evaluation.flags == ["T"]


def pfos():
    """PFOS (1763-23-1); values for illustration."""
    return [
        half_life("marine_water", convert(41, "a", "half_life"), ">", id=101, reference="OECD 危害评估 2002"),
        half_life("fresh_water", convert(41, "a", "half_life"), ">", id=102, reference="OECD 危害评估 2002"),
        half_life("soil", 180, ">", id=103, reference="文献值"),
        number("bcf", 2796, id=104, reference="示例数据"),
        category("stot_re", "1", 1, id=105, reference="GHS 分类"),
        category("stockholm_listed", "yes", 1, id=106, reference="公约附件B"),
    ], Exposure(tonnage=D(120), enterprises=3, regions=2, dispersive_share=D("0.35"),
                detection_frequency=D("0.45"), samples=60)


def sccp():
    """短链氯化石蜡 (85535-84-8); values for illustration."""
    return [
        half_life("marine_sediment", 1630, id=201, reference="POPRC 风险简介"),
        number("bcf", 7816, id=202, reference="POPRC 风险简介"),
        number("chronic_noec", convert(5, "μg/L", "chronic_noec"), id=203),
        category("aquatic_chronic", "1", 1, id=204),
        category("stockholm_listed", "yes", 1, id=205),
    ], Exposure(tonnage=D(2500), enterprises=12, regions=5, dispersive_share=D("0.3"),
                detection_frequency=D("0.6"), samples=80)


DATA_SET = {
    "1763-23-1": pfos(),
    "85535-84-8": sccp(),
    "25154-52-3": ([  # 壬基酚: endocrine disruptor found in water, little tonnage
        category("endocrine_disruptor", "yes", id=301), category("aquatic_chronic", "1", id=302),
        number("chronic_noec", "0.0039", id=303), half_life("fresh_water", 30, id=304), number("bcf", 741, id=305),
    ], Exposure(tonnage=D(5), detection_frequency=D("0.3"), samples=50)),
    "71-43-2": ([  # 苯: CMR with modest exposure
        category("carcinogenicity", "1A", id=401), category("mutagenicity", "1B", id=402),
        half_life("fresh_water", 10, id=403), number("bcf", 13, id=404),
    ], Exposure(tonnage=D(60), enterprises=2, regions=1, dispersive_share=D("0.1"),
                detection_frequency=D("0.1"), samples=30)),
    "64-17-5": ([  # 乙醇: low hazard, high tonnage, dispersive
        half_life("fresh_water", 5, id=501), number("bcf", 3, id=502), number("chronic_noec", "9.6", id=503),
    ], Exposure(tonnage=D(5000), enterprises=40, regions=6, dispersive_share=D("0.8"),
                detection_frequency=D("0.05"), samples=20)),
    "000-00-0": ([], Exposure(tonnage=D(50), enterprises=1, regions=1)),  # no hazard data at all
    "107-21-1": ([  # 乙二醇: low hazard, high tonnage, industrial use
        half_life("fresh_water", 10, id=701), number("bcf", 10, id=702), number("chronic_noec", 15, id=703),
    ], Exposure(tonnage=D(3000), enterprises=8, regions=3, dispersive_share=D("0.1"),
                detection_frequency=D("0.05"), samples=20)),
}


def ranked():
    results = {cas: evaluate(records, exposure, "hj1229", None) for cas, (records, exposure) in DATA_SET.items()}
    order = sorted(results, key=lambda cas: cas)  # deterministic tie-break by CAS, as the caller does
    order = sorted(order, key=lambda cas: results[cas].score, reverse=True)
    return results, order


def test_hj1229_hand_computed_tiers_and_ranks():
    results, order = ranked()
    assert {cas: r.tier for cas, r in results.items()} == {
        "1763-23-1": "优先评估", "85535-84-8": "优先评估", "25154-52-3": "优先评估",
        "71-43-2": "关注", "64-17-5": "关注", "000-00-0": "数据不足", "107-21-1": "一般",
    }
    assert order == ["85535-84-8", "1763-23-1", "25154-52-3", "71-43-2", "64-17-5", "000-00-0", "107-21-1"]
    assert results["85535-84-8"].score == (4, 9, 3, D("0.6"), D(2500))
    assert results["1763-23-1"].score == (4, 7, 2, D("0.45"), D(120))
    assert results["000-00-0"].score == (2, 0, 1, D(-1), D(50))


def test_pfos_reasons():
    results, _ = ranked()
    pfos_result = results["1763-23-1"]
    assert pfos_result.flags == ["P", "vP", "B", "T", "PBT", "STOT_RE", "INTL"]
    p = pfos_result.criterion("P")
    assert p.reason == ("P：海水半衰期 >14965 天，可判定 > 60 天（来源：OECD 危害评估 2002，可靠性 2）"
                        "；另淡水、土壤亦符合")
    assert p.record_id == 101
    assert pfos_result.criterion("B").reason == "B：BCF 2796 > 2000（来源：示例数据，可靠性 2）"
    assert pfos_result.criterion("vB").outcome == NOT_MET
    assert pfos_result.criterion("STOT_RE").reason == "STOT RE：STOT RE 类别 1 属于 1（来源：GHS 分类，可靠性 1）"
    assert pfos_result.criterion("INTL").reason.startswith("国际管控：列入《斯德哥尔摩公约》为“是”")
    assert pfos_result.criterion("TONNAGE").reason == "产（用）量：120 吨/年，属“100–1000 吨/年”档（3 家企业、2 个行政区）"
    assert pfos_result.tier_reason == ("优先评估（判定矩阵第 1 行）：高关注（PBT、STOT RE、国际管控）；"
                                       "产（用）量属“100–1000 吨/年”档，分散式用途不高，环境检出率高")


def test_sccp_reasons():
    results, _ = ranked()
    sccp_result = results["85535-84-8"]
    assert sccp_result.flags == ["P", "vP", "B", "vB", "T", "PBT", "vPvB", "AQ_CHRONIC", "INTL"]
    assert sccp_result.criterion("P").reason.startswith("P：海洋沉积物半衰期 1630 天 > 180 天")
    assert sccp_result.criterion("B").reason.startswith("B：BCF 7816 > 2000")
    assert sccp_result.criterion("vB").reason.startswith("vB：BCF 7816 > 5000")
    assert sccp_result.criterion("T").reason.startswith("T：慢性 NOEC/EC10 0.005 mg/L < 0.01 mg/L")


def test_no_data_substance_is_flagged_not_hidden():
    results, _ = ranked()
    unknown = results["000-00-0"]
    assert unknown.tier_reason == ("数据不足（判定矩阵第 4 行）：无任何危害数据；"
                                   "产（用）量属“10–100 吨/年”档，分散式用途数据缺失，环境检出率数据缺失")
    assert all(c.outcome == MISSING for c in unknown.criteria if c.code not in ("TONNAGE",))


def test_inputs_are_a_json_snapshot_with_record_ids():
    records, exposure = pfos()
    evaluation = evaluate(records, exposure, "hj1229", None)
    inputs = json.loads(json.dumps(evaluation.inputs))
    assert inputs["profile"] == "hj1229"
    assert [r["id"] for r in inputs["records"]] == [101, 102, 103, 104, 105, 106]
    assert inputs["records"][3] == {"id": 104, "endpoint": "bcf", "compartment": "", "value": "2796",
                                    "qualifier": "=", "category": "", "reliability": 2, "source": "",
                                    "reference": "示例数据"}
    assert inputs["exposure"]["tonnage"] == "120" and inputs["exposure"]["detection_frequency"] == "0.45"
    assert inputs["thresholds"]["pbt"]["b_bcf"] == "2000"
    json.dumps(evaluation.as_dict())


# ------------------------------------------------------------------ prepared profiles and trusted records
def mixes():
    """Substances of every shape: none, one, several records per criterion, qualifiers, ties, odd exposures."""
    yield [], None
    yield [], Exposure(tonnage=D(50), enterprises=1, regions=1)
    yield [], Exposure(tonnage=D(5000), dispersive_share=D("0.6"), detection_frequency=D("0.2"), samples=9)
    yield [number("acute_lc50", 1)], Exposure(tonnage=D("9.99"))  # a record no rule reads
    yield [half_life("fresh_water", 180, reliability=1, id=1, reference="ECHA 注册卷宗"), number("bcf", 2796, id=2),
           category("stot_re", "1", 1, id=3), number("log_kow", "5.2", id=4)], Exposure(tonnage=D(120))
    yield [half_life("fresh_water", 180, id=1), number("bcf", 2796, id=2), category("stot_re", "1", 1, id=3),
           number("log_kow", "5.2", id=4), half_life("soil", 95, ">", id=5), number("chronic_noec", "0.005", id=6),
           category("carcinogenicity", "2", id=7), category("stockholm_listed", "yes", 1, id=8)], None
    yield [qualified("bcf", ">=2000", id=1), qualified("bcf", "<9000", id=2), number("baf", 6000, id=3),
           number("log_kow", 6, id=4)], Exposure(tonnage=D(10), detection_frequency=D("0.19"))
    yield [number("bcf", 3000, id=9), number("bcf", 3000, id=4), number("bcf", 9000, reliability=3, id=5),
           half_life("air", convert(50, "h", "half_life")), half_life("marine_sediment", "180.0000000000", id=6),
           half_life("fresh_sediment", 200, "~"), half_life("marine_water", 61, "<=")], None
    yield [number("log_kow", "4.4"), qualified("chronic_noec", "<=0.01"), category("endocrine_disruptor", "no"),
           category("foreign_restriction", "yes", 3), category("aquatic_chronic", "1"),
           category("mutagenicity", "1B", 2), category("mutagenicity", "2", 1)], Exposure(tonnage=D(1000))
    yield pfos()
    yield sccp()
    yield from DATA_SET.values()


def edited(profile):
    th = default_thresholds(profile)
    if profile == "hj1229":
        th["pbt"]["p_half_life_days"]["fresh_water"] = 20
        th["detection_frequency_high"] = "0.1"
        th["cmr_categories"] = ["1A", "2"]
    else:
        th["t_noec_mg_l"] = "0.1"
        th["p_half_life_days"]["soil"] = "90"
    return th


@pytest.mark.parametrize("profile", ["gbt24782", "stockholm", "hj1229"])
@pytest.mark.parametrize("edit", [False, True])
def test_evaluate_prepared_gives_exactly_what_evaluate_gives(profile, edit):
    thresholds = edited(profile) if edit else None
    prepared = prepare(profile, thresholds)
    cases = list(mixes())
    for _ in range(2):  # twice, so that results worked out once and reused are checked too
        for records, exposure in cases:
            expected = evaluate(records, exposure, profile, thresholds)
            found = evaluate_prepared(prepared, records, exposure)
            assert found.as_dict() == expected.as_dict()
            assert found.score == expected.score
            assert evaluate_prepared(prepared, iter(records), exposure).as_dict() == expected.as_dict()
        cases.reverse()


def test_record_trusted_is_the_same_record_without_checks():
    records = [*pfos()[0], *sccp()[0], qualified("bcf", ">=2000", id=1), Record(2, "log_kow", value=D("5.2"))]
    trusted = [Record.trusted(r.id, r.endpoint, r.compartment, r.value, r.qualifier, r.category, r.reliability,
                              r.source, r.reference) for r in records]
    assert trusted == records and [repr(r) for r in trusted] == [repr(r) for r in records]
    for profile in ("gbt24782", "stockholm", "hj1229"):
        exposure = pfos()[1]
        assert evaluate_prepared(prepare(profile), trusted, exposure).as_dict() == \
            evaluate(records, exposure, profile).as_dict()
    # No check at all: the database constrained the row already.
    assert Record.trusted(1, "half_life", "", D(1), reliability=9).reliability == 9
    assert Record.trusted(1, "bcf").value is None and Record.trusted(1, "bcf").qualifier == "="


def test_prepare_refuses_what_evaluate_refuses():
    th = default_thresholds("stockholm")
    th["b_log_kow"] = "five"
    with pytest.raises(ValueError, match="b_log_kow"):
        prepare("stockholm", th)
    with pytest.raises(ValueError, match="未知的筛查方案"):
        prepare("reach")


def test_a_prepared_profile_keeps_the_thresholds_it_was_given():
    th = default_thresholds("gbt24782")
    th["b_bcf"] = "1000"
    prepared = prepare("gbt24782", th)
    th["b_bcf"] = "9000"  # editing the dict afterwards changes nothing
    found = evaluate_prepared(prepared, [number("bcf", 1500)], None)
    assert found.criterion("B").outcome == MET
    assert found.inputs["thresholds"]["b_bcf"] == "1000"
    json.dumps(found.as_dict())


def test_evaluations_do_not_share_their_snapshot():
    first = evaluate([], None, "hj1229")
    first.inputs["thresholds"]["pbt"]["b_bcf"] = "changed"
    assert evaluate([], None, "hj1229").inputs["thresholds"]["pbt"]["b_bcf"] == "2000"
    assert first.criteria is not evaluate([], None, "hj1229").criteria
