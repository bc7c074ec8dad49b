"""Demo inventory of the Shuozhou (朔州市, 140600) demo: listed substances and their groups, 40 enterprises, a 2023
detailed survey (all accepted), the 2024 basic survey in every review state, and a year of monitoring. Deterministic
and idempotent: rows found by natural key; only missing ones are written. Names are fictional. Not for production."""
from __future__ import annotations

import datetime
import hashlib
import random
from collections import Counter
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from portal.models import Region, User

from .choices import ReportState, SurveyKind
from .identifiers import USCC_CHARSET, uscc_check_char
from .models import (
    Enterprise,
    Industry,
    MonitoringResult,
    MonitoringSite,
    ReviewRecord,
    SamplingEvent,
    Substance,
    SubstanceGroup,
    SurveyCampaign,
    SurveyLine,
    SurveyReport,
)
from .services import substance_upsert

CITY = "140600"
# CAS numbers from fixtures/key-controlled-2023.csv and fixtures/priority-controlled-chemicals.csv (verified)
SUBSTANCES = [  # cas, Chinese name, English name, synonyms
    ("1763-23-1", "全氟辛基磺酸", "Perfluorooctane sulfonic acid", "PFOS"),
    ("307-35-7", "全氟辛基磺酰氟", "Perfluorooctane sulfonyl fluoride", "PFOSF"),
    ("2795-39-3", "全氟辛基磺酸钾", "Potassium perfluorooctane sulfonate", "PFOS钾盐"),
    ("335-67-1", "全氟辛酸", "Perfluorooctanoic acid", "PFOA"),
    ("85535-84-8", "短链氯化石蜡（C10-13氯代烷烃）", "Alkanes, C10-13, chloro", "SCCPs"),
    ("1163-19-5", "十溴二苯醚", "Decabromodiphenyl ether", "decaBDE"),
    ("75-09-2", "二氯甲烷", "Dichloromethane", "亚甲基氯\nDCM"), ("67-66-3", "三氯甲烷", "Trichloromethane", "氯仿"),
    ("79-01-6", "三氯乙烯", "Trichloroethylene", "TCE"), ("75-35-4", "1,1-二氯乙烯", "1,1-Dichloroethylene", ""),
    ("78-87-5", "1,2-二氯丙烷", "1,2-Dichloropropane", ""), ("87-68-3", "六氯丁二烯", "Hexachlorobutadiene", "HCBD"),
    ("25154-52-3", "壬基酚", "Nonylphenol", "NP"), ("84852-15-3", "4-壬基酚（支链）", "4-Nonylphenol, branched", ""),
    ("9016-45-9", "壬基酚聚氧乙烯醚", "Nonylphenol ethoxylate", "NPEO"), ("50-00-0", "甲醛", "Formaldehyde", ""),
    ("71-43-2", "苯", "Benzene", ""), ("108-88-3", "甲苯", "Toluene", ""), ("91-20-3", "萘", "Naphthalene", ""),
    ("7440-43-9", "镉", "Cadmium", ""),
]
RAW_ALIASES = {"75-09-2": "二氯甲烷（亚甲基氯）", "67-66-3": "氯仿", "9016-45-9": "NPEO脱脂剂", "108-88-3": "甲苯溶剂"}
GROUPS = [  # name, what it covers, member CAS, example CAS (None: the members)
    ("全氟辛基磺酸及其盐类和全氟辛基磺酰氟（PFOS类）", "重点管控新污染物清单（2023年版）第1项：PFOS、其盐类及PFOSF。",
     ["1763-23-1", "307-35-7", "2795-39-3"], ["1763-23-1", "307-35-7", "2795-39-3", "29457-72-5", "29081-56-9",
                                             "70225-14-8", "56773-42-3", "251099-16-8"]),
    ("全氟辛酸及其盐类和相关化合物（PFOA类）", "重点管控新污染物清单（2023年版）第2项。", ["335-67-1"], None),
    ("短链氯化石蜡", "直链C10-13、含氯量高于48%的氯化石蜡；豁免用途至2023-12-31。", ["85535-84-8"],
     ["85535-84-8", "68920-70-7", "71011-12-6", "85536-22-7", "85681-73-8", "108171-26-2"]),
    ("壬基酚及壬基酚聚氧乙烯醚", "优先控制化学品名录PC016。", ["25154-52-3", "84852-15-3", "9016-45-9"], None),
    ("抗生素", "重点管控新污染物清单（2023年版）第13项，按类别管理，清单未列CAS号。", [], []),
    ("二氯甲烷等卤代烃", "二氯甲烷、三氯甲烷及优先控制化学品名录中的其他卤代烃。",
     ["75-09-2", "67-66-3", "79-01-6", "75-35-4", "78-87-5", "87-68-3"], None),
]
COUNTIES = {  # code: name, latitude, longitude, town, industrial park, prefix of enterprise names
    "140602": ("朔城区", 39.331, 112.432, "神头镇", "山西朔州经济开发区", "朔州市"),
    "140603": ("平鲁区", 39.512, 112.288, "井坪镇", "平鲁经济技术开发区", "朔州市平鲁区"),
    "140621": ("山阴县", 39.527, 112.816, "岱岳镇", "山阴经济技术开发区", "山阴县"),
    "140622": ("应县", 39.554, 113.191, "金城镇", "应县经济技术开发区", "应县"),
    "140623": ("右玉县", 39.989, 112.466, "新城镇", "右玉县工业园区", "右玉县"),
    "140681": ("怀仁市", 39.828, 113.100, "云中镇", "怀仁经济技术开发区", "怀仁市"),
}
# industry: lines (activity, CAS, t/a from, to, use category (ECHA PC code), flags: d dispersive use, x phased out
# after 2023 — in the 2023 survey only), and the hazardous-waste class of its wastes
PROFILES = {
    "2614": [("produce", "75-09-2", 800, 5000, "PC19"), ("produce", "67-66-3", 300, 2000, "PC19"),
             ("use", "71-43-2", 200, 1500, "PC19"), ("use", "108-88-3", 50, 500, "PC20")],
    "2619": [("produce", "91-20-3", 500, 3000, "PC19"), ("produce", "71-43-2", 300, 2000, "PC19"),
             ("use", "108-88-3", 20, 200, "PC20")],
    "2710": [("use", "75-09-2", 20, 300, "PC20"), ("use", "67-66-3", 5, 80, "PC20"),
             ("use", "108-88-3", 10, 150, "PC20"), ("use", "50-00-0", 1, 20, "PC19")],
    "3360": [("use", "79-01-6", 2, 40, "PC14"), ("use", "9016-45-9", 0.5, 8, "PC14"),
             ("use", "7440-43-9", 0.2, 3, "PC14"), ("use", "2795-39-3", 0.1, 0.3, "PC14", "x")],
    "1713": [("use", "9016-45-9", 5, 120, "PC34", "d"), ("use", "50-00-0", 1, 30, "PC34"),
             ("use", "335-67-1", 0.1, 0.8, "PC34", "dx")],
    "2631": [("use", "108-88-3", 50, 600, "PC20"), ("use", "67-66-3", 10, 200, "PC20"),
             ("use", "75-09-2", 20, 300, "PC20"), ("use", "71-43-2", 10, 150, "PC19")],
    "2641": [("use", "108-88-3", 50, 800, "PC9a", "d"), ("use", "75-09-2", 5, 60, "PC9a", "d"),
             ("use", "25154-52-3", 0.5, 10, "PC9a"), ("use", "1163-19-5", 1, 15, "PC9a", "x")],
    "2921": [("use", "108-88-3", 5, 80, "PC18"), ("use", "84852-15-3", 0.5, 6, "PC32"),
             ("use", "85535-84-8", 5, 60, "PC32", "x")],
    "2912": [("use", "108-88-3", 5, 50, "PC1"), ("use", "25154-52-3", 0.5, 5, "PC32"),
             ("use", "85535-84-8", 10, 120, "PC32", "x"), ("use", "1163-19-5", 2, 20, "PC32", "x")],
    "2662": [("use", "84852-15-3", 50, 600, "PC19"), ("produce", "9016-45-9", 100, 1200, "PC35", "d"),
             ("use", "50-00-0", 5, 40, "PC19")],
}
WASTE = {"2614": "HW06", "2619": "HW11", "2710": "HW02", "3360": "HW17", "1713": "HW12", "2631": "HW04", "2641": "HW12",
         "2921": "HW13", "2912": "HW13", "2662": "HW06"}
