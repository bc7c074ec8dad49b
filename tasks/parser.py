"""Action-plan parser: turns the text of a 新污染物治理工作方案 (or any 行动方案 / 实施方案 written the
same way) into its heading tree and its tasks — each item that carries a responsibility clause,
with its lead and co-responsible departments, implementing local governments and deadlines.

Pure Python (standard library and python-docx); the Django side calls `read_plan_file`,
`parse_plan`, `plan_to_contract` and `normalise_deadline`. Every message for the user is Chinese.

How a plan is read
==================
1. **Clean-up.** Line endings, zero-width characters, full-width digits and the spaces that
   justified PDF/Word text leaves between Chinese characters are normalised. Page-break artefacts
   are repaired paragraph by paragraph: a paragraph that stops mid-sentence (or inside an open
   bracket) is joined to the next one; a paragraph that starts by repeating the tail of the one
   before it (``…到2023年年底前，配合…调查。`` / ``底前，配合…调查。（…负责）``) loses the repeated
   part (listed in ``dropped``); a responsibility clause standing alone in its paragraph is joined
   to the paragraph before it.
2. **Units.** Each paragraph is cut into units: headings (``一、`` ``（一）`` ``1.`` ``（1）``, with
   full- or half-width brackets and dots, ``1、`` too), sentences, responsibility clauses and a
   few document-furniture units (the signature date, ``（此件公开发布）``, the plan's title line,
   ``抄送：`` and what follows). A heading marker only counts at the start of a paragraph, after a
   sentence end (。！？), after a clause, or run in after a short level title
   (``二、工作举措（一）开展…``), so ``新(改、扩)建``, ``（2019年本）``, ``（PPP）``, ``2.5倍``,
   ``第1号`` and dates are never taken for headings.
3. **Repeats.** Web copies repeat whole passages; the first occurrence is kept. A passage is
   repeated when two or more consecutive units repeat two or more consecutive earlier units; a
   sentence of 20 characters or more that occurred earlier is a repeat even on its own.
   Headings, clauses and short sentences legitimately recur (``（市生态环境局负责）``,
   ``（一）指导思想`` in each part of a long plan), so alone they are kept. Each dropped passage is
   reported once in ``ParsedPlan.dropped``.
4. **Reading.** Units are read in order. Text belongs to the heading it follows; a *repeated*
   heading is not added again but brings the reader back to that heading (its item receives the
   new text that follows). A heading that first appeared out of place — above its section, with
   a level missing between it and its parent — is moved under the parent where its repeat
   appears. A clause belongs to the item whose kept text it follows (dropped repeats are
   transparent), so each clause stays with the text it follows. An item (at any level) that
   receives at least one clause is a task; headings without clauses are structure only. Several
   clauses in one item (``〔X牵头，Y参与〕…〔Z牵头〕``) are merged: lead and responsible are the
   union, in document order. Text after an item's last clause still belongs to it (a warning
   asks for a check); an item without a clause among siblings that have one is reported too.
5. **Clauses.** Forms read: ``（X牵头，Y、Z等按职责分工负责）``, ``（X负责）``, ``（X、Y按职责分工负责）``,
   ``〔X牵头，Y参与，各县区人民政府负责落实〕``, ``[X牵头，Y配合]``, half-width
   ``(X牵头,有关部门按职责分工负责)``, ``牵头单位：X；责任单位：Y`` (or 配合单位; in brackets or on its
   own line), ``X会同有关部门负责`` (→ X), ``X会同Y负责`` (→ X、Y). A bracket group with 牵头/参与/配合/
   按职责… is a clause when it names at least one organ; with only 负责/落实 when everything it names
   is an organ or a local government (so ``（或简易登记证）``, ``（负责人：…）`` stay text).
   Lead: the names before 牵头; else the names before a plain 负责; else, where the document has
   declared ``列第一位者为牵头单位（下同）`` (which applies from that point on, the declaring clause
   included), the first name; else — no 牵头, no declaration — **all names are lead**: the clause
   makes them jointly responsible. ``responsible`` lists every department named, lead ones
   included, as written and in document order.
6. **Names.** Lists are split on 、，, and on 和/及 only between two names (``工业和信息化局`` stays
   whole); nested names stay whole (``省发改委（省能源局）``, ``各县（市、区）人民政府``), brackets inside
   names are normalised to full-width （）. ``等`` / ``等部门`` / ``等部门单位`` endings are stripped.
   Names are kept as written: a prefix shared by a list (``自治区工业和信息化厅、农牧厅``) is not
   copied onto the others. Local governments (``各县（市、区）人民政府``, ``各盟行政公署、市人民政府``,
   any name ending in 人民政府/行政公署) go to ``implementers``; generic phrases (``有关部门``,
   ``各有关部门``, ``自治区各有关部门单位``, ``相关部门``…) are left out of ``responsible`` on purpose,
   without a warning — they name nobody the portal could assign.
   ``以下均需X落实，不再列出`` gives X to the item carrying it and to every later item.
7. **Deadlines** (item text, clauses removed): ``2023年底前`` / ``2023年年底前`` / ``到2025年`` /
   ``2025年对…进行评估`` → 12-31 of that year; ``2023年6月底前`` → 06-30; ``2023年12月31日前``;
   ``2024年上半年`` → 06-30, ``下半年`` → 12-31; ``2024年第三季度`` → 09-30. Always the last day of the
   period named. Recurring phrases (每年/按年度, 每季度, 每月, 定期, 长期坚持, 持续开展/推进…) are kept
   with ``date=None``. Not deadlines: document numbers (``国办发〔2022〕15号``), editions
   (``（2019年本）``), ranges (``（2021-2025年）``), anything inside 《》, baselines (``比2020年``),
   starts (``2024年起``), bare dates without 前/到. Same date (or same recurring kind) twice in a
   task: the first wording is kept.
8. **Metadata.** ``title``: the name in 《》 of the notice sentence that issues the plan
   (``现将《X》印发``), else ``关于印发X的通知``, else the first title-like line. ``issuer``: the organ
   before ``关于印发``, else the signature above the date. ``doc_number``: a line that is only a
   document number (``朔政办发〔2023〕18号``) or ``发文字号：``, before the plan body; ``None`` when
   absent (a number quoted in the text refers to another document). ``issued``: the document's
   own date — the signature date (``2023年5月13日``), else the ``…印发`` date, else ``成文日期``;
   a web page's ``发布日期`` (publication, e.g. 2023-03-01 for the Inner Mongolia copy whose
   document date is 2023年2月26日) is used only when nothing else exists, with a warning.

Labels (of tasks and of ``HeadingNode``) are the heading labels from the top down, as written
but with brackets normalised to full-width and the full-width dot to ``.`` (``二、（一）1.``,
``一、2、`` when the document writes ``2、``). In scrambled copies two items can share a label (a
warning says so); ``ParsedPlan.tasks`` order, not the label, identifies a task.
"""
from __future__ import annotations

