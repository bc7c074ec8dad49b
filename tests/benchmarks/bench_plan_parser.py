"""Benchmark: the action-plan parser (tasks.parser) on a ~20,000-character plan.

Not a test (no time asserts). The plan is the Shuozhou notice and body followed by renumbered
copies of its body (一…四 become 五…八, 九…十二, …) until it passes 20,000 characters. Every
sentence of a copy is made unique (a copy number is added before each sentence end outside
brackets) so that the parser's repeat detection does not simply drop the copies. Each figure is
the best of 5 runs of time.perf_counter.

    .venv/bin/python tests/benchmarks/bench_plan_parser.py

`run()` returns rows like {"workload", "figure", "value", "unit", "floor", "target", "met"}; the
floor is the time of the cheapest possible pass over the same text (splitting and normalising its
lines), for scale.
"""
from __future__ import annotations

import io
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tasks import parser  # noqa: E402

PLANS = ROOT / "fixtures" / "plans"
TARGET_CHARS = 20_000
CN = "一二三四五六七八九十"


def chinese_numeral(n: int) -> str:
    if n <= 10:
        return CN[n - 1]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else CN[tens - 1]) + "十" + (CN[ones - 1] if ones else "")


def _mark_sentences(text: str, copy: int) -> str:
    """Add the copy number before each 。 outside brackets, so no sentence repeats another."""
    out, depth = [], 0
    for ch in text:
        if ch in "（(〔[":
            depth += 1
        elif ch in "）)〕]" and depth:
            depth -= 1
        if ch == "。" and depth == 0:
            out.append(f"，确保第{copy}批任务按期完成")
        out.append(ch)
    return "".join(out)


def build_plan(target_chars: int = TARGET_CHARS) -> str:
    """The Shuozhou plan with renumbered copies of its body appended, about `target_chars` long."""
    text = (PLANS / "shuozhou-2023.txt").read_text(encoding="utf-8-sig")
    start = text.index("一、总体要求")
    end = text.index("抄送：")
    head, body = text[:end], text[start:end]
    plan, copy = head, 1
    while len(plan) < target_chars:
        offset = 4 * copy
        shifted = re.sub(r"^([一二三四])、",
                         lambda m, offset=offset: chinese_numeral(CN.index(m.group(1)) + 1 + offset) + "、",
                         body, flags=re.M)
        plan += _mark_sentences(shifted, copy)
        copy += 1
    # end the last copy at the first item heading past the target, so the plan stays near it
    cut = re.compile(r"^[（(][一二三四五六七八九十]+[）)]", re.M).search(plan, target_chars)
    return plan[:cut.start()] if cut else plan


def best_of(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def as_docx(text: str) -> bytes:
    import docx

    document = docx.Document()
    for line in text.splitlines():
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _row(workload: str, seconds: float, floor: float, target: float, note: str = "") -> dict:
    return {
        "workload": workload,
        "figure": f"{seconds:.3f} s",
        "value": round(seconds, 4),
        "unit": "s",
        "floor": f"{floor:.3f} s (split and normalise the lines only){note}",
        "target": f"≤ {target} s",
        "met": seconds <= target,
    }


def run() -> list[dict]:
    big = build_plan()
    plan = parser.parse_plan(big)
    floor_big = best_of(lambda: parser._normalise_lines(big))
    rows = [_row(f"parse a {len(big):,}-character plan ({len(plan.tasks)} tasks, {len(plan.paragraphs)} paragraphs)",
                 best_of(lambda: parser.parse_plan(big)), floor_big, 0.5)]

    scrambled = (PLANS / "inner-mongolia-2023.txt").read_text(encoding="utf-8-sig")
    floor_im = best_of(lambda: parser._normalise_lines(scrambled))
    rows.append(_row(f"parse the scrambled Inner Mongolia web copy ({len(scrambled):,} characters)",
                     best_of(lambda: parser.parse_plan(scrambled)), floor_im, 0.2))

    data = as_docx(big)
    rows.append(_row(f"read and parse the {len(big):,}-character plan as .docx ({len(data) // 1024} KiB)",
                     best_of(lambda: parser.parse_plan(parser.read_plan_file(data, "plan.docx"))), floor_big, 1.0))
    return rows


if __name__ == "__main__":
    for result in run():
        print(f"{result['workload']}: {result['figure']} (target {result['target']}, "
              f"{'met' if result['met'] else 'NOT met'}; floor {result['floor']})")