VOLATILE = {"75-09-2", "67-66-3", "79-01-6", "71-43-2", "108-88-3", "50-00-0", "91-20-3"}
# county: (short name, industry, flags, state of the 2024 report or "" for none); the full name is the county's
# prefix + short name + 有限公司. Flags: K in the park, P discharge permit, S 土壤污染重点监管单位, 3 in 2023's survey.
ENTERPRISES = {
    "140602": [("恒源化工", "2614", "KPS3", "accepted"), ("晋北精细化工", "2614", "KP3", "submitted"),
               ("金鼎电镀", "3360", "PS3", "returned"), ("宏达表面处理", "3360", "P", "draft"),
               ("康源制药", "2710", "KP3", "city_reviewed"), ("华康药业", "2710", "P3", "county_reviewed"),
               ("锦绣纺织印染", "1713", "P3", "submitted"), ("丰泽农药", "2631", "KPS3", "accepted"),
               ("禾丰农化", "2631", "K", "submitted"), ("新润涂料", "2641", "K3", "accepted"),
               ("塞北塑业", "2921", "3", "draft"), ("同力化学品", "2662", "KP3", "city_reviewed"),
               ("东升印染", "1713", "P", "county_reviewed"), ("瑞德化工", "2619", "KP3", "submitted")],
    "140603": [("鑫源化工", "2614", "KPS3", "accepted"), ("康达制药", "2710", "KP3", "accepted"),
               ("宏业电镀", "3360", "P", "submitted"), ("利农农药", "2631", "KP3", "county_reviewed"),
               ("矿用输送带", "2912", "P3", "returned"), ("金达化工", "2619", "K3", "city_reviewed"),
               ("瑞丰纺织印染", "1713", "", "submitted"), ("天成塑胶", "2921", "", "draft"),
               ("晋安化学", "2662", "K", ""), ("德润涂料", "2641", "", "")],
    "140621": [("泰和化工", "2614", "KP3", "accepted"), ("广济药业", "2710", "P", "submitted"),
               ("华泰电镀", "3360", "P", "draft"), ("金穗农药", "2631", "", "")],
    "140622": [("瑞祥纺织印染", "1713", "P3", "county_reviewed"), ("博远化工", "2614", "KPS3", "returned"),
               ("鑫达表面处理", "3360", "", ""), ("万康制药", "2710", "", "")],
    "140623": [("绿源生物农药", "2631", "", "draft"), ("塞上塑业", "2921", "", "")],
    "140681": [("金沙化工", "2614", "KPS3", "accepted"), ("华源橡胶制品", "2912", "KP3", "city_reviewed"),
               ("宏远电镀", "3360", "", ""), ("天宇涂料", "2641", "", ""), ("恒通制药", "2710", "", ""),
               ("新华印染", "1713", "", "")],
}
ENTERPRISE_ROWS = [(COUNTIES[county][5] + short + "有限公司", county, industry, flags, state)  # full name first
                   for county, rows in ENTERPRISES.items() for short, industry, flags, state in rows]