import calendar
import datetime
import io
import re
import zipfile
from dataclasses import dataclass, field

from portal.text import FORBIDDEN_MULTI_LINE_RE

__all__ = [
    "PlanParseError", "ParsedDeadline", "ParsedTask", "HeadingNode", "ParsedPlan",
    "read_plan_file", "parse_plan", "plan_to_contract", "normalise_deadline",
]


class PlanParseError(ValueError):
    """The file or text cannot be read as a plan; the message (Chinese) says what is wrong."""


@dataclass
class ParsedDeadline:
    text: str
    date: datetime.date | None
    recurring: str | None = None


@dataclass
class ParsedTask:
    label: str
    title: str
    text: str
    lead: list[str]
    responsible: list[str]
    implementers: list[str]
    deadlines: list[ParsedDeadline]
    clause: str
    source_paragraphs: list[int]


@dataclass
class HeadingNode:
    label: str                      # full label from the top down, e.g. "二、（一）1."
    level: int                      # 1 一、  2 （一）  3 1.  4 （1）
    title: str
    paragraph: int                  # index into ParsedPlan.paragraphs of the heading
    children: list[HeadingNode] = field(default_factory=list)
    task_index: int | None = None


@dataclass
class ParsedPlan:
    title: str
    issuer: str | None
    doc_number: str | None
    issued: datetime.date | None
    paragraphs: list[str]
    headings: list[HeadingNode]
    tasks: list[ParsedTask]
    dropped: list[str]
    warnings: list[str]


# --------------------------------------------------------------------------------------------
# Patterns
# --------------------------------------------------------------------------------------------
_CN_DIGITS = "一二三四五六七八九十"
_OPEN, _CLOSE = "（(〔[［【", "）)〕]］】"
_SENTENCE_END = "。！？!?"
_QUOTE_CLOSE = "”’」』\"'"
_TERMINAL = "。！？!?；;：:”’」』）)〕]】…"

# A heading marker at a unit start: 一、 / （一） / （1） / 1. 1． 1、 — the numeric one not part of
# a decimal ("2.5倍"), not glued to a preceding digit or dot, not followed by a digit ("1、2号").
HEADING_RE = re.compile(
    r"(?P<l1>[一二三四五六七八九十]{1,3})\s*、"
    r"|[（(]\s*(?P<l2>[一二三四五六七八九十]{1,3})\s*[）)]"
    r"|[（(]\s*(?P<l4>\d{1,2})\s*[）)]"
    r"|(?<![\d.．])(?P<l3>\d{1,2})\s*(?P<dot>[.．、])(?!\d)"
)
# A bracket group that is only a heading number: （一） (1)
MARKER_GROUP_RE = re.compile(r"^\s*(?:[一二三四五六七八九十]{1,3}|\d{1,2})\s*$")
# Words that make a bracket group a responsibility clause on their own …
STRONG_CLAUSE_RE = re.compile(
    r"牵头|按职责|分工负责|参与|配合|协助|会同|责任单位|责任部门|列(?:在)?(?:第一|首)位|不再(?:一一)?列出")
# … and words that do so only when what precedes them is a list of names ("（市生态环境局负责）").
WEAK_CLAUSE_RE = re.compile(r"负责|落实")
# An unbracketed clause in label form at the start of a unit: 牵头单位：X；责任单位：Y
LABEL_CLAUSE_RE = re.compile(r"(?:牵头|责任|配合|参与|协办|主办)(?:单位|部门)\s*[:：]")
# Document furniture: （此件公开发布）, a signature date line, 抄送/附件 closing, 朔政办发〔2023〕18号,
# a web page's 发布日期, a 成文日期, the organ before 关于印发
PUBLIC_RE = re.compile(r"^[（(]\s*此件[^）)]{0,10}[）)]$")
DATE_LINE_RE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日(印发)?$")
CLOSING_RE = re.compile(r"^(?:抄送|抄报|主送|附件)\s*[:：]")
DOC_NUMBER_RE = re.compile(r"[\u4e00-\u9fff]{1,12}\s*[〔\[［(（]\s*\d{4}\s*[〕\]］)）]\s*\d{1,4}\s*号")
WEB_DATE_RE = re.compile(r"发布(?:日期|时间)\s*[:：]\s*(\d{4})[-年./](\d{1,2})[-月./](\d{1,2})")
WRITTEN_DATE_RE = re.compile(r"成文(?:日期|时间)\s*[:：]\s*(\d{4})[-年./](\d{1,2})[-月./](\d{1,2})")
ISSUER_RE = re.compile(
    r"(?:^|\n)\s*(?P<org>[^\n，。：:《》]{2,40}?(?:办公室|办公厅|人民政府|委员会|行政公署|厅|局|委))\s*关于印发")
# The plan's title: 现将《X》印发 / 《X》已经…同意，现印发 / 关于印发X的通知
TITLE_SUFFIX = r"(?:方案|计划|意见|办法|规划|要点|措施|细则|清单)"
NOTICE_TITLE_RE = re.compile(r"《(?P<t>[^《》]{4,60}?" + TITLE_SUFFIX + r")》[^。《]{0,40}?印发")
ABOUT_TITLE_RE = re.compile(r"关于印发《?(?P<t>[^《》\n]{4,60}?" + TITLE_SUFFIX + r")》?的通知")
# A level title that runs straight into its body: "主要目标到2023年，…" → title "主要目标"
TITLE_RUN_IN_RE = re.compile(r"(?:到|至|在)?(?:19|20)\d{2}年")

# Clause grammar: 以下均需X落实，不再列出 / 列第一位者为牵头单位 / 牵头单位：X / the role word
# closing a list (X牵头, X按职责分工负责, X参与…) / 等部门单位 endings / names that assign nobody /
# local governments / 和-及 between names / the organ a department name ends with
INHERIT_RE = re.compile(
    r"以下(?:各项(?:工作|任务)?)?(?:均需|均须|均由|均要|均应|需|由)?(?P<who>[^。；;]+?)(?:负责)?落实"
    r"[，,。；;]?\s*不再(?:一一)?列出[。；;]?")
