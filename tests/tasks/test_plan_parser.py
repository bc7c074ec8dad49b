"""The action-plan parser (tasks.parser): both real plans pinned task by task, three further plan
excerpts in other issuers' styles, every clause and deadline form, and the bad inputs.

No database: nothing here is marked django_db (the project's autouse fixtures still need the test
Redis, so run it with the project's runner).

How the Inner Mongolia copy is read
===================================
fixtures/plans/inner-mongolia-2023.txt is a web copy with no line breaks between items, the notice
printed twice, and passages repeated and interleaved. The headings it contains are 一、主要目标,
二、工作举措 and, in this order, （一） （二） （三）强化过程控制 （五） （三）加大资金投入 （四）加强宣传引导;
the numbered items 1.–4. appear under them out of order (``3.`` ``4.`` after ``1.`` under （三）,
``2.`` three times under （二）). The parser applies its general rules (module docstring of
tasks/parser.py); on this copy they give the 12 tasks pinned in IM_TASKS. Where the copy is
ambiguous the reading keeps each clause with the item text it follows:

1. Repeats are dropped and the first occurrence kept: the second notice, the second 一、主要目标,
   and ten other repeated passages (IM_DROPPED_STARTS).
2. ``1.落实国家工作部署，开展环境信息调查`` first appears above 二、 (before its section exists); its
   repeat sits under 二、（一）, so it is placed there: 二、（一）1. The text after that repeat
   (优先控制化学品… 补充清单) and the clause that follows it (自治区生态环境厅牵头 + 7 units) go to it.
   The 2023年底前 sentence came with its first occurrence, hence its deadline 2023-12-31.
3. ``（二）严格源头管控`` carries text of its own (双随机、一公开) followed by ``（自治区生态环境厅负责）``,
   so the level-2 item 二、（二） is itself a task.
4. ``（自治区生态环境厅负责，各盟行政公署、市人民政府负责落实。以下均需…不再列出）`` follows the
   text of ``2.严格落实淘汰限用措施及含量控制要求`` → it is that item's clause; the implementers
   statement applies from that item on (二、（一）1. and 二、（二） come before it and have none).
5. ``2.健全环境监测体系`` appears under （二） with the number 2 again: its label is 二、（二）2. as
   written (a warning says the number repeats; tasks are identified by order, not label).
6. ``1.加强清洁生产`` is followed directly by ``（自治区生态环境厅负责）``; its repeat later brings the
   reader back to it and the 强制性清洁生产审核 … 监督执法 text and the clause after it
   (生态环境厅、农牧厅、市场监管局，两海关) join it: two clauses, merged in document order (the second
   has no 牵头 and no 列第一位 declaration, so all its names are lead).
7. After ``2.强化含特定新污染物废物…`` and its text, the copy repeats the 双随机 … 淘汰限用 passage and
   then gives ``（自治区工业和信息化厅、生态环境厅等…）``: repeats are transparent, so the clause
   stays with the 含特定废物 text it follows.
8. ``（自治区财政厅、内蒙古税务局、内蒙古银保监局等…）`` follows a repeated ``2.规范抗生素…`` heading with
   no text of its own; the kept text before it is （三）加大资金投入's, which gets the clause.
9. ``2.规范抗生素类药品使用管理`` and ``2.提升新污染物治理基础保障能力建设`` have no clause of their
   own in the copy (what follows them is a repeated passage ending in another item's clause): they
   stay in the tree, are not tasks, and a warning names each.
10. The copy ends with ``到2025年，50%以上的规模养殖场实施养殖减抗行动。`` after （四）'s clause and a
    repeated antibiotics passage. Text belongs to the heading it follows, so it joins 二、（四）
    (deadline 2025-12-31) and a warning says text follows the clause.
11. issued = 2023-02-26, the document's own date; the page's 发布日期:2023-03-01 is publication.
    doc_number = None: the copy has none (国办发〔2022〕15号 is a quoted document).
"""
from __future__ import annotations

import csv
import datetime
import io
import json
import zipfile
from functools import cache
from pathlib import Path

import pytest

from tasks.parser import (
    HeadingNode,
    ParsedDeadline,
    PlanParseError,
    normalise_deadline,
    parse_plan,
    plan_to_contract,
    read_plan_file,
)

ROOT = Path(__file__).resolve().parents[2]
PLANS = ROOT / "fixtures" / "plans"
PLAN_TEXTS = Path(__file__).resolve().parent / "plan_texts"
D = datetime.date


@cache
def real_plan(name: str):
    return parse_plan(read_plan_file((PLANS / name).read_bytes(), name))


@cache
def extra_plan(name: str):
    """An excerpt of tests/tasks/plan_texts/, its leading '#' comment lines removed."""
    lines = (PLAN_TEXTS / name).read_text(encoding="utf-8").splitlines()
    return parse_plan("\n".join(line for line in lines if not line.startswith("#")))


def rows(plan):
    return [(t.label, t.lead, t.responsible, t.implementers, [d.date for d in t.deadlines if d.date])
            for t in plan.tasks]


def one_task(body: str, heading: str = "（一）开展调查。"):
    """Parse a minimal plan with one item; the item's task."""
    plan = parse_plan(f"一、主要任务\n{heading}{body}")
    assert len(plan.tasks) == 1, plan.tasks
    return plan.tasks[0]


