"""Demo screening data of the Shuozhou (朔州市, 140600) demo: hazard records for the demo inventory's substances
(literature-style values with their sources, marked as demo data), a small 2023 monitoring pilot, and one run per
criteria profile over the 2023 detailed survey (all accepted). Deterministic and idempotent: a record, a result or a
run that is already there is left alone. The values are plausible, not verified: never use them in production.

Why the tiers come out as they do in the HJ 1229 run (2023, 朔州市):
* 短链氯化石蜡 (SCCPs): vP/vB (sediment half-life > 1 year, BCF 7816) and T (Daphnia NOEC 5 μg/L); 196 t reported
  by three enterprises in 2023 (the last year of its exempted uses) → band 100–1000 t → 优先评估.
* 全氟辛基磺酸 (PFOS): P, B and T (STOT RE 1); no enterprise reported PFOS acid itself in 2023 (only 0.1 t of its
  potassium salt), so tonnage alone would give 关注. The 2023 monitoring pilot written here found it in 3 of 4 water
  samples (detection ≥ 20 %) → 优先评估, which is how a banned but persistent substance reaches the top of the list.
* 三氯乙烯 and 镉 are left without any hazard record on purpose: every hazard criterion is 数据缺失
  (三氯乙烯, 39 t, comes out 数据不足; 镉, 1.6 t, 一般 with the reason 无任何危害数据)."""
from __future__ import annotations

import datetime
from collections import Counter
from decimal import Decimal

from django.db import transaction

from inventory.models import MonitoringResult, MonitoringSite, SamplingEvent, Substance
from portal.models import Region, User
from portal.services import audit_record

from .models import CriteriaProfile, HazardRecord, ScreeningRun
from .runs import run_execute
from .services import CATEGORY_ENDPOINTS, hazard_value_parse, profiles_load