DECLARE_RE = re.compile(r"[^，,。；;]*?[列排](?:在)?(?:第一|首)位(?:者|的)?(?:为|是)牵头(?:单位|部门)[^，,。；;]*")
LABEL_PART_RE = re.compile(r"^(?P<label>牵头|主办|责任|配合|参与|协办)(?:单位|部门)\s*[:：]\s*(?P<names>.*)$")
ROLE_SUFFIX_RE = re.compile(
    r"(?P<role>牵头(?:督导|负责|抓总)?|按职责分工(?:负责|落实)?|按职责(?:负责|落实)|分工负责|负责落实|共同负责|具体负责|"
    r"会同有关部门|会同|负责|参与|配合|协助|落实)$")
ETC_RE = re.compile(r"等(?:有关|相关)?(?:部门单位|部门和单位|部门|单位)?$")
GENERIC_NAME_RE = re.compile(
    r"^(?:.*各有关部门.*|.*有关部门(?:单位)?|.*相关部门(?:单位)?|.*各有关单位|有关单位|相关单位|各部门|"
    r"其他(?:有关|相关)?部门(?:、?单位)?|.*各相关部门|其他单位)$")
LOCAL_GOV_RE = re.compile(r"(?:人民政府|行政公署|政府|公署)(?:（[^（）]*）)?$")
LOCAL_GOV_LIST_RE = re.compile(r"^各[^，；]*?(?:人民政府|行政公署|政府|公署|管委会)(?:（[^（）]*）)?$")
# 和/及 split a list only right after a name's organ suffix: "市生态环境局和市农业农村局"
AND_SPLIT_RE = re.compile(r"(?<=[局委厅办部署府会院关处心司行所站队室团社组）])[和及](?=[^\s和及]{2,})")
ORGAN_SUFFIX_RE = re.compile(r"[局委厅办部署府会院关处心司行所站队室团社组联协台校）]$")

# Deadlines: a year with an optional period (上半年, 第三季度, 6月底, 12月31日, 年底) and 前/到;
# recurring phrases
DEADLINE_RE = re.compile(
    r"(?P<prefix>截至|截止到?|到|至|于|在)?"
    r"(?P<year>(?:19|20)\d{2})\s*年"
    r"(?:(?P<half>上半年|下半年)"
    r"|第?(?P<quarter>[一二三四1-4])季度"
    r"|(?P<month>\d{1,2})\s*月(?:份)?(?:(?P<day>\d{1,2})\s*日|(?P<month_end>底|末|中下旬|下旬))?"
    r"|(?P<year_end>年底|年末|底|末))?"
    r"(?P<before>之前|以前|前|为止)?")
RECURRING_RE = re.compile(
    r"每年度?|按年度|每半年|每季度?|每月|每周|定期|长期坚持|常态化|"
    r"持续(?:开展|推进|实施|加强|做好|深化|推动|跟踪|更新|落实|抓好)")
_RECURRING_KIND = {"每年": "每年", "每年度": "每年", "按年度": "每年", "每半年": "每半年", "每季": "每季度",
                   "每季度": "每季度", "每月": "每月", "每周": "每周", "定期": "定期", "长期坚持": "长期坚持",
                   "常态化": "长期坚持"}
_QUARTER = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}

# A sentence this long that occurred before is a repeat even on its own
REPEAT_MIN_CHARS = 20

# Width folding for comparisons and labels
_FOLD = str.maketrans({"(": "（", ")": "）", ",": "，", ";": "；", ":": "：", "〔": "（", "〕": "）",
                       "[": "（", "]": "）", "［": "（", "］": "）", "【": "（", "】": "）", "．": "."})
_NAME_BRACKETS = str.maketrans({"(": "（", ")": "）", "〔": "（", "〕": "）", "[": "（", "]": "）",
                                "［": "（", "］": "）", "【": "（", "】": "）"})
_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_ZERO_WIDTH_RE = FORBIDDEN_MULTI_LINE_RE     # control and invisible formatting characters (portal/text.py)
_CJK = r"\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"
_CJK_SPACE_RE = re.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")


# --------------------------------------------------------------------------------------------
# Reading files
# --------------------------------------------------------------------------------------------
def read_plan_file(data: bytes, filename: str) -> str:
    """The text of an uploaded plan: .txt (UTF-8 with or without BOM, UTF-16 with BOM, else
    GB18030) or .docx (paragraphs and table rows in document order). PlanParseError for an empty,
    binary or unsupported file."""
    name = (filename or "").lower()
    if not data:
        raise PlanParseError("文件为空，请选择方案的文本（.txt）或 Word 文档（.docx）。")
    if data.startswith(b"%PDF"):
        raise PlanParseError("暂不支持 PDF 文件，请上传方案的文本（.txt）或 Word 文档（.docx）。")
    if data.startswith(b"\xd0\xcf\x11\xe0") or name.endswith(".doc"):
        raise PlanParseError("不支持旧版 Word（.doc）文件，请在 Word 中另存为 .docx 后再上传。")
    if data.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8")):
        raise PlanParseError("不是文本或 Word 文档：上传的是图片，请上传方案的文本（.txt）或 Word 文档（.docx）。")
    if name.endswith(".docx") or data.startswith(b"PK\x03\x04"):
        text = _read_docx(data)
    else:                                               # .txt, or any other name: it must be text
        text = _decode_text(data)
    if not text.strip():
        raise PlanParseError("文件内容为空（只有空白字符），请检查上传的文件。")
    return text