# 2024 lines the curators still have to link to a substance: raw name, raw CAS, activity, t/a, use category
UNRESOLVED = {
    "朔州市锦绣纺织印染有限公司": ("含氟防水整理剂（进口）", "", "use", "2.6", "PC34"),
    "朔州市新润涂料有限公司": ("某阻燃剂", "68937-41-7", "use", "4.2", "PC9a"),
    "朔州市华康药业有限公司": ("头孢类抗生素中间体", "", "use", "12.5", "PC19"),
    "朔州市宏达表面处理有限公司": ("复配脱脂剂", "79-01-7", "use", "3.8", "PC14"),  # draft: wrong check digit
}
GROWTH_TYPO = "朔州市塞北塑业有限公司"  # draft whose first line was typed in kg: 150 × last year (a warning)
RETURNS = {  # name: level that returned it, reason, CAS of the line returned, reason for the line
    "朔州市金鼎电镀有限公司": ("county", "铬雾抑制剂含全氟辛基磺酸钾，请核实使用情况并补充替代说明。", "2795-39-3",
                        "PFOS类已禁止加工使用，请核实是否仍在使用或已改用替代品。"),
    "朔州市平鲁区矿用输送带有限公司": ("city", "短链氯化石蜡豁免用途已于2023年底到期，请核实2024年使用情况。",
                          "85535-84-8", "请核实2024年是否仍使用短链氯化石蜡；如已替代，请填报替代物质。"),
    "应县博远化工有限公司": ("city", "二氯甲烷产量与2023年度详细调查差异较大，请核实计量单位并补充说明。", None, ""),
}
CAMPAIGNS = [  # year, kind, title, deadline
    (2023, SurveyKind.DETAILED, "2023年度朔州市化学物质环境信息详细调查", datetime.date(2024, 6, 30)),
    (2024, SurveyKind.BASIC, "2024年度朔州市化学物质环境信息调查", datetime.date(2025, 6, 30)),
]
STATE_ZH = {"draft": "草稿", "submitted": "已提交", "county_reviewed": "县级已审", "city_reviewed": "市级已审",
            "accepted": "已通过", "returned": "已退回"}