# --------------------------------------------------------------------------------------------
# 朔州市新污染物治理行动方案 (朔政办发〔2023〕18号)
# --------------------------------------------------------------------------------------------
SZ = "shuozhou-2023.txt"
SZ_IMPL = ["各县（市、区）人民政府"]
ENV = "市生态环境局"
SZ_TASKS = [
    # label, lead, responsible (all named, lead included), implementers, deadline dates
    ("二、（一）", [ENV], [ENV], SZ_IMPL, [D(2023, 12, 31)]),
    ("二、（二）", [ENV], [ENV], SZ_IMPL, [D(2025, 12, 31)]),
    ("二、（三）", [ENV, "市卫健委"], [ENV, "市卫健委"], SZ_IMPL, []),
    ("三、（一）", [ENV], [ENV, "市工信局", "市农业农村局", "市商务局", "市卫健委", "朔州海关", "市市场监管局"],
     SZ_IMPL, []),
    ("三、（二）", [ENV, "市行政审批局"], [ENV, "市行政审批局"], SZ_IMPL, []),
    ("三、（三）", ["市发展改革委", "市工信局", ENV, "市农业农村局", "市草牧业发展中心", "市商务局", "朔州海关",
                "市市场监管局", "市行政审批局"],
     ["市发展改革委", "市工信局", ENV, "市农业农村局", "市草牧业发展中心", "市商务局", "朔州海关",
      "市市场监管局", "市行政审批局"], SZ_IMPL, []),
    ("三、（四）", ["市工信局", ENV, "市农业农村局", "市市场监管局"], ["市工信局", ENV, "市农业农村局", "市市场监管局"],
     SZ_IMPL, []),
    ("三、（五）", [ENV, "市工信局", "市市场监管局", "市行政审批局"], [ENV, "市工信局", "市市场监管局", "市行政审批局"],
     SZ_IMPL, []),
    ("三、（六）", ["市卫健委", "市市场监管局", "市农业农村局", "市草牧业发展中心", ENV],
     ["市卫健委", "市市场监管局", "市农业农村局", "市草牧业发展中心", ENV], SZ_IMPL, []),
    ("三、（七）", [ENV, "市农业农村局"], [ENV, "市农业农村局"], SZ_IMPL, []),
    ("三、（八）", [ENV], [ENV], SZ_IMPL, []),
    ("三、（九）", [ENV, "市农业农村局"], [ENV, "市农业农村局"], SZ_IMPL, []),
    ("三、（十）", ["市工信局", ENV], ["市工信局", ENV], SZ_IMPL, []),
    ("四、（一）", [ENV], [ENV], SZ_IMPL, [D(2025, 12, 31)]),
    ("四、（二）", [ENV], [ENV, "市发展改革委", "市科技局", "市工信局", "市财政局", "市住建局", "市农业农村局", "市商务局",
                      "市卫健委", "朔州海关", "市市场监管局", "市行政审批局"], SZ_IMPL, []),
    ("四、（三）", [ENV, "市农业农村局", "朔州海关", "市市场监管局"], [ENV, "市农业农村局", "朔州海关", "市市场监管局"],
     SZ_IMPL, []),
    ("四、（四）", ["市财政局", ENV, "市税务局", "朔州银保监分局"], ["市财政局", ENV, "市税务局", "朔州银保监分局"],
     SZ_IMPL, []),
    ("四、（五）", ["市科技局", ENV, "市卫健委"], ["市科技局", ENV, "市卫健委"], SZ_IMPL, []),
    ("四、（六）", [ENV, "市卫健委"], [ENV, "市卫健委"], SZ_IMPL, []),
    ("四、（七）", [ENV], [ENV], SZ_IMPL, []),
]


def test_shuozhou_metadata():
    plan = real_plan(SZ)
    assert (plan.title, plan.issuer, plan.doc_number, plan.issued) == (
        "朔州市新污染物治理行动方案", "朔州市人民政府办公室", "朔政办发〔2023〕18号", D(2023, 5, 13))
    assert plan.warnings == []


def test_shuozhou_has_20_task_items():
    assert len(real_plan(SZ).tasks) == 20


@pytest.mark.parametrize("expected", SZ_TASKS, ids=[row[0] for row in SZ_TASKS])
def test_shuozhou_task(expected):
    by_label = {row[0]: row for row in rows(real_plan(SZ))}
    assert by_label[expected[0]] == expected


def test_shuozhou_task_order_and_titles():
    plan = real_plan(SZ)
    assert [t.label for t in plan.tasks] == [row[0] for row in SZ_TASKS]
    titles = {t.label: t.title for t in plan.tasks}
    assert titles["二、（一）"] == "开展化学物质环境信息调查"
    assert titles["三、（一）"] == "建立“一清单和一名单”管控制度"
    assert titles["三、（七）"] == "强化农药使用管理"
    assert titles["四、（一）"] == "加强组织领导"           # "(一) 加强组织领导。" half-width, with a space


def test_shuozhou_heading_tree():
    plan = real_plan(SZ)
    assert [(h.label, h.title, h.task_index) for h in plan.headings] == [
        ("一、", "总体要求", None), ("二、", "有力有序开展化学物质监测和调查评估", None),
        ("三、", "加强新污染物全过程管控", None), ("四、", "保障措施", None)]
    first = plan.headings[0]
    assert [(c.label, c.level, c.title, c.task_index) for c in first.children] == [
        ("一、（一）", 2, "指导思想", None), ("一、（二）", 2, "工作原则", None), ("一、（三）", 2, "主要目标", None)]
    assert [c.task_index for c in plan.headings[2].children] == list(range(3, 13))
    assert all(plan.paragraphs[h.paragraph].startswith(("一、", "二、", "三、", "四、")) for h in plan.headings)


def test_shuozhou_stray_page_break_paragraph_is_repaired_not_a_task():
    """"到2023年年底前，配合…调查。" is followed by a stray "底前，配合…调查。（市生态环境局负责…）"."""
    plan = real_plan(SZ)
    task = plan.tasks[0]
    assert task.text.endswith("到2023年年底前，配合省政府完成首轮化学物质基本信息调查和首批环境风险优先评估化学物质详细信息调查。")
    assert task.text.count("配合省政府完成首轮化学物质基本信息调查") == 1
    assert task.clause == "（市生态环境局负责，各县〔市、区〕人民政府落实。以下均需各县〔市、区〕人民政府落实，不再列出）"
    assert plan.dropped == ["底前，配合省政府完成首轮化学物质基本信息调查和首批环境风险优先评估化学物质详细信息调查。"]
    assert not any(p.startswith("底前") for p in plan.paragraphs)
    assert task.deadlines == [ParsedDeadline("到2023年年底前", D(2023, 12, 31), None)]


def test_shuozhou_clause_alone_after_blank_line_belongs_to_the_item_before():
    plan = real_plan(SZ)
    task = next(t for t in plan.tasks if t.label == "四、（三）")
    assert task.clause == "（市生态环境局、市农业农村局、朔州海关、市市场监管局等按职责分工负责）"
    assert "按职责分工负责" not in task.text
    (index,) = task.source_paragraphs
    assert plan.paragraphs[index].startswith("（三）强化监管执法。")
    assert plan.paragraphs[index].endswith(task.clause)