CITY = "140600"
YEAR = 2023
DEMO = "（示例数据，仅供演示）"
CLP = "欧盟 CLP 法规附件VI 协调分类"
# cas: records (endpoint, value or GHS category / yes-no, unit, compartment, Klimisch reliability, source, reference)
RECORDS = {
    "1763-23-1": [  # PFOS
        ("half_life", ">41", "年", "fresh_water", 2, "reference", "OECD (2002) PFOS 危害评估；UNEP/POPRC.2/17/Add.5（水解）"),
        ("half_life", ">365", "天", "soil", 2, "reference", "UNEP/POPRC.2/17/Add.5（未观察到生物降解）"),
        ("half_life", "114", "天", "air", 3, "estimate", "UNEP/POPRC.2/17/Add.5（间接光解估算）"),
        ("bcf", "2796", "L/kg", "", 2, "reference", "ECHA/UNEP POPRC 评估报告（蓝鳃太阳鱼）"),
        ("chronic_noec", "0.25", "mg/L", "", 2, "reference", "OECD (2002) PFOS 危害评估（糠虾 35 d）"),
        ("stot_re", "1", "", "", 2, "reference", CLP),
        ("carcinogenicity", "2", "", "", 2, "reference", CLP),
        ("reproductive_toxicity", "1B", "", "", 2, "reference", CLP),
        ("aquatic_chronic", "2", "", "", 2, "reference", CLP),
        ("stockholm_listed", "yes", "", "", 1, "reference", "《斯德哥尔摩公约》附件B（2009年增列）"),
        ("foreign_restriction", "yes", "", "", 1, "reference", "欧盟 POPs 法规 (EU) 2019/1021 附件I"),
    ],
    "307-35-7": [  # PFOSF: only its listing
        ("stockholm_listed", "yes", "", "", 1, "reference", "《斯德哥尔摩公约》附件B（2009年增列）"),
        ("foreign_restriction", "yes", "", "", 1, "reference", "欧盟 POPs 法规 (EU) 2019/1021 附件I"),
    ],
    "2795-39-3": [  # PFOS potassium salt: the classification of "PFOS and its salts"
        ("stot_re", "1", "", "", 2, "reference", CLP + "（PFOS 及其盐类）"),
        ("carcinogenicity", "2", "", "", 2, "reference", CLP + "（PFOS 及其盐类）"),
        ("reproductive_toxicity", "1B", "", "", 2, "reference", CLP + "（PFOS 及其盐类）"),
        ("stockholm_listed", "yes", "", "", 1, "reference", "《斯德哥尔摩公约》附件B（2009年增列）"),
    ],
    "335-67-1": [  # PFOA
        ("half_life", ">92", "年", "fresh_water", 2, "reference", "UNEP/POPRC.12/11/Add.2 PFOA 风险简介（水解）"),
        ("bcf", "4", "L/kg", "", 2, "reference", "Martin 等 (2003)（虹鳟）"),
        ("carcinogenicity", "2", "", "", 2, "reference", CLP),
        ("reproductive_toxicity", "1B", "", "", 2, "reference", CLP),
        ("stot_re", "1", "", "", 2, "reference", CLP),
        ("stockholm_listed", "yes", "", "", 1, "reference", "《斯德哥尔摩公约》附件A（2019年增列）"),
        ("foreign_restriction", "yes", "", "", 1, "reference", "欧盟 POPs 法规 (EU) 2019/1021 附件I"),
    ],
    "85535-84-8": [  # SCCPs
        ("half_life", ">1", "年", "fresh_sediment", 2, "reference", "UNEP/POPRC.11/10/Add.2 SCCPs 风险简介"),
        ("half_life", "10.5", "天", "air", 3, "estimate", "UNEP/POPRC.11/10/Add.2（AOPWIN 估算上限）"),
        ("bcf", "7816", "L/kg", "", 2, "reference", "欧盟风险评估报告 (2000)（虹鳟）"),
        ("bcf", "≥5000", "L/kg", "", 3, "reference", "UNEP/POPRC.11/10/Add.2（BCF 1173–40900 汇总）"),
        ("chronic_noec", "5", "μg/L", "", 2, "reference", "欧盟风险评估报告 (2000)（大型溞 21 d）"),
        ("aquatic_chronic", "1", "", "", 2, "reference", CLP),
        ("carcinogenicity", "2", "", "", 2, "reference", CLP),
        ("stockholm_listed", "yes", "", "", 1, "reference", "《斯德哥尔摩公约》附件A（2017年增列）"),
        ("foreign_restriction", "yes", "", "", 1, "reference", "欧盟 POPs 法规 (EU) 2019/1021 附件I"),
    ],
    "1163-19-5": [  # decaBDE
        ("half_life", ">224", "天", "fresh_sediment", 2, "reference", "ECHA SVHC 支持文件 (2012)（32 周内未降解）"),
        ("bcf", "<5", "L/kg", "", 2, "reference", "ECHA SVHC 支持文件 (2012)（鱼类吸收很低）"),
        ("log_kow", "6.27", "", "", 2, "database", "ECHA 注册卷宗"),
        ("stockholm_listed", "yes", "", "", 1, "reference", "《斯德哥尔摩公约》附件A（2017年增列）"),
        ("foreign_restriction", "yes", "", "", 1, "reference", "欧盟 POPs 法规 (EU) 2019/1021 附件I"),
    ],
    "75-09-2": [  # dichloromethane
        ("half_life", "<28", "天", "fresh_water", 2, "reference", "WHO CICAD 32（好氧生物降解）"),
        ("half_life", "144", "天", "air", 2, "reference", "WHO CICAD 32（大气寿命约 5 个月）"),
        ("bcf", "5.4", "L/kg", "", 2, "database", "ECHA 注册卷宗（BCF 2.0–5.4）"),
        ("log_kow", "1.25", "", "", 1, "database", "ECHA 注册卷宗"),
        ("chronic_noec", "83", "mg/L", "", 2, "database", "ECHA 注册卷宗（黑头呆鱼）"),
        ("carcinogenicity", "2", "", "", 2, "reference", CLP),
    ],
    "67-66-3": [  # chloroform
        ("bcf", "13", "L/kg", "", 2, "database", "ECHA 注册卷宗（BCF 1.4–13）"),
        ("log_kow", "1.97", "", "", 1, "database", "ECHA 注册卷宗"),
        ("carcinogenicity", "2", "", "", 2, "reference", CLP),
        ("reproductive_toxicity", "2", "", "", 2, "reference", CLP),
        ("stot_re", "1", "", "", 2, "reference", CLP),
    ],
    # 79-01-6 三氯乙烯: no record on purpose (数据缺失)
    "75-35-4": [  # 1,1-dichloroethylene
        ("log_kow", "2.13", "", "", 2, "database", "ECHA 注册卷宗"),
        ("carcinogenicity", "2", "", "", 2, "reference", CLP),
    ],
    "78-87-5": [  # 1,2-dichloropropane
        ("log_kow", "1.98", "", "", 2, "database", "ECHA 注册卷宗"),
        ("carcinogenicity", "1B", "", "", 2, "reference", CLP),
    ],
    "87-68-3": [  # hexachlorobutadiene
        ("half_life", ">60", "天", "air", 3, "estimate", "UNEP/POPRC.8/16/Add.2 HCBD 风险简介（60 天至 3 年）"),
        ("bcf", "17000", "L/kg", "", 2, "reference", "UNEP/POPRC.8/16/Add.2（虹鳟）"),
        ("log_kow", "4.78", "", "", 2, "database", "ECHA 注册卷宗"),
        ("stockholm_listed", "yes", "", "", 1, "reference", "《斯德哥尔摩公约》附件A（2015年增列）"),
        ("foreign_restriction", "yes", "", "", 1, "reference", "欧盟 POPs 法规 (EU) 2019/1021 附件I"),
    ],
    "25154-52-3": [  # nonylphenol
        ("bcf", "741", "L/kg", "", 2, "reference", "欧盟风险评估报告 (2002)（鱼类）"),
        ("log_kow", "4.48", "", "", 2, "reference", "欧盟风险评估报告 (2002)"),
        ("chronic_noec", "3.3", "μg/L", "", 2, "reference", "欧盟风险评估报告 (2002)（藻类 NOEC）"),
        ("reproductive_toxicity", "2", "", "", 2, "reference", CLP),
        ("aquatic_chronic", "1", "", "", 2, "reference", CLP),
        ("endocrine_disruptor", "yes", "", "", 1, "reference", "ECHA 高度关注物质（内分泌干扰，环境，2013）"),
        ("foreign_restriction", "yes", "", "", 1, "reference", "欧盟 REACH 附件XVII 第46项"),
    ],
    "84852-15-3": [  # 4-nonylphenol, branched
        ("log_kow", "5.4", "", "", 3, "estimate", "KOWWIN 估算"),
        ("reproductive_toxicity", "2", "", "", 2, "reference", CLP),
        ("aquatic_chronic", "1", "", "", 2, "reference", CLP),
        ("endocrine_disruptor", "yes", "", "", 1, "reference", "ECHA 高度关注物质（内分泌干扰，环境，2013）"),
        ("foreign_restriction", "yes", "", "", 1, "reference", "欧盟 REACH 附件XVII 第46项"),
    ],
    "9016-45-9": [  # nonylphenol ethoxylates
        ("endocrine_disruptor", "yes", "", "", 2, "reference", "ECHA 高度关注物质（降解为壬基酚，2013）"),
        ("foreign_restriction", "yes", "", "", 1, "reference", "欧盟 REACH 附件XVII 第46a项（纺织品）"),
    ],
    "50-00-0": [  # formaldehyde
        ("log_kow", "0.35", "", "", 1, "database", "ECHA 注册卷宗"),
        ("carcinogenicity", "1B", "", "", 2, "reference", CLP),
        ("mutagenicity", "2", "", "", 2, "reference", CLP),
    ],
    "71-43-2": [  # benzene
        ("half_life", "13", "天", "air", 2, "reference", "WHO 空气质量准则（羟基自由基反应）"),
        ("bcf", "24", "L/kg", "", 2, "database", "ECHA 注册卷宗（BCF 4.4–24）"),
        ("log_kow", "2.13", "", "", 1, "database", "ECHA 注册卷宗"),
        ("carcinogenicity", "1A", "", "", 1, "reference", CLP),
        ("mutagenicity", "1B", "", "", 1, "reference", CLP),
        ("stot_re", "1", "", "", 1, "reference", CLP),
    ],
    "108-88-3": [  # toluene
        ("bcf", "90", "L/kg", "", 3, "database", "ECHA 注册卷宗（BCF 8–90）"),
        ("log_kow", "2.73", "", "", 1, "database", "ECHA 注册卷宗"),
        ("chronic_noec", "0.74", "mg/L", "", 2, "database", "ECHA 注册卷宗（网纹溞 7 d）"),
        ("reproductive_toxicity", "2", "", "", 2, "reference", CLP),
        ("stot_re", "2", "", "", 2, "reference", CLP),
    ],
    "91-20-3": [  # naphthalene
        ("bcf", "515", "L/kg", "", 2, "reference", "欧盟风险评估报告 (2003)（鱼类）"),
        ("log_kow", "3.3", "", "", 1, "database", "ECHA 注册卷宗"),
        ("chronic_noec", "0.12", "mg/L", "", 2, "reference", "欧盟风险评估报告 (2003)（鱼类早期生活阶段）"),
        ("carcinogenicity", "2", "", "", 2, "reference", CLP),
        ("aquatic_chronic", "1", "", "", 2, "reference", CLP),
    ],
    # 7440-43-9 镉: no record on purpose (数据缺失)
}
WITHOUT_DATA = ("79-01-6", "7440-43-9")
# The 2023 new-pollutant monitoring pilot (surface and drinking water at the inventory demo's sites):
# site code, day, results (CAS, unit, detection limit, concentration or None = not detected)
PILOT_NOTE = "2023年新污染物环境调查监测试点（演示）"
PILOT = [
    ("SZ-SW-01", datetime.date(2023, 8, 22), [("1763-23-1", "ng/L", "0.5", "5.8"), ("335-67-1", "ng/L", "0.5", "4.5"),
                                              ("25154-52-3", "μg/L", "0.05", "0.21")]),
    ("SZ-SW-02", datetime.date(2023, 8, 22), [("1763-23-1", "ng/L", "0.5", "3.2"), ("335-67-1", "ng/L", "0.5", None),
                                              ("25154-52-3", "μg/L", "0.05", None)]),
    ("SZ-SW-03", datetime.date(2023, 8, 23), [("1763-23-1", "ng/L", "0.5", "2.1"), ("335-67-1", "ng/L", "0.5", "1.9"),
                                              ("25154-52-3", "μg/L", "0.05", None)]),
    ("SZ-DW-01", datetime.date(2023, 8, 23), [("1763-23-1", "ng/L", "0.5", None), ("335-67-1", "ng/L", "0.5", None),
                                              ("25154-52-3", "μg/L", "0.05", None)]),
]
RUN_TITLES = {
    "hj1229": f"{YEAR}年朔州市 HJ 1229 筛查（演示）",
    "gbt24782": f"{YEAR}年朔州市 GB/T 24782 PBT/vPvB 筛查（演示）",
    "stockholm": f"{YEAR}年朔州市《斯德哥尔摩公约》附件D 筛查（演示）",
}