WATER = [("1763-23-1", "ng/L", "0.5", 1, 30), ("335-67-1", "ng/L", "0.5", 1, 40), ("75-09-2", "μg/L", "1.0", 1.2, 12),
         ("67-66-3", "μg/L", "0.4", 0.5, 8), ("25154-52-3", "μg/L", "0.05", 0.06, 1.5)]
SOIL = [("1763-23-1", "μg/kg", "0.05", 0.1, 3), ("335-67-1", "μg/kg", "0.05", 0.1, 2),
        ("25154-52-3", "μg/kg", "5", 6, 80), ("1163-19-5", "μg/kg", "0.5", 0.6, 15)]
WATER_DAYS = [datetime.date(2024, 4, 16), datetime.date(2024, 7, 16), datetime.date(2024, 10, 15)]
SOIL_DAYS = [datetime.date(2024, 5, 21), datetime.date(2024, 9, 24)]
SITES = [  # code, name, county, medium, type, enterprise, chance of detection, concentration factor
    ("SZ-SW-01", "恢河朔城区出境断面", "140602", "surface_water", "key_area", "", 0.6, 1),
    ("SZ-SW-02", "桑干河山阴段断面", "140621", "surface_water", "key_area", "", 0.5, 1),
    ("SZ-SW-03", "源子河平鲁区断面", "140603", "surface_water", "key_area", "", 0.4, 1),
    ("SZ-DW-01", "神头泉集中式饮用水水源地", "140602", "drinking_water", "key_area", "", 0.15, 1),
    ("SZ-GW-01", "山西朔州经济开发区地下水监测井", "140602", "groundwater", "park", "", 0.3, 1),
    ("SZ-GW-02", "平鲁经济技术开发区地下水监测井", "140603", "groundwater", "park", "", 0.25, 1),
    ("SZ-SO-01", "山西朔州经济开发区土壤监测点", "140602", "soil", "park", "", 0.5, 1),
    ("SZ-SO-02", "怀仁经济技术开发区土壤监测点", "140681", "soil", "park", "", 0.4, 1),
    ("SZ-OT-01", "", "140602", "outlet", "outlet", "朔州市金鼎电镀有限公司", 0.8, 20),  # name: enterprise's 总排口
    ("SZ-OT-02", "", "140603", "outlet", "outlet", "朔州市平鲁区康达制药有限公司", 0.8, 20),
]
ROADS = ["工业路", "创业街", "兴业路", "园区大道", "经纬路", "富民街"]
CONTACTS = ["王建国", "李秀英", "张志强", "刘海燕", "陈立军", "杨丽娟", "赵永红", "黄晓东", "周静", "吴海波", "郭俊峰",
            "马丽", "孙国栋", "胡春梅", "高志刚", "林小燕"]