def test_shuozhou_sentences_and_clauses_split_by_page_breaks_are_rejoined():
    plan = real_plan(SZ)
    assert any("有序推动新污染物治理工作落地落实。" in p for p in plan.paragraphs)
    by_label = {t.label: t for t in plan.tasks}
    assert "筛选出我市生产、使用重点管控新污染物的单位名单" in by_label["三、（一）"].text
    assert "打造绿色供应链管理企业的过程中" in by_label["三、（五）"].text
    assert by_label["三、（七）"].clause == "（市生态环境局、市农业农村局等按职责分工负责）"
    assert by_label["四、（五）"].clause == "（市科技局、市生态环境局、市卫健委等按职责分工负责)"   # mixed brackets
    assert by_label["四、（一）"].clause == "(市生态环境局牵头,有关部门按职责分工负责)"          # half-width
    assert all("抄送" not in t.text and "印发" not in t.text[-10:] for t in plan.tasks)


def test_shuozhou_recurring_phrases_and_non_deadlines():
    by_label = {t.label: t for t in real_plan(SZ).tasks}
    antibiotics = by_label["三、（六）"]         # names 《…行动方案（2021-2025年）》: not a deadline
    assert [(d.text, d.date, d.recurring) for d in antibiotics.deadlines] == [
        ("按年度", None, "每年"), ("持续开展", None, "持续")]
    assert [(d.text, d.recurring) for d in by_label["三、（四）"].deadlines] == [("定期", "定期")]
    assert [(d.text, d.date) for d in by_label["四、（一）"].deadlines] == [("2025年", D(2025, 12, 31))]
    assert by_label["三、（三）"].deadlines == []