def _key(substance_id, endpoint, compartment, entered_value, category, reference) -> tuple:
    return substance_id, endpoint, compartment, entered_value, category, reference


def _hazard_records(substances: dict[str, Substance]) -> tuple[int, int]:
    """(records of the demo, records created now)."""
    have = set(HazardRecord.objects.filter(substance__in=substances.values(), reference__endswith=DEMO).values_list(
        "substance_id", "endpoint", "compartment", "entered_value", "category", "reference"))
    new, total = [], 0
    for cas, rows in RECORDS.items():
        substance = substances.get(cas)
        if substance is None:
            continue
        for endpoint, value, unit, compartment, reliability, source, reference in rows:
            total += 1
            category = endpoint in CATEGORY_ENDPOINTS
            parsed = hazard_value_parse(endpoint=endpoint, entered_value="" if category else value,
                                        unit=unit, category=value if category else "")
            reference = f"{reference}{DEMO}"
            entered = "" if category else value
            if _key(substance.pk, endpoint, compartment, entered, parsed["category"], reference) in have:
                continue
            new.append(HazardRecord(substance=substance, endpoint=endpoint, compartment=compartment,
                                    entered_value=entered, entered_unit=unit, reliability=reliability, source=source,
                                    reference=reference, **parsed))
    HazardRecord.objects.bulk_create(new)
    return total, len(new)