def _dec(value, places=4) -> Decimal:
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-places))


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def credit_code(county: str, name: str) -> str:
    """A valid 统一社会信用代码 for a demo enterprise, stable for its name."""
    digest = hashlib.sha256(name.encode()).digest()
    body = f"91{county}MA0" + "".join(USCC_CHARSET[b % len(USCC_CHARSET)] for b in digest[:6])
    return body + uscc_check_char(body)


def _substances() -> tuple[dict, int]:
    have = {s.cas: s for s in Substance.objects.filter(cas__in=[row[0] for row in SUBSTANCES])}
    created = 0
    for cas, name_zh, name_en, synonyms in SUBSTANCES:
        if cas not in have:
            have[cas], _ = substance_upsert(actor=None, cas=cas, name_zh=name_zh, name_en=name_en, synonyms=synonyms)
            created += 1
    for name, description, members, examples in GROUPS:
        group, _ = SubstanceGroup.objects.get_or_create(name=name, defaults={"description": description,
                                                                             "example_cas": examples or members})
        group.members.add(*(have[cas] for cas in members))
    return have, created


def _enterprises() -> tuple[dict, int]:
    have = {e.name: e for e in Enterprise.objects.filter(name__in=[row[0] for row in ENTERPRISE_ROWS])}
    regions = Region.objects.in_bulk(list(COUNTIES), field_name="code")
    industries = Industry.objects.filter(level="class").in_bulk([row[2] for row in ENTERPRISE_ROWS])
    new = []
    for number, (name, county, industry, flags, _state) in enumerate(ENTERPRISE_ROWS):
        if name in have:
            continue
        county_name, lat, lon, town, park, _prefix = COUNTIES[county]
        rng, code = random.Random(f"enterprise:{name}"), credit_code(county, name)
        place = park if "K" in flags else town
        new.append(Enterprise(
            credit_code=code, name=name, region=regions[county], industry=industries.get(industry),
            park=park if "K" in flags else "",
            address=f"山西省朔州市{county_name}{place}{rng.choice(ROADS)}{rng.randint(1, 88)}号",
            latitude=_dec(lat + rng.uniform(-0.06, 0.06), 6), longitude=_dec(lon + rng.uniform(-0.06, 0.06), 6),
            permit_number=f"{code}001P" if "P" in flags else "", soil_key_unit="S" in flags,
            contact_name=CONTACTS[number % len(CONTACTS)], contact_phone=f"0349-{rng.randint(2000000, 8999999)}"))
    for enterprise in Enterprise.objects.bulk_create(new):
        have[enterprise.name] = enterprise
    return have, len(new)