def test_shuozhou_names_are_the_departments_of_the_reference_list():
    """Checks the output against fixtures/departments.csv; the parser does not read that list."""
    known = set()
    with (ROOT / "fixtures" / "departments.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            known |= {row["name"], row["short_name"], *filter(None, row["aliases"].split(";"))}
    for name in (SZ, IM):
        for task in real_plan(name).tasks:
            assert set(task.responsible) <= known, (task.label, set(task.responsible) - known)
            assert set(task.lead) <= set(task.responsible)


# --------------------------------------------------------------------------------------------
# 内蒙古自治区新污染物治理工作方案 (web copy; see the module docstring for the reading)
# --------------------------------------------------------------------------------------------
IM = "inner-mongolia-2023.txt"
IM_IMPL = ["各盟行政公署、市人民政府"]
EEB = "自治区生态环境厅"
CUSTOMS = ["呼和浩特海关", "满洲里海关"]
IM_TASKS = [
    ("二、（一）1.", [EEB], [EEB, "自治区工业和信息化厅", "农牧厅", "卫生健康委", "市场监管局", "药监局", *CUSTOMS], [],
     [D(2023, 12, 31)]),
    ("二、（二）", [EEB], [EEB], [], []),
    ("二、（二）2.", [EEB], [EEB], IM_IMPL, []),                                       # 严格落实淘汰限用措施…
    ("二、（二）2.", ["自治区工业和信息化厅", "生态环境厅", "农牧厅", "市场监管局", "药监局", *CUSTOMS],
     ["自治区工业和信息化厅", "生态环境厅", "农牧厅", "市场监管局", "药监局", *CUSTOMS], IM_IMPL, []),  # 健全环境监测体系…
    ("二、（二）1.", [EEB], [EEB], IM_IMPL, []),                                       # 落实新化学物质环境管理登记制度
    ("二、（二）2.", ["自治区工业和信息化厅", "生态环境厅"], ["自治区工业和信息化厅", "生态环境厅"], IM_IMPL, []),  # 含特定废物
    ("二、（三）1.", [EEB, "农牧厅", "市场监管局", *CUSTOMS], [EEB, "农牧厅", "市场监管局", *CUSTOMS], IM_IMPL, []),
    ("二、（三）3.", [EEB, "卫生健康委"], [EEB, "卫生健康委"], IM_IMPL, []),
    ("二、（三）4.", ["自治区发展改革委", "工业和信息化厅", "生态环境厅", "住房城乡建设厅", "市场监管局"],
     ["自治区发展改革委", "工业和信息化厅", "生态环境厅", "住房城乡建设厅", "市场监管局"], IM_IMPL, []),
    ("二、（五）1.", ["自治区科技厅", "生态环境厅", "卫生健康委"], ["自治区科技厅", "生态环境厅", "卫生健康委"], IM_IMPL, []),
    ("二、（三）", ["自治区财政厅", "内蒙古税务局", "内蒙古银保监局"], ["自治区财政厅", "内蒙古税务局", "内蒙古银保监局"],
     IM_IMPL, []),                                                                     # 加大资金投入
    ("二、（四）", [EEB], [EEB], IM_IMPL, [D(2025, 12, 31)]),
]
IM_TITLES = [
    "落实国家工作部署，开展环境信息调查", "严格源头管控，防范新污染物产生", "严格落实淘汰限用措施及含量控制要求",
    "健全环境监测体系，开展环境调查监测", "落实新化学物质环境管理登记制度", "强化含特定新污染物废物的收集利用处置",
    "加强清洁生产，完善绿色制造标准体系", "针对重点化学物质，实施环境风险评估", "落实新污染物管控措施，制定重点管控补充清单",
    "开展新污染物技术研究", "加大资金投入", "加强宣传引导",
]
IM_DROPPED_STARTS = [
    "内蒙古自治区人民政府办公厅关于印发", "一、主要目标到2023年", "1.落实国家工作部署", "根据调查结果", "编制全区新污染物环境调查监测方案",
    "加强对优先控制化学品", "根据化学物质环境信息调查情况", "按照“双随机、一公开”原则", "全面监督落实玩具",
    "（自治区工业和信息化厅、生态环境厅、农牧厅", "（自治区发展改革委", "加强抗菌药物临床应用管理",
]


def test_inner_mongolia_metadata():
    plan = real_plan(IM)
    assert (plan.title, plan.issuer, plan.doc_number, plan.issued) == (
        "内蒙古自治区新污染物治理工作方案", "内蒙古自治区人民政府办公厅", None, D(2023, 2, 26))


def test_inner_mongolia_tasks_pinned():
    plan = real_plan(IM)
    assert len(plan.tasks) == 12
    assert rows(plan) == IM_TASKS
    assert [t.title for t in plan.tasks] == IM_TITLES


def test_inner_mongolia_structure_keeps_the_sections_of_the_copy():
    plan = real_plan(IM)
    assert [h.label + h.title for h in plan.headings] == ["一、主要目标", "二、工作举措"]
    measures = plan.headings[1]
    assert [(c.label, c.title) for c in measures.children] == [
        ("二、（一）", "开展新污染物调查监测和环境风险评估"), ("二、（二）", "严格源头管控，防范新污染物产生"),
        ("二、（三）", "强化过程控制，减少新污染物排放"), ("二、（五）", "加强能力建设，夯实新污染物治理基础"),
        ("二、（三）", "加大资金投入"), ("二、（四）", "加强宣传引导")]
    process = measures.children[2]
    assert [(c.label, c.title, c.task_index) for c in process.children] == [
        ("二、（三）1.", "加强清洁生产，完善绿色制造标准体系", 6), ("二、（三）3.", "针对重点化学物质，实施环境风险评估", 7),
        ("二、（三）4.", "落实新污染物管控措施，制定重点管控补充清单", 8),
        ("二、（三）2.", "规范抗生素类药品使用管理，开展减量化行动", None)]


def test_inner_mongolia_repeats_are_dropped_once_and_reported():
    plan = real_plan(IM)
    assert len(plan.dropped) == len(IM_DROPPED_STARTS)
    for dropped, start in zip(plan.dropped, IM_DROPPED_STARTS, strict=True):
        assert dropped.startswith(start)
    body = "".join(plan.paragraphs)
    for sentence in ("按照“双随机、一公开”原则，将新化学物质环境管理事项纳入环境执法年度工作计划",
                     "加强抗菌药物临床应用管理，严格落实零售药店凭处方销售处方药类抗菌药物要求",
                     "编制全区新污染物环境调查监测方案", "经自治区人民政府同意"):
        assert body.count(sentence) == 1, sentence
    texts = "".join(t.text for t in plan.tasks)
    assert texts.count("根据化学物质环境信息调查情况，动态制定全区重点管控新污染物补充清单和管控方案") == 1


def test_inner_mongolia_clauses_follow_the_text_they_follow():
    by_title = {t.title: t for t in real_plan(IM).tasks}
    first = by_title["落实国家工作部署，开展环境信息调查"]
    assert "2023年底前，完成首轮化学物质基本信息调查" in first.text
    assert first.text.endswith("动态制定全区重点管控新污染物补充清单和管控方案。")
    phase_out = by_title["严格落实淘汰限用措施及含量控制要求"]
    assert phase_out.clause.startswith("（自治区生态环境厅负责，各盟行政公署、市人民政府负责落实。以下均需")
    cleaner = by_title["加强清洁生产，完善绿色制造标准体系"]
    assert cleaner.clause == ("（自治区生态环境厅负责）（自治区生态环境厅、农牧厅、市场监管局，呼和浩特海关、满洲里海关"
                              "等部门单位按职责分工负责）")
    assert "依法实施强制性清洁生产审核" in cleaner.text
    assert by_title["加大资金投入"].clause == "（自治区财政厅、内蒙古税务局、内蒙古银保监局等部门单位按职责分工负责）"
    assert "自治区各有关部门单位" not in by_title["加强宣传引导"].responsible


def test_inner_mongolia_warnings_name_what_a_person_must_check():
    warnings = "\n".join(real_plan(IM).warnings)
    assert "二、（三）2. 规范抗生素类药品使用管理，开展减量化行动：未找到责任分工" in warnings
    assert "二、（五）2. 提升新污染物治理基础保障能力建设：未找到责任分工" in warnings
    assert "二、（四） 加强宣传引导：责任分工之后还有文字" in warnings
    assert "编号重复：二、（二）2. 健全环境监测体系" in warnings


def test_inner_mongolia_source_paragraphs_hold_the_task_text():
    plan = real_plan(IM)
    for task in plan.tasks:
        shown = "".join(plan.paragraphs[i] for i in task.source_paragraphs)
        assert task.title in shown
        assert task.clause.split("）")[0].lstrip("（") in shown


# --------------------------------------------------------------------------------------------
# Further plans in other issuers' styles (tests/tasks/plan_texts/, sources in each file's header)
# --------------------------------------------------------------------------------------------
PROVINCE_IMPL = ["各地级以上市人民政府"]
EXTRA_PLANS = {
    "province-bracket-clauses.txt": (
        ("岭南省新污染物治理工作方案", "岭南省人民政府办公厅", "岭府办〔2023〕7号", D(2023, 3, 20)),
        [
            # before 列第一位者为牵头单位 is declared: no 牵头 → both lead
            ("二、（一）1.", ["省生态环境厅", "省卫生健康委"], ["省生态环境厅", "省卫生健康委"], PROVINCE_IMPL,
             [D(2023, 6, 30)]),
            # the declaring clause itself: the first is lead
            ("二、（一）2.", ["省市场监管局"], ["省市场监管局", "省生态环境厅"], PROVINCE_IMPL, [D(2024, 6, 30)]),
            ("二、（二）1.", ["省生态环境厅"], ["省生态环境厅", "省工业和信息化厅", "省农业农村厅"], PROVINCE_IMPL,
             [D(2023, 12, 31)]),
            ("二、（二）2.", ["省生态环境厅"], ["省生态环境厅", "省水利厅", "省自然资源厅"], PROVINCE_IMPL, [D(2024, 9, 30)]),
            ("二、（三）1.", ["省发展改革委（省能源局）"], ["省发展改革委（省能源局）", "省工业和信息化厅", "省商务厅", "岭南海关"],
             PROVINCE_IMPL, []),
            # two clauses in one item: first listed (declared) + 牵头 of the second
            ("二、（三）2.", ["省卫生健康委", "省农业农村厅"], ["省卫生健康委", "省药监局", "省农业农村厅"], PROVINCE_IMPL,
             [D(2025, 12, 31)]),
            ("三、（一）", ["省生态环境厅"], ["省生态环境厅"], PROVINCE_IMPL, [D(2023, 12, 31)]),
        ],
    ),
    "city-label-clauses.txt": (
        ("青川市新污染物治理实施方案", "青川市人民政府办公室", "青政办发〔2023〕21号", D(2023, 8, 15)),
        [
            ("二、（一）", ["市生态环境局"], ["市生态环境局", "市发展和改革委员会", "市工业和信息化局", "市财政局"], [],
             [D(2023, 9, 30)]),
            ("二、（二）", ["市生态环境局"], ["市生态环境局", "市工业和信息化局", "市卫生健康委员会"], [], [D(2023, 12, 31)]),
            ("二、（三）", ["市农业农村局"], ["市农业农村局", "市生态环境局", "市市场监管局"], [], [D(2025, 12, 31)]),
            # 责任单位 only, no 牵头单位: all lead
            ("二、（四）", ["市生态环境局", "市住房和城乡建设局", "市水务局"], ["市生态环境局", "市住房和城乡建设局", "市水务局"],
             [], [D(2024, 6, 30)]),
            ("三、（一）", ["市生态环境局"], ["市生态环境局"], ["各县（市、区）人民政府"], []),
        ],
    ),
    "county-sub-items.txt": (
        ("白水县新污染物治理工作方案", "白水县人民政府办公室", None, D(2023, 9, 1)),
        [
            ("一、1.（1）", ["县生态环境分局"], ["县生态环境分局"], [], [D(2023, 10, 31)]),
            ("一、1.（2）", ["县生态环境分局"], ["县生态环境分局", "县工业和信息化局", "县农业农村局"], [], []),
            ("一、2.（1）", ["县市场监督管理局", "县生态环境分局"], ["县市场监督管理局", "县生态环境分局"], [], []),
            ("一、2.（2）", ["县农业农村局"], ["县农业农村局"], ["各乡（镇）人民政府"], [D(2024, 3, 31)]),
            ("二、1.", ["县政府办公室"], ["县政府办公室"], [], []),
        ],
    ),
}


@pytest.mark.parametrize("name", sorted(EXTRA_PLANS))
def test_further_plan_texts_are_pinned(name):
    meta, tasks = EXTRA_PLANS[name]
    plan = extra_plan(name)
    assert (plan.title, plan.issuer, plan.doc_number, plan.issued) == meta
    assert rows(plan) == tasks
    assert plan.warnings == [] and plan.dropped == []


def test_further_plan_recurring_deadlines():
    province = {t.label: t for t in extra_plan("province-bracket-clauses.txt").tasks}
    assert [(d.text, d.recurring) for d in province["二、（二）1."].deadlines if d.recurring] == [("每年", "每年")]
    county = {t.label: t for t in extra_plan("county-sub-items.txt").tasks}
    assert [(d.text, d.recurring) for d in county["一、1.（2）"].deadlines] == [("每季度", "每季度")]
    assert [(d.text, d.recurring) for d in county["一、2.（2）"].deadlines][1] == ("长期坚持", "长期坚持")


def test_county_signature_after_the_last_item_is_not_task_text():
    plan = extra_plan("county-sub-items.txt")
    assert plan.tasks[-1].text == "加强组织领导。各乡（镇）要明确分管负责同志，确保各项任务落到实处。"


# --------------------------------------------------------------------------------------------
# Bad inputs
# --------------------------------------------------------------------------------------------
def _zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "not a Word document")
    return buffer.getvalue()


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(64))