def _decode_text(data: bytes) -> str:
    """Decode a text file; reject binary content (NUL bytes, control characters, undecodable)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise PlanParseError("文件无法按 UTF-16 文本读取，请另存为 UTF-8 文本后再上传。") from exc
    if b"\x00" in data:
        raise PlanParseError("不是文本或 Word 文档：文件含有二进制内容，请上传方案的文本（.txt）或 Word 文档（.docx）。")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise PlanParseError("不是文本或 Word 文档：无法识别文件编码（应为 UTF-8 或 GBK/GB18030）。")
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r\f\v")
    if controls > max(2, len(text) // 100):
        raise PlanParseError("不是文本或 Word 文档：文件含有大量控制字符，可能是二进制文件。")
    return text


def _read_docx(data: bytes) -> str:
    """Paragraph and table text of a .docx, in document order (merged table cells once)."""
    try:
        import docx  # python-docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph

        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise PlanParseError("不是有效的 Word 文档（.docx）：文件已损坏或只是普通压缩包。") from exc
    except Exception as exc:  # python-docx raises its own PackageNotFoundError and lxml errors
        raise PlanParseError("不是有效的 Word 文档（.docx），无法读取其内容。") from exc
    lines: list[str] = []
    body = document.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            lines.append(Paragraph(child, document).text)
        elif tag == "tbl":
            for row in Table(child, document).rows:
                cells: list[str] = []
                for cell in row.cells:
                    value = cell.text.strip()
                    if value and (not cells or cells[-1] != value):
                        cells.append(value)
                if cells:
                    lines.append("\t".join(cells))
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Deadlines
# --------------------------------------------------------------------------------------------
def normalise_deadline(text: str) -> ParsedDeadline | None:
    """The first deadline or recurring phrase in `text`, normalised to the last day of the period
    it names ("2023年6月底前" → 2023-06-30), or None when it names none ("（2019年本）")."""
    found = _find_deadlines(text or "", dedupe=False)
    return found[0] if found else None


def _last_day(year: int, month: int) -> datetime.date:
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def _deadline_date(m: re.Match, text: str) -> datetime.date | None:
    """The date a DEADLINE_RE match names, or None when its context says it is no deadline."""
    start, end = m.span()
    before = text[start - 1] if start > 0 else ""
    after = text[end:end + 2]
    if before and (before.isdigit() or before in "-—–~～" and not m.group("prefix")):
        return None                                     # a range: （2021-2025年）
    if text[max(0, start - 1):start] in ("比", "较", "与", "同", "自", "从") or text[max(0, start - 2):start] == "截止":
        return None                                     # baselines and starting points
    if not m.group("before") and (after[:1] == "起" or after.startswith(("开始", "以来", "以后"))):
        return None                                     # a starting point: "2024年起"
    if m.group("prefix") == "于" and before in "倍高低多少大小优好强弱":
        return None                                     # a comparison: "1.5倍于2022年"
    year = int(m.group("year"))
    prefix, tail = m.group("prefix"), m.group("before")
    if m.group("half"):
        return _last_day(year, 6 if m.group("half") == "上半年" else 12)
    if m.group("quarter"):
        return _last_day(year, 3 * _QUARTER[m.group("quarter")])
    if m.group("month"):
        month = int(m.group("month"))
        if not 1 <= month <= 12:
            return None
        if m.group("day"):
            if not (tail or prefix in ("到", "截至", "截止", "截止到", "于")):
                return None                             # "2023年5月13日印发": a date, not a deadline
            try:
                return datetime.date(year, month, int(m.group("day")))
            except ValueError:
                return None
        if not (tail or prefix or m.group("month_end")):
            return None
        return _last_day(year, month)
    if m.group("year_end") or tail or prefix:
        return datetime.date(year, 12, 31)
    # A bare year counts at the start of a clause ("2025年对本方案实施情况进行评估"), not as an
    # edition, a 年度 or inside a phrase.
    if after[:1] in ("度", "本", "版", "届", "级", "第", "的") or (before and before not in "，,。；;：:、（(\n "):
        return None
    if re.match(r"[^，,。；;]{0,6}的", text[end:]):   # attributive: "2022年发布的清单"
        return None
    return datetime.date(year, 12, 31)


def _mask_titles(text: str) -> str:
    """`text` with the inside of 《…》 blanked, so the years of other documents' titles are skipped."""
    return re.sub(r"《[^《》]*》", lambda m: "《" + "　" * (len(m.group()) - 2) + "》", text)


def _find_deadlines(text: str, dedupe: bool = True) -> list[ParsedDeadline]:
    """Every deadline and recurring phrase in `text`, in order; with `dedupe` the first of each
    date (or recurring kind) only."""
    masked = _mask_titles(text)
    found: list[tuple[int, ParsedDeadline]] = []
    for m in DEADLINE_RE.finditer(masked):
        date = _deadline_date(m, masked)
        if date is not None:
            found.append((m.start(), ParsedDeadline(text[m.start():m.end()], date, None)))
    for m in RECURRING_RE.finditer(masked):
        word = m.group()
        kind = "持续" if word.startswith("持续") else _RECURRING_KIND[word]
        found.append((m.start(), ParsedDeadline(text[m.start():m.end()], None, kind)))
    found.sort(key=lambda pair: pair[0])
    result: list[ParsedDeadline] = []
    seen: set = set()
    for _, deadline in found:
        key = deadline.date or ("recurring", deadline.recurring)
        if dedupe and key in seen:
            continue
        seen.add(key)
        result.append(deadline)
    return result


# --------------------------------------------------------------------------------------------
# Clauses
# --------------------------------------------------------------------------------------------
@dataclass
class _Clause:
    raw: str
    lead: list[str]
    responsible: list[str]
    implementers: list[str]
    inherit: str | None = None       # 以下均需X落实，不再列出 → X
    declares: bool = False           # 列第一位者为牵头单位