def _lines(report, name, industry, substances) -> list[SurveyLine]:
    """The report's lines: its industry's substances, quantities stable per enterprise (±25 % a year)."""
    year, kind = report.campaign.year, report.campaign.kind
    profile = [p if len(p) > 5 else (*p, "") for p in PROFILES[industry]]
    current = [p for p in profile if "x" not in p[5]]
    if len(current) > 2 and random.Random(f"drop:{name}").random() < 0.4:
        current = current[:-1]
    returned_cas = RETURNS[name][2] if report.state == ReportState.RETURNED else None
    lines = []
    for activity, cas, low, high, use, flags in current + [p for p in profile if "x" in p[5] and
                                                           (year == 2023 or p[1] == returned_cas)]:
        rng, substance = random.Random(f"{name}|{cas}"), substances[cas]
        quantity = rng.uniform(low, high)
        if year > 2023:
            quantity *= random.Random(f"{name}|{cas}|{year}").uniform(0.8, 1.25)
            quantity *= 150 if name == GROWTH_TYPO and not lines else 1
        line = SurveyLine(report=report, substance=substance, activity=activity, use_category=use,
                          quantity=_dec(quantity, 3 if high < 10 else 1), dispersive_use="d" in flags,
                          raw_name=RAW_ALIASES.get(cas, substance.name_zh) if rng.random() < 0.25 else
                          substance.name_zh,
                          raw_cas=cas.replace("-", "") if rng.random() < 0.2 else cas)
        if kind == SurveyKind.DETAILED:
            air = rng.uniform(0.002, 0.015) if cas in VOLATILE else 0
            water = rng.uniform(0.0005, 0.003) if cas in VOLATILE else rng.uniform(0.005, 0.04)
            line.emission_air, line.emission_water = _dec(line.quantity * _dec(air)), _dec(line.quantity * _dec(water))
            line.emission_soil, line.waste_route = Decimal(0), f"{WASTE[industry]} 委托有资质单位处置"
        if cas == returned_cas:
            line.returned, line.return_reason = True, RETURNS[name][3]
        lines.append(line)
    if year > 2023 and name in UNRESOLVED:
        raw_name, raw_cas, activity, quantity, use = UNRESOLVED[name]
        lines.append(SurveyLine(report=report, raw_name=raw_name, raw_cas=raw_cas, activity=activity,
                                quantity=Decimal(quantity), use_category=use))
    return lines


def _history(state: str, returned_by: str) -> list[tuple[str, str]]:
    """The reviews (level, outcome) a report in `state` went through."""
    if state == ReportState.RETURNED:
        return [("county", "returned")] if returned_by == "county" else [("county", "approved"), ("city", "returned")]
    approvals = {"draft": 0, "submitted": 0, "county_reviewed": 1, "city_reviewed": 2, "accepted": 3}[state]
    return [("county", "approved"), ("city", "approved"), ("accept", "approved")][:approvals]


def _reports(campaign, enterprises, substances, reviewers) -> int:
    done = set(SurveyReport.objects.filter(campaign=campaign).values_list("enterprise__name", flat=True))
    plan = [(name, county, industry, "accepted" if campaign.year == 2023 else state)
            for name, county, industry, flags, state in ENTERPRISE_ROWS
            if name not in done and (("3" in flags) if campaign.year == 2023 else state)]
    reports, lines, reviews = [], [], []
    for number, (name, county, industry, state) in enumerate(plan):
        returned_by, reason = RETURNS.get(name, ("", ""))[:2] if state == "returned" else ("", "")
        start = datetime.date(campaign.year + 1, 3, 3) + datetime.timedelta(days=(number * 3) % 50)
        report = SurveyReport(campaign=campaign, enterprise=enterprises[name], state=state, return_reason=reason,
                              submitted_at=_at(start, 9 + number % 8) if state != "draft" else None)
        for step, (level, outcome) in enumerate(_history(state, returned_by), start=1):
            # no demo account in the other counties' bureaus: their reviews are not recorded
            reviewer = reviewers.get("wangmin" if level != "county" else "zhangwei" if county == "140602" else "")
            when = _at(start + datetime.timedelta(days=5 * step), 10 + step)
            if level == "accept":
                report.accepted_at = when
            if reviewer is not None:
                note = reason if outcome == "returned" else ("同意入库。" if level == "accept" else "书面审核通过。")
                on_site = level == "city" and number % 3 == 0
                reviews.append((when, ReviewRecord(report=report, reviewer=reviewer, level=level, outcome=outcome,
                                                   on_site=on_site, note="现场核查：台账与申报量一致。"
                                                   if on_site and outcome == "approved" else note)))
        reports.append(report)
        lines += _lines(report, name, industry, substances)
    SurveyReport.objects.bulk_create(reports)  # saved first: lines and reviews take their ids on bulk_create
    SurveyLine.objects.bulk_create(lines)
    records = ReviewRecord.objects.bulk_create([record for _when, record in reviews])
    for record, (when, _record) in zip(records, reviews, strict=True):
        record.created_at = when  # auto_now_add: the review dates are set afterwards
    ReviewRecord.objects.bulk_update(records, ["created_at"])
    campaign.substances.add(*Substance.objects.filter(survey_lines__report__campaign=campaign).distinct())
    return len(reports)