@pytest.mark.parametrize("data, filename, message", [
    (b"", "plan.txt", "文件为空"),
    (b"   \n\t\r\n", "plan.txt", "只有空白字符"),
    ("\u3000 \n".encode(), "plan.txt", "只有空白字符"),
    (PNG, "plan.txt", "不是文本或 Word 文档"),
    (PNG, "scan.png", "不是文本或 Word 文档"),
    (b"\x00\x01\x02binary\x00", "plan.txt", "不是文本或 Word 文档"),
    (bytes([0x81, 0x30, 0xFF, 0xFE, 0x7F] * 20), "plan.txt", "无法识别文件编码"),
    (_zip_bytes(), "plan.docx", "不是有效的 Word 文档"),
    (_zip_bytes(), "plan.zip", "不是有效的 Word 文档"),
    (b"%PDF-1.7\n", "plan.pdf", "PDF"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "plan.doc", ".doc"),
], ids=["empty", "whitespace", "ideographic-space", "png-as-txt", "png", "nul-bytes", "undecodable", "zip-as-docx",
        "zip", "pdf", "doc"])
def test_bad_files_give_a_clear_chinese_error(data, filename, message):
    with pytest.raises(PlanParseError, match=message) as info:
        read_plan_file(data, filename)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(info.value))


@pytest.mark.parametrize("text, message", [
    ("", "文件为空"),
    ("  \n\t \n", "只有空白字符"),
    ("关于做好新污染物治理工作的通知\n请各单位认真贯彻落实，按时报送进展情况。", r"未识别到任何标题（一、 （一） 1\. （1））"),
])
def test_texts_that_are_not_plans_are_rejected(text, message):
    with pytest.raises(PlanParseError, match=message):
        parse_plan(text)


def test_plan_parse_error_is_a_value_error():
    assert issubclass(PlanParseError, ValueError)


# --------------------------------------------------------------------------------------------
# Reading files
# --------------------------------------------------------------------------------------------
SMALL_PLAN = "测试市新污染物治理工作方案\n一、主要任务\n（一）开展调查。2024年6月底前完成。（市生态环境局牵头，市工信局配合）"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "utf-16"])
def test_text_files_in_the_usual_encodings(encoding):
    text = read_plan_file(SMALL_PLAN.encode(encoding), "plan.txt")
    assert text.lstrip("\ufeff") == SMALL_PLAN
    assert parse_plan(text).tasks[0].lead == ["市生态环境局"]


def test_docx_round_trip_with_paragraphs_and_a_table():
    import docx

    document = docx.Document()
    document.add_paragraph("测试市新污染物治理工作方案")
    document.add_paragraph("一、主要任务")
    document.add_paragraph("（一）开展化学物质调查。2024年6月底前完成首轮调查。（市生态环境局牵头，市工信局、市卫健委配合）")
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "（二）加强监督执法。定期开展抽查。"
    table.rows[0].cells[1].text = "（市市场监管局负责）"
    document.add_paragraph("（三）加强宣传。2024年第三季度前开展集中宣传。〔市委宣传部牵头，市生态环境局参与〕")
    buffer = io.BytesIO()
    document.save(buffer)

    text = read_plan_file(buffer.getvalue(), "方案.docx")
    plan = parse_plan(text)
    assert plan.title == "测试市新污染物治理工作方案"
    assert rows(plan) == [
        ("一、（一）", ["市生态环境局"], ["市生态环境局", "市工信局", "市卫健委"], [], [D(2024, 6, 30)]),
        ("一、（二）", ["市市场监管局"], ["市市场监管局"], [], []),
        ("一、（三）", ["市委宣传部"], ["市委宣传部", "市生态环境局"], [], [D(2024, 9, 30)]),
    ]