def _split_top(text: str, separators: str) -> list[str]:
    """Split on any of `separators` outside brackets."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE and depth:
            depth -= 1
        elif ch in separators and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p.strip() for p in parts]


def _clean_name(name: str) -> str:
    name = name.strip().translate(_NAME_BRACKETS).strip("，、 ")
    name = re.sub(r"^(?:由|请|以)", "", name)
    previous = None
    while previous != name:
        previous = name
        name = ETC_RE.sub("", name).strip("，、 ")
    return name


def _is_local_government(name: str) -> bool:
    return bool(LOCAL_GOV_RE.search(name)) or bool(LOCAL_GOV_LIST_RE.match(name))


def _split_names(names: str) -> list[str]:
    """A list of names: one implementer phrase kept whole (各盟行政公署、市人民政府), otherwise
    split on 、 (outside brackets) and on 和/及 between names."""
    names = _clean_name(names)
    if not names:
        return []
    if LOCAL_GOV_LIST_RE.match(names):
        return [names]
    result = []
    for piece in _split_top(names, "、"):
        for name in AND_SPLIT_RE.split(piece):
            name = _clean_name(name)
            if name:
                result.append(name)
    return result


def _parse_clause(raw: str, declared: bool) -> _Clause:
    """Lead, responsible and implementers of one responsibility clause (see module docstring)."""
    content = raw.strip()
    if content and content[0] in _OPEN:
        content = content[1:]
        content = re.sub(r"[）)〕\]］】][。；;，,]?$", "", content)
    content = content.translate(str.maketrans({",": "，", ";": "；", ":": "："}))
    inherit = None
    m = INHERIT_RE.search(content)
    if m:
        inherit = _clean_name(m.group("who"))
        content = content[:m.start()] + "。" + content[m.end():]
    declares = False
    if DECLARE_RE.search(content):
        declares = True
        content = DECLARE_RE.sub("", content)
    content = re.sub(r"(?:^|[，；。])\s*(?:下同|不再(?:一一)?列出)\s*(?=[，；。]|$)", "", content)
    content = re.sub(r"其他部门(?:、单位)?按职责分工负责", "", content)
    # "X会同有关部门负责" → X; "X会同Y负责" → X、Y
    content = re.sub(r"会同(?:其他)?(?:有关|相关)?(?:部门|单位)+(?=[，；。]|负责|落实|$)", "", content)
    content = content.replace("会同", "、")
    # (role, names) per comma part; a part without a role word takes the role of the next part
    # with one in the same sentence ("X、Y，Z等按职责分工负责").
    parts: list[tuple[str | None, list[str]]] = []
    for sentence in _split_top(content, "。"):
        pending: list[list[str]] = []
        for part in _split_top(sentence, "，；"):
            if not part:
                continue
            label = LABEL_PART_RE.match(part)
            if label:
                role = "lead" if label.group("label") in ("牵头", "主办") else "co"
                names_text = label.group("names")
            else:
                role_match = ROLE_SUFFIX_RE.search(part)
                role = None
                names_text = part
                if role_match:
                    word = role_match.group("role")
                    names_text = part[:role_match.start()]
                    if word.startswith("牵头"):
                        role = "lead"
                    elif word in ("负责", "共同负责", "具体负责"):
                        role = "sole"
                    elif word in ("负责落实", "落实"):
                        role = "impl"
                    else:
                        role = "co"
            names = _split_names(names_text)
            if role is None:
                pending.append(names)
                continue
            for waiting in pending:
                parts.append((role, waiting))
            pending = []
            parts.append((role, names))
        for waiting in pending:
            parts.append(("co", waiting))
    lead_named, sole_named, departments, implementers = [], [], [], []
    for role, names in parts:
        for name in names:
            if _is_local_government(name):
                if name not in implementers:
                    implementers.append(name)
                continue
            if GENERIC_NAME_RE.match(name) or role == "impl" and not ORGAN_SUFFIX_RE.search(name):
                continue
            if name not in departments:
                departments.append(name)
            if role == "lead" and name not in lead_named:
                lead_named.append(name)
            elif role == "sole" and name not in sole_named:
                sole_named.append(name)
    if inherit and inherit not in implementers:
        implementers.append(inherit)
    if lead_named:
        lead = lead_named
    elif sole_named:
        lead = sole_named
    elif (declared or declares) and departments:
        lead = departments[:1]
    else:
        lead = list(departments)
    return _Clause(raw, lead, departments, implementers, inherit, declares)


def _looks_like_clause(content: str) -> bool:
    """Whether the inside of a bracket group is a responsibility clause."""
    if MARKER_GROUP_RE.match(content) or len(content) > 600:
        return False
    strong = STRONG_CLAUSE_RE.search(content)
    if not strong and not WEAK_CLAUSE_RE.search(content):
        return False
    parsed = _parse_clause("（" + content + "）", declared=False)
    if parsed.inherit or parsed.declares:
        return True
    names = parsed.responsible + parsed.implementers
    valid = [n for n in names if ORGAN_SUFFIX_RE.search(n) or _is_local_government(n)]
    # "（鼓励公众参与）" names no organ; a weak word ("负责") needs a clean list of organs
    return bool(valid) and (bool(strong) or len(valid) == len(names))


# --------------------------------------------------------------------------------------------
# Text clean-up and units
# --------------------------------------------------------------------------------------------
@dataclass
class _Unit:
    kind: str                         # heading | text | clause | date | public | title | sign | closing
    text: str
    group: int                        # display-paragraph group
    key: str = ""
    level: int = 0
    marker: str = ""                  # normalised own label: "二、" "（一）" "1." "（1）"
    number: int = 0
    title: str = ""
    dropped: bool = False
    original: int | None = None       # index of the earlier unit this one repeats


def _normalise_lines(text: str) -> list[str]:
    text = _ZERO_WIDTH_RE.sub("", text.replace("\f", " ").replace("\v", " ")).replace("\r\n", "\n").replace("\r", "\n")
    text = text.translate(_FULLWIDTH_DIGITS).replace("\u3000", " ").replace("\xa0", " ")
    lines = []
    for line in text.split("\n"):
        line = re.sub(r"[ \t\f\v]+", " ", line).strip()
        lines.append(_CJK_SPACE_RE.sub("", line))
    return lines


def _open_bracket_at(text: str) -> int | None:
    """Where the outermost bracket left open at the end of `text` starts, or None."""
    opened: list[int] = []
    for i, ch in enumerate(text):
        if ch in _OPEN:
            opened.append(i)
        elif ch in _CLOSE and opened:
            opened.pop()
    return opened[0] if opened else None


def _starts_with_heading(text: str) -> bool:
    return bool(HEADING_RE.match(text))


def _is_clause_only(text: str) -> bool:
    """A paragraph that is nothing but a responsibility clause."""
    text = text.strip()
    if LABEL_CLAUSE_RE.match(text):
        return True
    if not text or text[0] not in _OPEN:
        return False
    groups = _bracket_groups(text)
    if not groups or groups[0][0] != 0:
        return False
    end = groups[0][1]
    return not text[end:].strip("。；;，, ") and _looks_like_clause(text[1:end - 1])


def _overlap(previous: str, paragraph: str) -> int:
    """Length of the longest start of `paragraph` that repeats the end of `previous` (≥ 10)."""
    probe = paragraph[:10]
    if len(probe) < 10:
        return 0
    start = previous.find(probe)
    while start != -1:
        tail = previous[start:]
        if paragraph.startswith(tail):
            return len(tail)
        start = previous.find(probe, start + 1)
    return 0


def _repair_paragraphs(lines: list[str], dropped: list[str]) -> list[str]:
    """Join page-break fragments into whole paragraphs (see module docstring, step 1)."""
    paragraphs: list[str] = []
    for line in lines:
        if not line:
            continue
        if not paragraphs:
            paragraphs.append(line)
            continue
        previous = paragraphs[-1]
        opened = _open_bracket_at(previous)
        if opened is not None and len(previous) - opened < 300:   # a bracket left open: "（市生态环境局、"
            paragraphs[-1] = previous + line
            continue
        if not _starts_with_heading(line):
            cut = _overlap(previous, line)
            if cut:
                dropped.append(line[:cut])
                line = line[cut:].strip()
                if not line:
                    continue
        if _is_clause_only(line):                       # a clause alone belongs to the item before
            paragraphs[-1] = previous + line
            continue
        heading_line = _starts_with_heading(previous) and len(previous) <= 40 and not re.search(r"[。！？]", previous)
        broken = (not heading_line and len(previous) >= 15 and re.search(r"[，,。]", previous)
                  and previous[-1] not in _TERMINAL and not _starts_with_heading(line)
                  and not DATE_LINE_RE.match(line) and not CLOSING_RE.match(line))
        if broken:                                      # a sentence cut by a page break
            paragraphs[-1] = previous + line
            continue
        paragraphs.append(line)
    return paragraphs


def _bracket_groups(text: str) -> list[tuple[int, int]]:
    """Top-level bracket groups as (start, end); a group left open runs to the end."""
    groups, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in _OPEN:
            if depth == 0:
                start = i
            depth += 1
        elif ch in _CLOSE and depth:
            depth -= 1
            if depth == 0:
                groups.append((start, i + 1))
    if depth:
        groups.append((start, len(text)))
    return groups


def _cn_number(text: str) -> int:
    if text.isdigit():
        return int(text)
    values = {c: i + 1 for i, c in enumerate(_CN_DIGITS)}
    if text == "十":
        return 10
    if text.startswith("十"):
        return 10 + values.get(text[1:], 0)
    if "十" in text:
        tens, _, ones = text.partition("十")
        return values.get(tens, 1) * 10 + values.get(ones, 0)
    return values.get(text, 0)


def _heading_at(text: str, pos: int) -> re.Match | None:
    m = HEADING_RE.match(text, pos)
    if not m or not text[m.end():].strip():
        return None
    return m


def _marker_info(m: re.Match) -> tuple[int, str, int]:
    """(level, normalised own label, number) of a heading marker."""
    if m.group("l1"):
        return 1, m.group("l1") + "、", _cn_number(m.group("l1"))
    if m.group("l2"):
        return 2, "（" + m.group("l2") + "）", _cn_number(m.group("l2"))
    if m.group("l4"):
        return 4, "（" + m.group("l4") + "）", int(m.group("l4"))
    dot = "." if m.group("dot") in ".．" else "、"
    return 3, m.group("l3") + dot, int(m.group("l3"))


def _heading_title(body: str) -> str:
    """The short title of a heading: its first sentence, cut where a level title runs into text."""
    first = re.split(r"[。！？!?]", body, maxsplit=1)[0].strip()
    first = first.rstrip("：:；;，, ")
    run_in = TITLE_RUN_IN_RE.search(first)
    if run_in and 2 <= run_in.start() <= 15 and not re.search(r"[，,；;：:、]", first[:run_in.start()]):
        first = first[:run_in.start()]
    if len(first) > 60:
        comma = re.search(r"[，,；;]", first)
        first = first[:comma.start()] if comma and comma.start() >= 4 else first[:60]
    return first


class _Tokenizer:
    """Cuts repaired paragraphs into units (step 2 of the module docstring)."""

    def __init__(self, title: str, issuer: str | None):
        self.title = title
        self.issuer = issuer
        self.units: list[_Unit] = []
        self.group = -1
        self.closing = False

    def new_group(self) -> None:
        self.group += 1

    def add(self, kind: str, text: str, heading: re.Match | None = None) -> None:
        text = text.strip()
        if not text.strip("。；;，,、 "):
            return
        if kind == "text":
            if self.closing or CLOSING_RE.match(text):
                kind, self.closing = "closing", True
            elif DATE_LINE_RE.match(text):
                kind = "date"
            elif self.issuer and text == self.issuer:
                kind = "sign"
        if kind in ("heading", "date", "public", "title", "sign"):
            self.new_group()
        unit = _Unit(kind, text, self.group, key=re.sub(r"\s+", "", text).translate(_FOLD))
        if heading is not None:
            unit.level, unit.marker, unit.number = _marker_info(heading)
            unit.title = _heading_title(text[heading.end() - heading.start():].strip())
        self.units.append(unit)
        if kind in ("date", "public", "title", "sign"):
            self.new_group()

    def paragraph(self, s: str) -> None:
        """Cut one repaired paragraph into units. `start` is where the current unit began,
        `heading` the marker it began with (if any)."""
        self.new_group()
        groups = dict(_bracket_groups(s))
        i = start = 0
        heading: re.Match | None = None
        n = len(s)
        while i < n:
            if i == start:                              # at a unit start: title line, label clause, heading?
                while i < n and s[i] == " ":
                    i += 1
                start = i
                if i >= n:
                    break
                if self.title and s.startswith(self.title, i) and s[i + len(self.title):i + len(self.title) + 1] \
                        not in ("》", "的"):
                    self.add("title", self.title)
                    i = start = i + len(self.title)
                    continue
                if LABEL_CLAUSE_RE.match(s, i):         # 牵头单位：X；责任单位：Y runs to the paragraph end
                    self.add("clause", s[i:])
                    return
                heading = _heading_at(s, i)
                if heading:
                    i = heading.end()
                    continue
            if i in groups:                             # a bracket group: clause, （此件公开发布）, run-in marker
                end = groups[i]
                whole = s[i:end]
                content = whole[1:-1] if whole[-1] in _CLOSE else whole[1:]
                public = bool(PUBLIC_RE.match(whole))
                if public or _looks_like_clause(content):
                    after = end
                    while after < n and s[after] in "。；;，,":
                        after += 1
                    before = s[start:i].rstrip()
                    if before and before[-1] not in _TERMINAL:   # "…建设(责任单位:X)。按照…": the 。 ends the text
                        self._flush(s, start, i, heading, suffix=s[end:after])
                        self.add("public" if public else "clause", s[i:end])
                    else:
                        self._flush(s, start, i, heading)
                        self.add("public" if public else "clause", s[i:after])
                    end = after
                    i = start = end
                    heading = None
                elif heading is not None and MARKER_GROUP_RE.match(content) and self._run_in(s, i, heading):
                    self._flush(s, start, i, heading)
                    start, heading = i, None
                else:
                    i = end
                continue
            if s[i] in _SENTENCE_END:                   # a sentence ends (closing quotes stay with it)
                end = i + 1
                while end < n and s[end] in _QUOTE_CLOSE:
                    end += 1
                self._flush(s, start, end, heading)
                i = start = end
                heading = None
                continue
            i += 1
        self._flush(s, start, n, heading)

    @staticmethod
    def _run_in(s: str, pos: int, heading: re.Match) -> bool:
        """A deeper marker right after a short level title: "二、工作举措（一）开展…"."""
        level = _marker_info(heading)[0]
        title = s[heading.end():pos]
        inner = HEADING_RE.match(s, pos)
        return (inner is not None and _marker_info(inner)[0] > level and len(title) <= 20
                and not re.search(r"[，,。；;：:]", title))

    def _flush(self, s: str, start: int, end: int, heading: re.Match | None, suffix: str = "") -> None:
        if end > start:
            if heading is not None and heading.start() == start:
                self.add("heading", s[start:end] + suffix, heading)
            else:
                self.add("text", s[start:end] + suffix)


def _mark_signatures(units: list[_Unit]) -> None:
    """A short organ name right above a date line is a signature, not item text."""
    for i, unit in enumerate(units):
        if unit.kind == "date" and i > 0:
            above = units[i - 1]
            if above.kind == "text" and len(above.text) <= 30 and ORGAN_SUFFIX_RE.search(above.text) \
                    and not re.search(r"[，,。；;：:]", above.text):
                above.kind = "sign"


def _mark_repeats(units: list[_Unit]) -> None:
    """Step 3 of the module docstring: drop repeated passages, keep the first occurrence."""
    first: dict[str, int] = {}
    for i, unit in enumerate(units):
        if unit.kind not in ("heading", "text", "clause"):
            continue
        key = unit.kind + ":" + unit.key
        if key in first:
            unit.original = first[key]
        else:
            first[key] = i

    def aligned(i: int, step: int) -> bool:
        j = i + step
        return 0 <= j < len(units) and units[j].original is not None \
            and units[j].original == units[i].original + step

    for i, unit in enumerate(units):
        if unit.original is None:
            continue
        long_sentence = unit.kind == "text" and len(unit.key) >= REPEAT_MIN_CHARS
        in_run = aligned(i, -1) or aligned(i, 1)       # part of a repeated passage of 2+ units
        unit.dropped = long_sentence or in_run


# --------------------------------------------------------------------------------------------
# Metadata
# --------------------------------------------------------------------------------------------
def _find_title(lines: list[str]) -> str:
    text = "\n".join(lines)
    m = NOTICE_TITLE_RE.search(text) or ABOUT_TITLE_RE.search(text)
    if m:
        return m.group("t").strip()
    for line in lines[:40]:
        if 4 <= len(line) <= 40 and re.search(TITLE_SUFFIX + "$", line) and not re.search(r"[，,。：:]", line) \
                and not _starts_with_heading(line):
            return line
    return ""


def _find_issuer(lines: list[str]) -> str | None:
    m = ISSUER_RE.search("\n".join(lines[:60]))
    if m:
        return m.group("org").strip()
    for line in lines[:40]:
        header = re.match(r"^(.{2,30}?)文件$", line)
        if header:
            return header.group(1)
    return None


def _metadata(units: list[_Unit], lines: list[str], issuer: str | None,
              warnings: list[str]) -> tuple[str | None, str | None, datetime.date | None]:
    """(issuer, doc_number, issued) from the document furniture (step 8 of the docstring)."""
    front: list[_Unit] = []
    for unit in units:
        if unit.kind in ("title", "heading"):
            break
        front.append(unit)
    doc_number = None
    for unit in front:
        compact = unit.text.replace(" ", "")
        m = re.match(r"^(?:发文字号[:：])?(" + DOC_NUMBER_RE.pattern + ")$", compact)
        if m:
            doc_number = m.group(1).translate(str.maketrans("[]［］()（）", "〔〕〔〕〔〕〔〕"))
            break
    if doc_number is None:
        m = re.search(r"发文字号\s*[:：]\s*(" + DOC_NUMBER_RE.pattern + ")", "\n".join(lines[:60]))
        if m:
            doc_number = m.group(1).replace(" ", "")
    dates = [(i, u) for i, u in enumerate(units) if u.kind == "date"]
    issued = None
    for preferred in (False, True):                    # the signature date, else the 印发 date
        for i, unit in dates:
            m = DATE_LINE_RE.match(unit.text)
            if bool(m.group(4)) == preferred:
                try:
                    issued = datetime.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
                except ValueError:
                    continue
                if issuer is None and i > 0 and units[i - 1].kind == "sign":
                    issuer = units[i - 1].text
                break
        if issued:
            break
    joined = "\n".join(lines)
    if issued is None:
        m = WRITTEN_DATE_RE.search(joined)
        if m:
            issued = datetime.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    if issued is None:
        m = WEB_DATE_RE.search(joined)
        if m:
            issued = datetime.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            warnings.append(f"未找到成文日期，暂用网页发布日期 {issued.isoformat()} 作为印发日期，请核对。")
    return issuer, doc_number, issued


# --------------------------------------------------------------------------------------------
# Reading: heading tree, items and clauses
# --------------------------------------------------------------------------------------------
@dataclass
class _Item:
    unit: _Unit
    paragraph: int
    parent: _Item | None = None
    children: list[_Item] = field(default_factory=list)
    units: list[_Unit] = field(default_factory=list)         # heading + text units
    clauses: list[_Clause] = field(default_factory=list)
    implementers: list[str] = field(default_factory=list)
    paragraphs: set[int] = field(default_factory=set)
    text_after_clause: bool = False

    @property
    def level(self) -> int:
        return self.unit.level

    @property
    def gap(self) -> bool:
        return self.level - (self.parent.level if self.parent else 0) > 1

    def path(self) -> list[_Item]:
        chain, node = [], self
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain[::-1]

    def label(self) -> str:
        return "".join(node.unit.marker for node in self.path())


def _read(units: list[_Unit], paragraph_of: dict[int, int], warnings: list[str]) -> list[_Item]:
    """Step 4 of the module docstring; returns the root items."""
    roots: list[_Item] = []
    stack: list[_Item] = []
    by_key: dict[str, _Item] = {}
    current: _Item | None = None           # where text goes
    last_text: _Item | None = None         # the item whose kept text a clause follows
    inherited: list[str] = []
    declared = False

    def attach(item: _Item, parent: _Item | None) -> None:
        item.parent = parent
        (parent.children if parent else roots).append(item)

    for index, unit in enumerate(units):
        if unit.dropped:
            if unit.kind == "heading":                 # a repeated heading brings the reader back
                item = by_key.get(unit.key)
                if item is not None:
                    top = stack[-1] if stack else None
                    if item.gap and top is not None and top.level == item.level - 1 and top is not item \
                            and item not in top.path():
                        (item.parent.children if item.parent else roots).remove(item)
                        attach(item, top)
                    stack = item.path()
                    current = item
            continue
        if unit.kind == "title":
            stack, current, last_text = [], None, None
            continue
        if unit.kind == "closing":
            current = last_text = None
            continue
        if unit.kind in ("date", "public", "sign"):
            continue
        if unit.kind == "heading":
            while stack and stack[-1].level >= unit.level:
                stack.pop()
            item = _Item(unit, paragraph_of[index])
            attach(item, stack[-1] if stack else None)
            by_key.setdefault(unit.key, item)
            stack.append(item)
            current = last_text = item
            item.units.append(unit)
            item.paragraphs.add(paragraph_of[index])
            continue
        if unit.kind == "text":
            if "牵头" in unit.text and DECLARE_RE.search(unit.text):
                declared = True
            m = INHERIT_RE.search(unit.text) if "列出" in unit.text else None
            if m:
                inherited.append(_clean_name(m.group("who")))
            if current is not None:
                if current.clauses:
                    current.text_after_clause = True
                current.units.append(unit)
                current.paragraphs.add(paragraph_of[index])
                last_text = current
            continue
        # a clause
        clause = _parse_clause(unit.text, declared)
        declared = declared or clause.declares
        if clause.inherit and clause.inherit not in inherited:
            inherited.append(clause.inherit)
        target = last_text
        if target is None:
            if clause.responsible:
                warnings.append(f"责任分工“{unit.text}”前面没有条目，已忽略。")
            continue
        target.clauses.append(clause)
        target.text_after_clause = False
        target.paragraphs.add(paragraph_of[index])
        for name in clause.implementers + inherited:
            if name not in target.implementers:
                target.implementers.append(name)
    return roots


def _walk(items: list[_Item]):
    for item in items:
        yield item
        yield from _walk(item.children)


def _item_text(item: _Item) -> str:
    """The item's text without label and clauses: paragraphs joined by line breaks."""
    pieces: list[str] = []
    last_group = None
    for unit in item.units:
        text = unit.text
        if unit.kind == "heading":
            marker = HEADING_RE.match(text)
            text = text[marker.end():].strip() if marker else text
        if last_group is not None and unit.group != last_group and pieces:
            pieces.append("\n")
        pieces.append(text)
        last_group = unit.group
    return "".join(pieces).strip()