def _monitoring(regions, enterprises, substances) -> int:
    have = set(MonitoringResult.objects.filter(sampling__site__code__in=[s[0] for s in SITES]).values_list(
        "sampling__site__code", "sampling__sampled_on", "substance__cas"))
    new = []
    for code, name, county, medium, site_type, enterprise, chance, factor in SITES:
        site, _ = MonitoringSite.objects.get_or_create(code=code, defaults={
            "name": name or f"{enterprise}废水总排口", "region": regions[county], "medium": medium,
            "site_type": site_type, "enterprise": enterprises.get(enterprise)})
        days = SOIL_DAYS if medium == "soil" else WATER_DAYS[1:] if medium == "outlet" else WATER_DAYS
        for day in days:
            sampling, _ = SamplingEvent.objects.get_or_create(site=site, sampled_on=day)
            for cas, unit, limit, low, high in SOIL if medium == "soil" else WATER:
                if (code, day, cas) in have:
                    continue
                rng = random.Random(f"{code}|{day}|{cas}")
                detected = rng.random() < chance
                value = _dec(rng.uniform(low, high) * factor, 3) if detected else None
                new.append(MonitoringResult(sampling=sampling, substance=substances[cas], unit=unit, detected=detected,
                                            detection_limit=Decimal(limit), concentration=value))
    MonitoringResult.objects.bulk_create(new)
    return len(new)


@transaction.atomic
def inventory_demo_seed() -> list[str]:
    """Write the demo inventory rows that are missing; returns a few lines saying what there is."""
    regions = Region.objects.in_bulk([CITY, *COUNTIES], field_name="code")
    if len(regions) < 1 + len(COUNTIES):
        return ["清单演示数据：缺少朔州市行政区划，请先运行 load_reference"]
    substances, new_substances = _substances()
    enterprises, new_enterprises = _enterprises()
    reviewers = {u.username: u for u in User.objects.filter(username__in=["wangmin", "zhangwei"])}
    out = [f"清单演示数据：化学物质 {len(substances)} 种（新建 {new_substances}），物质类别 {len(GROUPS)} 个，"
           f"企业 {len(enterprises)} 家（新建 {new_enterprises}）"]
    for year, kind, title, deadline in CAMPAIGNS:
        campaign, _ = SurveyCampaign.objects.get_or_create(title=title, defaults={
            "year": year, "kind": kind, "region": regions[CITY], "deadline": deadline})
        created = _reports(campaign, enterprises, substances, reviewers)
        states = Counter(campaign.reports.values_list("state", flat=True))
        out.append(f"{title}：报告 {sum(states.values())} 份（新建 {created}；"
                   + "、".join(f"{STATE_ZH[s]} {states[s]}" for s in STATE_ZH if states[s]) + "）")
    unresolved = SurveyLine.objects.filter(report__campaign__title__in=[c[2] for c in CAMPAIGNS], substance=None)
    out.append(f"待归并的申报行 {unresolved.count()} 条")
    new_results = _monitoring(regions, enterprises, substances)
    samplings = SamplingEvent.objects.filter(site__code__in=[site[0] for site in SITES])
    out.append(f"环境监测：点位 {len(SITES)} 个，采样 {samplings.count()} 次，"
               f"结果 {MonitoringResult.objects.filter(sampling__in=samplings).count()} 条（新建 {new_results}）")
    return out