# --------------------------------------------------------------------------------------------
# Clause forms
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("clause, lead, responsible, implementers", [
    ("（市生态环境局牵头，市工信局、市卫健委等按职责分工负责）", ["市生态环境局"], ["市生态环境局", "市工信局", "市卫健委"], []),
    ("（市生态环境局负责）", ["市生态环境局"], ["市生态环境局"], []),
    ("（市生态环境局、市卫健委按职责分工负责）", ["市生态环境局", "市卫健委"], ["市生态环境局", "市卫健委"], []),
    ("〔省生态环境厅牵头，省工业和信息化厅参与，各县区人民政府负责落实〕", ["省生态环境厅"],
     ["省生态环境厅", "省工业和信息化厅"], ["各县区人民政府"]),
    ("[县生态环境局牵头，县农业农村局配合]", ["县生态环境局"], ["县生态环境局", "县农业农村局"], []),
    ("(市生态环境局牵头,有关部门按职责分工负责)", ["市生态环境局"], ["市生态环境局"], []),
    ("（市生态环境局牵头，市直各有关部门按职责分工负责）", ["市生态环境局"], ["市生态环境局"], []),
    ("（市生态环境局会同有关部门负责）", ["市生态环境局"], ["市生态环境局"], []),
    ("（自治区生态环境厅牵头，自治区各有关部门单位按职责分工负责）", ["自治区生态环境厅"], ["自治区生态环境厅"], []),
    ("（自治区工业和信息化厅、农牧厅、卫生健康委，呼和浩特海关等部门单位按职责分工负责）",
     ["自治区工业和信息化厅", "农牧厅", "卫生健康委", "呼和浩特海关"],
     ["自治区工业和信息化厅", "农牧厅", "卫生健康委", "呼和浩特海关"], []),
    ("（市生态环境局、发展和改革局牵头督导，市公安局参与）", ["市生态环境局", "发展和改革局"],
     ["市生态环境局", "发展和改革局", "市公安局"], []),
    ("（市生态环境局负责，各县（市、区）人民政府落实）", ["市生态环境局"], ["市生态环境局"], ["各县（市、区）人民政府"]),
])
def test_bracketed_clause_forms(clause, lead, responsible, implementers):
    task = one_task("按要求开展工作。" + clause)
    assert (task.lead, task.responsible, task.implementers) == (lead, responsible, implementers)
    assert task.clause == clause
    assert task.text == "开展调查。按要求开展工作。"


@pytest.mark.parametrize("line, lead, responsible", [
    ("牵头单位：市生态环境局；责任单位：市工业和信息化局、市农业农村局",
     ["市生态环境局"], ["市生态环境局", "市工业和信息化局", "市农业农村局"]),
    ("牵头单位:市生态环境局;配合单位:市卫生健康委员会", ["市生态环境局"], ["市生态环境局", "市卫生健康委员会"]),
    ("(牵头单位:市农业农村局;责任单位:市生态环境局)", ["市农业农村局"], ["市农业农村局", "市生态环境局"]),
    ("责任单位：市生态环境局、市水务局", ["市生态环境局", "市水务局"], ["市生态环境局", "市水务局"]),
])
def test_label_clause_forms_on_their_own_line(line, lead, responsible):
    task = one_task("按要求开展工作。\n" + line)
    assert (task.lead, task.responsible) == (lead, responsible)
    assert task.text == "开展调查。按要求开展工作。"


def test_clauses_inside_the_text_are_removed_and_merged():
    """Guangzhou style: "(责任单位:X)" in the middle of an item, before the sentence's 。."""
    task = one_task("大力推进调峰站建设(责任单位:市发展改革委)。按照三年计划推进建设,2016年底前完成"
                    "(责任单位:市住房城乡建设委、市发展改革委)。", heading="1.调整能源消费结构。")
    assert task.text == "调整能源消费结构。大力推进调峰站建设。按照三年计划推进建设,2016年底前完成。"
    assert task.responsible == ["市发展改革委", "市住房城乡建设委"]
    assert task.clause == "(责任单位:市发展改革委)(责任单位:市住房城乡建设委、市发展改革委)"
    assert task.deadlines == [ParsedDeadline("2016年底前", D(2016, 12, 31), None)]


def test_joint_work_with_a_named_department():
    task = one_task("（市生态环境局会同市卫生健康委负责）")
    assert task.lead == task.responsible == ["市生态环境局", "市卫生健康委"]


def test_clause_split_across_a_blank_line_and_a_page_break():
    task = one_task("按要求开展工作，\n\n并按时报送。（市生态环境局、\n\n市农业农村局等按职责分工负责）")
    assert task.text == "开展调查。按要求开展工作，并按时报送。"
    assert task.responsible == ["市生态环境局", "市农业农村局"]


def test_first_listed_is_lead_from_the_declaration_on():
    plan = parse_plan(
        "一、主要任务\n"
        "（一）开展调查。（市生态环境局、市卫健委按职责分工负责）\n"
        "（二）加强监测。（市卫健委、市生态环境局按职责分工负责。列第一位者为牵头单位，下同）\n"
        "（三）强化执法。（市市场监管局、市生态环境局、朔州海关按职责分工负责）\n"
        "（四）加强宣传。（市委宣传部牵头，市生态环境局参与）")
    assert [t.lead for t in plan.tasks] == [
        ["市生态环境局", "市卫健委"], ["市卫健委"], ["市市场监管局"], ["市委宣传部"]]


def test_declaration_in_the_text_applies_to_later_items():
    plan = parse_plan(
        "以下各项任务中，列第一位者为牵头单位。\n一、主要任务\n"
        "（一）开展调查。（省经信委、省发改委（省能源局）按职责分工负责）")
    assert plan.tasks[0].lead == ["省经信委"]
    assert plan.tasks[0].responsible == ["省经信委", "省发改委（省能源局）"]


def test_nested_names_stay_whole_and_brackets_become_full_width():
    task = one_task("（省发改委(省能源局)、省工业和信息化厅牵头，各县〔市、区〕人民政府、各盟行政公署、市人民政府负责落实）")
    assert task.lead == ["省发改委（省能源局）", "省工业和信息化厅"]
    assert task.implementers == ["各县（市、区）人民政府、各盟行政公署、市人民政府"]