def _pilot(substances: dict[str, Substance]) -> tuple[int, int]:
    """(results of the pilot, results created now); nothing when the inventory demo's sites are missing."""
    sites = MonitoringSite.objects.in_bulk([row[0] for row in PILOT], field_name="code")
    new, total = [], 0
    for code, day, results in PILOT:
        if code not in sites:
            continue
        sampling, _ = SamplingEvent.objects.get_or_create(site=sites[code], sampled_on=day,
                                                          defaults={"note": PILOT_NOTE})
        have = set(sampling.results.values_list("substance__cas", flat=True))
        for cas, unit, limit, concentration in results:
            total += 1
            if cas in have or cas not in substances:
                continue
            new.append(MonitoringResult(sampling=sampling, substance=substances[cas], unit=unit,
                                        detection_limit=Decimal(limit), detected=concentration is not None,
                                        concentration=None if concentration is None else Decimal(concentration)))
    MonitoringResult.objects.bulk_create(new)
    return total, len(new)


def _runs(city: Region, staff: User) -> list[str]:
    out = []
    for profile in CriteriaProfile.objects.filter(code__in=RUN_TITLES).order_by("code"):
        title = RUN_TITLES[profile.code]
        run = ScreeningRun.objects.filter(title=title).first()
        created = run is None
        if created:
            version = profile.current
            run = ScreeningRun.objects.create(version=version, region=city, year=YEAR, title=title, created_by=staff)
            audit_record(actor=staff, action="screening.run", obj=run,
                         after={"profile": profile.code, "version": version.number, "region": city.code, "year": YEAR,
                                "demo": True})
            run = run_execute(run.pk)
        tiers = Counter(run.results.values_list("tier", flat=True))
        detail = "、".join(f"{tier} {n}" for tier, n in sorted(tiers.items(), key=lambda item: -item[1]))
        out.append(f"{title}：{'新建并计算' if created else '已存在'}，物质 {run.substances} 种（{detail}）")
    return out


@transaction.atomic
def screening_demo_seed() -> list[str]:
    """Write the demo screening rows that are missing; returns a few lines saying what there is."""
    profiles_load()
    substances = Substance.objects.in_bulk([*RECORDS, *WITHOUT_DATA], field_name="cas")
    if not substances:
        return ["筛查演示数据：缺少清单演示物质，请先生成清单演示数据"]
    total, created = _hazard_records(substances)
    missing = "、".join(substances[cas].name_zh for cas in WITHOUT_DATA if cas in substances)
    out = [f"筛查演示数据：危害记录 {total} 条（新建 {created}），涉及 {sum(c in substances for c in RECORDS)} 种物质；"
           f"未录入危害数据（用于展示数据缺失）：{missing or '无'}"]
    pilot, new_pilot = _pilot(substances)
    if pilot:
        out.append(f"{PILOT_NOTE}：结果 {pilot} 条（新建 {new_pilot}）")
    city = Region.objects.filter(code=CITY).first()
    staff = User.objects.filter(username="wangmin").first()
    if city is None or staff is None:
        out.append("筛查演示：缺少朔州市或演示账号 wangmin，未创建筛查")
        return out
    return out + _runs(city, staff)