def _numbering_warnings(items: list[_Item], warnings: list[str]) -> None:
    """Repeated or out-of-order heading numbers among siblings (scrambled copies)."""
    for siblings in [items] + [item.children for item in _walk(items)]:
        previous: dict[int, _Item] = {}
        for item in siblings:
            before = previous.get(item.level)
            if before is not None and item.unit.number != before.unit.number + 1:
                kind = "编号重复" if item.unit.number == before.unit.number else "编号不连续"
                warnings.append(f"{kind}：{item.label()} {item.unit.title}（前一条为 {before.label()} "
                                f"{before.unit.title}），请核对原文结构。")
            previous[item.level] = item


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------
def parse_plan(text: str) -> ParsedPlan:
    """Parse a plan's text into its heading tree and tasks (see module docstring)."""
    if text is None or not text:
        raise PlanParseError("文件为空，没有可解析的方案内容。")
    if not text.strip():
        raise PlanParseError("文件内容为空（只有空白字符），没有可解析的方案内容。")
    warnings: list[str] = []
    dropped: list[str] = []
    lines = _normalise_lines(text)
    title = _find_title(lines)
    issuer = _find_issuer(lines)
    tokenizer = _Tokenizer(title, issuer)
    for paragraph in _repair_paragraphs(lines, dropped):
        tokenizer.paragraph(paragraph)
    units = tokenizer.units
    _mark_signatures(units)
    if not any(u.kind == "heading" for u in units):
        raise PlanParseError("未识别到任何标题（一、 （一） 1. （1）），这不像一份工作方案，请检查文件内容。")
    _mark_repeats(units)

    # display paragraphs: kept units grouped; dropped runs reported once
    paragraphs: list[str] = []
    paragraph_of: dict[int, int] = {}
    group_index: dict[int, int] = {}
    run: list[str] = []
    for index, unit in enumerate(units):
        if unit.dropped:
            run.append(unit.text)
            continue
        if run:
            dropped.append("".join(run))
            run = []
        if unit.group not in group_index:
            group_index[unit.group] = len(paragraphs)
            paragraphs.append("")
        paragraph_of[index] = group_index[unit.group]
        paragraphs[group_index[unit.group]] += unit.text
    if run:
        dropped.append("".join(run))
    for index, unit in enumerate(units):               # repeated headings point at their first copy
        if unit.dropped and unit.original is not None:
            paragraph_of[index] = paragraph_of.get(unit.original, 0)

    roots = _read(units, paragraph_of, warnings)
    issuer, doc_number, issued = _metadata(units, lines, issuer, warnings)
    if not title:
        warnings.append("未识别到方案标题，请在导入后补填。")

    def to_node(item: _Item) -> HeadingNode:
        return HeadingNode(item.label(), item.level, item.unit.title, item.paragraph,
                           [to_node(child) for child in item.children])

    headings = [to_node(item) for item in roots]
    nodes = {id(item): node for item, node in zip(_walk(roots), _walk(headings), strict=True)}
    tasks: list[ParsedTask] = []
    for item in _walk(roots):
        if not item.clauses:
            continue
        lead, responsible = [], []
        for clause in item.clauses:
            lead += [n for n in clause.lead if n not in lead]
            responsible += [n for n in clause.responsible if n not in responsible]
        text_ = _item_text(item)
        nodes[id(item)].task_index = len(tasks)
        tasks.append(ParsedTask(
            label=item.label(), title=item.unit.title, text=text_, lead=lead, responsible=responsible,
            implementers=list(item.implementers), deadlines=_find_deadlines(text_),
            clause="".join(c.raw for c in item.clauses), source_paragraphs=sorted(item.paragraphs)))
        if item.text_after_clause:
            warnings.append(f"{item.label()} {item.unit.title}：责任分工之后还有文字，已并入该条目，请核对。")
        if not responsible and not item.implementers:
            warnings.append(f"{item.label()} {item.unit.title}：责任分工中没有可指派的单位。")
    for item in _walk(roots):                          # items left without a clause among task siblings
        siblings = item.parent.children if item.parent else roots
        if not item.clauses and not item.children and len(item.units) > 1 \
                and any(s.clauses for s in siblings if s is not item):
            warnings.append(f"{item.label()} {item.unit.title}：未找到责任分工，未列为任务，请核对。")
    _numbering_warnings(roots, warnings)
    if not tasks:
        warnings.append("未找到任何责任分工（如“（市生态环境局负责）”），没有生成任务。")
    return ParsedPlan(title=title, issuer=issuer, doc_number=doc_number, issued=issued,
                      paragraphs=paragraphs, headings=headings, tasks=tasks, dropped=dropped,
                      warnings=warnings)


def plan_to_contract(plan: ParsedPlan) -> dict:
    """The JSON object of the `import_plan --json` contract (DESIGN.md, "Contracts")."""
    return {
        "title": plan.title,
        "issuer": plan.issuer,
        "doc_number": plan.doc_number,
        "issued": plan.issued.isoformat() if plan.issued else None,
        "tasks": [
            {
                "label": task.label,
                "title": task.title,
                "text": task.text,
                "lead": list(task.lead),
                "responsible": list(task.responsible),
                "implementers": list(task.implementers),
                "deadlines": [{"text": d.text, "date": d.date.isoformat() if d.date else None}
                              for d in task.deadlines],
            }
            for task in plan.tasks
        ],
    }