def test_and_splits_only_between_names():
    task = one_task("（市卫生健康委和市市场监管局负责，市工业和信息化局及市住房和城乡建设局配合）")
    assert task.responsible == ["市卫生健康委", "市市场监管局", "市工业和信息化局", "市住房和城乡建设局"]
    assert task.lead == ["市卫生健康委", "市市场监管局"]


def test_shared_prefix_is_not_copied_onto_the_rest_of_the_list():
    task = one_task("（自治区工业和信息化厅、农牧厅、卫生健康委按职责分工负责）")
    assert task.responsible == ["自治区工业和信息化厅", "农牧厅", "卫生健康委"]


def test_etc_endings_are_stripped():
    task = one_task("（市生态环境局牵头，市商务局、朔州海关等部门单位按职责分工负责，市财政局等部门参与）")
    assert task.responsible == ["市生态环境局", "市商务局", "朔州海关", "市财政局"]


def test_inherited_implementers_apply_to_the_stating_item_and_every_later_one():
    plan = parse_plan(
        "一、主要任务\n"
        "（一）开展调查。（市生态环境局负责）\n"
        "（二）加强监测。（市生态环境局负责，各县〔市、区〕人民政府落实。以下均需各县〔市、区〕人民政府落实，不再列出）\n"
        "（三）强化执法。（市市场监管局负责）\n"
        "二、保障措施\n（一）加强领导。（市生态环境局牵头，有关部门按职责分工负责）")
    assert [t.implementers for t in plan.tasks] == [[], ["各县（市、区）人民政府"], ["各县（市、区）人民政府"],
                                                    ["各县（市、区）人民政府"]]


def test_inner_mongolia_style_statement_keeps_the_joint_phrase():
    plan = parse_plan(
        "二、工作举措\n1.开展调查。（自治区生态环境厅负责，各盟行政公署、市人民政府负责落实。"
        "以下均需各盟行政公署、市人民政府负责落实，不再列出）\n2.开展监测。（自治区生态环境厅负责）")
    assert [t.implementers for t in plan.tasks] == [IM_IMPL, IM_IMPL]
    assert [t.lead for t in plan.tasks] == [[EEB], [EEB]]


def test_items_without_clauses_are_structure_only_and_any_level_can_be_a_task():
    plan = parse_plan(
        "一、主要任务\n（一）开展调查监测。\n1.开展信息调查。（市生态环境局负责）\n2.开展环境监测。（市生态环境局负责）\n"
        "（二）强化源头管控。严格准入。（市发展改革委负责）")
    assert [t.label for t in plan.tasks] == ["一、（一）1.", "一、（一）2.", "一、（二）"]
    tree = plan.headings[0]
    assert isinstance(tree, HeadingNode)
    assert [(c.label, c.task_index) for c in tree.children] == [("一、（一）", None), ("一、（二）", 2)]


def test_bracketed_text_without_responsibility_words_is_not_a_clause():
    task = one_task("对纳入淘汰类的产品（或简易登记证）依法处理，推广（PPP）模式。（市生态环境局负责）")
    assert "（或简易登记证）" in task.text and "（PPP）" in task.text
    assert task.responsible == ["市生态环境局"]


# --------------------------------------------------------------------------------------------
# Headings
# --------------------------------------------------------------------------------------------
def _labels(plan) -> list[str]:
    out = []

    def walk(nodes):
        for node in nodes:
            out.append(node.label)
            walk(node.children)

    walk(plan.headings)
    return out


@pytest.mark.parametrize("marker, label", [
    ("(一)", "一、（一）"), ("（一）", "一、（一）"), ("( 一 )", "一、（一）"),
])
def test_level_two_markers(marker, label):
    plan = parse_plan(f"一、主要任务\n{marker}开展调查。（市生态环境局负责）")
    assert plan.tasks[0].label == label


@pytest.mark.parametrize("marker, label", [("1.", "一、1."), ("1．", "一、1."), ("1、", "一、1、"), ("(1)", "一、（1）"),
                                           ("（1）", "一、（1）")])
def test_numeric_markers(marker, label):
    plan = parse_plan(f"一、主要任务\n{marker}开展调查。（市生态环境局负责）")
    assert plan.tasks[0].label == label


def test_headings_running_together_in_one_line_are_split():
    plan = parse_plan("一、主要目标到2025年，完成调查。二、工作举措（一）开展调查监测。1.开展信息调查。按要求调查。"
                      "（市生态环境局负责）2.开展监测。（市生态环境局负责）（二）加强管控。（市市场监管局负责）")
    assert _labels(plan) == ["一、", "二、", "二、（一）", "二、（一）1.", "二、（一）2.", "二、（二）"]
    assert [h.title for h in plan.headings] == ["主要目标", "工作举措"]
    assert [t.text for t in plan.tasks] == ["开展信息调查。按要求调查。", "开展监测。", "加强管控。"]


def test_things_that_look_like_markers_are_not_headings():
    text = ("一、主要任务\n"
            "（一）严格准入。对新(改、扩)建项目依照《产业结构调整指导目录（2019年本）》审批，推广（PPP）模式，"
            "排放超过2.5倍限值的项目不予审批；全市20种重点物质按第1号公告管理，1、2号机组2023年5月13日起停运。"
            "（此件公开发布）按照（一）项要求执行。（市生态环境局负责）")
    plan = parse_plan(text)
    assert _labels(plan) == ["一、", "一、（一）"]
    task = plan.tasks[0]
    assert "新(改、扩)建" in task.text and "2.5倍" in task.text and "第1号" in task.text
    assert task.deadlines == []


# --------------------------------------------------------------------------------------------
# Deadlines
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("phrase, date", [
    ("2023年底前", D(2023, 12, 31)),
    ("2023年年底前", D(2023, 12, 31)),
    ("到2023年年底前", D(2023, 12, 31)),
    ("2023年6月底前", D(2023, 6, 30)),
    ("2024年2月底前", D(2024, 2, 29)),
    ("到2025年", D(2025, 12, 31)),
    ("2025年对本方案实施情况进行评估", D(2025, 12, 31)),
    ("2025年年底前", D(2025, 12, 31)),
    ("2023年12月31日前", D(2023, 12, 31)),
    ("2023年9月30日前", D(2023, 9, 30)),
    ("2024年上半年", D(2024, 6, 30)),
    ("2024年下半年", D(2024, 12, 31)),
    ("2024年第三季度", D(2024, 9, 30)),
    ("2024年一季度前", D(2024, 3, 31)),
    ("要于2023年6月底前制定", D(2023, 6, 30)),
    ("截至2024年9月", D(2024, 9, 30)),
])
def test_deadline_forms_normalise_to_the_last_day_of_the_period(phrase, date):
    deadline = normalise_deadline(phrase)
    assert deadline is not None and deadline.date == date and deadline.recurring is None


@pytest.mark.parametrize("phrase, kind", [
    ("每年", "每年"), ("按年度发布", "每年"), ("每季度", "每季度"), ("每月", "每月"), ("定期", "定期"),
    ("长期坚持", "长期坚持"), ("持续推进", "持续"), ("持续开展", "持续"),
])
def test_recurring_phrases(phrase, kind):
    assert normalise_deadline(phrase) == ParsedDeadline(phrase[:4] if phrase != "按年度发布" else "按年度", None, kind)


@pytest.mark.parametrize("phrase", [
    "国办发〔2022〕15号", "晋政办发〔2022〕94号", "（2019年本）", "（2021-2025年）", "2021—2025年",
    "《山西省兽用抗菌药使用减量化行动方案（2021-2025年）》", "2023年5月13日", "2023年5月13日印发",
    "比2020年下降10%", "2024年起", "2023年度工作计划", "2022年发布的清单", "1.5倍于2022年", "", "加强监督管理",
])
def test_non_deadlines(phrase):
    assert normalise_deadline(phrase) is None


def test_deadlines_of_a_task_are_deduplicated_by_date_keeping_the_first_wording():
    task = one_task("2023年底前完成调查，2023年12月31日前报送结果，到2025年完成评估，持续开展监测，持续推进整改。"
                    "（市生态环境局负责）")
    assert task.deadlines == [
        ParsedDeadline("2023年底前", D(2023, 12, 31), None), ParsedDeadline("到2025年", D(2025, 12, 31), None),
        ParsedDeadline("持续开展", None, "持续")]


def test_titles_and_numbers_of_other_documents_give_no_deadlines():
    task = one_task("根据《某某方案（2021—2025年）》（国办发〔2022〕15号）要求开展工作。（市生态环境局负责）")
    assert task.deadlines == []


# --------------------------------------------------------------------------------------------
# Repeats, metadata, contract
# --------------------------------------------------------------------------------------------
def test_repeated_passages_are_dropped_keeping_the_first():
    sentence = "按照国家统一部署开展重点行业化学物质环境信息调查工作。"        # 26 characters: a repeat even alone
    plan = parse_plan(
        f"一、主要任务（一）开展调查。{sentence}（市生态环境局负责）"
        f"（二）加强监测。{sentence}开展重点流域新污染物监测试点。（市生态环境局负责）"
        f"（一）开展调查。{sentence}（市生态环境局负责）")
    assert [t.text for t in plan.tasks] == [f"开展调查。{sentence}", "加强监测。开展重点流域新污染物监测试点。"]
    assert plan.dropped == [sentence, f"（一）开展调查。{sentence}（市生态环境局负责）"]
    assert [t.clause for t in plan.tasks] == ["（市生态环境局负责）", "（市生态环境局负责）"]


def test_short_headings_and_sentences_may_recur_in_each_part():
    plan = parse_plan(
        "一、大气污染治理\n（一）工作目标\n空气质量持续改善。\n（二）主要任务\n减少排放。（市生态环境局负责）\n"
        "二、新污染物治理\n（一）工作目标\n治理能力明显增强。\n（二）主要任务\n开展调查。（市生态环境局负责）")
    assert _labels(plan) == ["一、", "一、（一）", "一、（二）", "二、", "二、（一）", "二、（二）"]
    assert [(t.label, t.text) for t in plan.tasks] == [("一、（二）", "主要任务\n减少排放。"),
                                                       ("二、（二）", "主要任务\n开展调查。")]
    assert plan.dropped == []


def test_web_publication_date_is_used_only_without_a_document_date():
    plan = parse_plan("某市新污染物治理工作方案\n发布日期:2023-03-01\n一、主要任务\n（一）开展调查。（市生态环境局负责）")
    assert plan.issued == D(2023, 3, 1)
    assert any("网页发布日期" in w for w in plan.warnings)


def test_plan_without_notice_takes_its_first_title_line():
    plan = parse_plan("某县新污染物治理实施方案\n一、主要任务\n（一）开展调查。（县生态环境分局负责）")
    assert (plan.title, plan.issuer, plan.doc_number, plan.issued) == ("某县新污染物治理实施方案", None, None, None)


CONTRACT_KEYS = {"title", "issuer", "doc_number", "issued", "tasks"}
TASK_KEYS = {"label", "title", "text", "lead", "responsible", "implementers", "deadlines"}


@pytest.mark.parametrize("name", [SZ, IM])
def test_contract_has_exactly_the_design_key_set(name):
    contract = plan_to_contract(real_plan(name))
    assert json.loads(json.dumps(contract, ensure_ascii=False)) == contract
    assert set(contract) == CONTRACT_KEYS
    assert isinstance(contract["title"], str)
    assert contract["issuer"] is None or isinstance(contract["issuer"], str)
    assert contract["doc_number"] is None or isinstance(contract["doc_number"], str)
    assert contract["issued"] is None or datetime.date.fromisoformat(contract["issued"])
    for task in contract["tasks"]:
        assert set(task) == TASK_KEYS
        assert all(isinstance(task[k], str) for k in ("label", "title", "text"))
        assert all(isinstance(v, list) and all(isinstance(n, str) for n in v)
                   for v in (task["lead"], task["responsible"], task["implementers"]))
        for deadline in task["deadlines"]:
            assert set(deadline) == {"text", "date"}
            assert deadline["date"] is None or datetime.date.fromisoformat(deadline["date"])


def test_contract_values_for_shuozhou():
    contract = plan_to_contract(real_plan(SZ))
    assert contract["issued"] == "2023-05-13"
    first = contract["tasks"][0]
    assert first["label"] == "二、（一）"
    assert first["deadlines"] == [{"text": "到2023年年底前", "date": "2023-12-31"}]
    recurring = contract["tasks"][6]["deadlines"]
    assert recurring == [{"text": "定期", "date": None}]
